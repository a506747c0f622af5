// Validation problems: rendered as a list of buttons in #problems and as markers/overlays on
// the offending diagram elements. A problem is {"file", "line", "element_id", "message",
// "severity"} (severity: "error" | "warning" | "info"; anything else counts as "error").

const SEVERITIES = ['error', 'warning', 'info'];

function severityOf(problem) {
  const s = String(problem.severity || 'error').toLowerCase();
  return SEVERITIES.includes(s) ? s : 'error';
}

// Find the diagram element for an id: the shape/connection itself, or the participant whose
// process has that id, or the root element when the id is the process/definitions itself.
export function findElement(elementRegistry, canvas, id) {
  if (!id) {
    return null;
  }
  const direct = elementRegistry.get(id);
  if (direct) {
    return direct;
  }
  const participant = elementRegistry.find((el) => {
    const bo = el.businessObject;
    return bo && bo.processRef && bo.processRef.id === id;
  });
  if (participant) {
    return participant;
  }
  const root = canvas.getRootElement();
  if (root && root.businessObject && root.businessObject.id === id) {
    return root;
  }
  return null;
}

export function createProblemsView(modeler, listEl) {
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  const selection = modeler.get('selection');
  const elementRegistry = modeler.get('elementRegistry');
  let marked = [];

  function clear() {
    marked.forEach(({ id, cls }) => {
      if (elementRegistry.get(id)) {
        canvas.removeMarker(id, cls);
      }
    });
    marked = [];
    overlays.remove({ type: 'lscb-problem' });
    if (listEl) {
      listEl.replaceChildren();
    }
  }

  function focusElement(element) {
    if (!element) {
      return;
    }
    if (element !== canvas.getRootElement()) {
      selection.select(element);
      canvas.scrollToElement(element);
    } else {
      selection.select(null);
    }
  }

  function show(problems) {
    clear();
    problems = Array.isArray(problems) ? problems : [];
    const perElement = new Map();

    problems.forEach((problem) => {
      const severity = severityOf(problem);
      const element = findElement(elementRegistry, canvas, problem.element_id);

      if (element && element !== canvas.getRootElement()) {
        const cls = `problem-${severity}`;
        canvas.addMarker(element.id, cls);
        marked.push({ id: element.id, cls });
        const entry = perElement.get(element.id) || { element, messages: [], worst: 'info' };
        entry.messages.push(problem.message || '');
        if (SEVERITIES.indexOf(severity) < SEVERITIES.indexOf(entry.worst)) {
          entry.worst = severity;
        }
        perElement.set(element.id, entry);
      }

      if (listEl) {
        const li = document.createElement('li');
        li.className = 'app-problems__item';
        const button = document.createElement('button');
        button.type = 'button';
        button.className = `app-problems__button app-problems__button--${severity}`;
        button.dataset.elementId = problem.element_id || '';

        const sev = document.createElement('span');
        sev.className = 'app-problems__severity';
        sev.textContent = severity.charAt(0).toUpperCase() + severity.slice(1) + ': ';
        button.appendChild(sev);
        button.appendChild(document.createTextNode(problem.message || 'Problem'));

        const where = [];
        if (problem.element_id) {
          where.push(`element ${problem.element_id}`);
        }
        if (problem.file) {
          where.push(problem.line ? `${problem.file}, line ${problem.line}` : problem.file);
        } else if (problem.line) {
          where.push(`line ${problem.line}`);
        }
        if (where.length) {
          const w = document.createElement('span');
          w.className = 'app-problems__where';
          w.textContent = where.join(' – ');
          button.appendChild(w);
        }
        button.addEventListener('click', () => focusElement(element));
        li.appendChild(button);
        listEl.appendChild(li);
      }
    });

    perElement.forEach(({ element, messages, worst }) => {
      const badge = document.createElement('span');
      badge.className = `problem-badge problem-badge--${worst}`;
      badge.textContent = messages.length > 1 ? String(messages.length) : '!';
      badge.title = messages.join('\n');
      badge.setAttribute('aria-hidden', 'true');
      overlays.add(element.id, 'lscb-problem', {
        position: { top: -12, right: 12 },
        html: badge
      });
    });

    return problems.length;
  }

  return { show, clear };
}
