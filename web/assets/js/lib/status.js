// A polite live region that the editors write their progress and results into.

export function statusLine(container, id) {
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement('p');
    el.id = id;
    container.parentNode.insertBefore(el, container);
  }
  el.classList.add('app-status-line');
  el.setAttribute('role', 'status');
  el.setAttribute('aria-live', 'polite');

  function set(text, kind) {
    el.textContent = text || '';
    el.classList.toggle('app-status-line--error', kind === 'error');
    el.classList.toggle('app-status-line--success', kind === 'success');
  }

  return {
    info: (text) => set(text, 'info'),
    error: (text) => set(text, 'error'),
    success: (text) => set(text, 'success'),
    clear: () => set('', 'info')
  };
}

export function download(filename, text, type) {
  const blob = new Blob([text], { type: type || 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
