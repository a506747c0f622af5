// Small fetch helpers shared by the page bundles. Same-origin only; the CSRF token comes from
// the page (data-csrf on the widget, or <meta name="csrf-token"> from base.html).

export function csrfToken(el) {
  if (el && el.dataset && el.dataset.csrf) {
    return el.dataset.csrf;
  }
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : '';
}

export class HttpError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.body = body;
  }
}

async function readBody(response) {
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      return await response.json();
    } catch (err) {
      return null;
    }
  }
  return response.text();
}

// GET a diagram. The endpoint may answer with the XML itself (application/xml, text/xml,
// text/plain) or with JSON {"xml": "..."}.
export async function getXML(url) {
  const response = await fetch(url, {
    method: 'GET',
    credentials: 'same-origin',
    headers: { Accept: 'application/xml, text/xml, application/json;q=0.9, */*;q=0.1' }
  });
  const body = await readBody(response);
  if (!response.ok) {
    throw new HttpError(messageFrom(body) || `Could not load the diagram (HTTP ${response.status})`, response.status, body);
  }
  if (body && typeof body === 'object') {
    if (typeof body.xml !== 'string') {
      throw new HttpError('The server sent JSON without an "xml" field', response.status, body);
    }
    return body.xml;
  }
  return body;
}

// GET JSON (for example the viewer's state).
export async function getJSON(url) {
  const response = await fetch(url, {
    method: 'GET',
    credentials: 'same-origin',
    headers: { Accept: 'application/json' }
  });
  const body = await readBody(response);
  if (!response.ok || !body || typeof body !== 'object') {
    throw new HttpError(messageFrom(body) || `Request failed (HTTP ${response.status})`, response.status, body);
  }
  return body;
}

// POST JSON with the CSRF header. Resolves to the parsed JSON body for 2xx and 4xx answers that
// carry JSON (a 400/422 with {"ok": false, "problems": [...]} is a normal validation answer);
// rejects with HttpError otherwise.
export async function postJSON(url, payload, csrf) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-CSRFToken': csrf || '',
      'X-Requested-With': 'fetch'
    },
    body: JSON.stringify(payload)
  });
  const body = await readBody(response);
  if (body && typeof body === 'object' && (response.ok || (response.status >= 400 && response.status < 500))) {
    if (!response.ok && body.ok === undefined) {
      body.ok = false;
    }
    body.status = response.status;
    return body;
  }
  throw new HttpError(messageFrom(body) || `Request failed (HTTP ${response.status})`, response.status, body);
}

function messageFrom(body) {
  if (body && typeof body === 'object') {
    return body.message || body.error || body.detail || '';
  }
  return '';
}
