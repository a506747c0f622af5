// Site-wide script (web/static/dist/app.js), loaded by base.html at the end of <body>.
// No inline scripts anywhere (the CSP forbids them): pages pass data through data-* attributes
// or <script type="application/json" id="..."> blocks, read here or by the page bundles.

import accessibleAutocomplete from 'accessible-autocomplete';
import { initAll } from 'govuk-frontend';

import { readJSONBlock } from './lib/data.js';

// govuk-frontend only enhances components when these classes are on <body>; GOV.UK's template
// sets them with an inline script, which our CSP does not allow, so we set them here.
document.body.classList.add('js-enabled');
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported');
}

// Accordions, tabs, error summary focus, notification banners, character counts, radios and
// checkboxes with conditional reveals, password inputs, service navigation menu, skip link...
initAll();

// ---- select[data-autocomplete]: a long list becomes a typeahead (GOV.UK's accessible one) --
// Without JavaScript the plain select works; with it, typing filters the options.
document.querySelectorAll('select[data-autocomplete]').forEach((selectElement) => {
  accessibleAutocomplete.enhanceSelectElement({
    selectElement,
    defaultValue: '',
    showAllValues: true,
    dropdownArrow: () => '',
    tNoResults: () => 'No one matches'
  });
});

// ---- [data-confirm]: ask before a destructive submit ------------------------------------
// <form data-confirm="Cancel this case?"> or <button data-confirm="...">.
document.addEventListener('submit', (event) => {
  const form = event.target;
  const submitter = event.submitter;
  const message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// ---- [data-print]: a "Print this page" button --------------------------------------------
document.querySelectorAll('[data-print]').forEach((button) => {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
});

// What a form would send, to tell whether anything changed since it was last kept.
const formState = (form) => new URLSearchParams(new FormData(form)).toString();

// ---- [data-warn-unsaved]: forms warn before the user navigates away with changes --------
// Changes are what the form would send now against what it sent last (on loading, or in an
// autosave: the "lscb:saved" event below carries it); submitting never warns.
document.querySelectorAll('form[data-warn-unsaved]').forEach((form) => {
  let kept = formState(form);
  let submitted = false;
  form.addEventListener('submit', () => { submitted = true; });
  form.addEventListener('lscb:saved', (event) => { kept = event.detail.state; });
  window.addEventListener('beforeunload', (event) => {
    if (!submitted && formState(form) !== kept) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
});

// ---- [data-autosave-url]: keep a form as a draft while the person types ----------------
// <form data-autosave-url="/tasks/<id>/draft"> posts its fields (with its csrf_token) a moment
// after the last change; the endpoint answers {"time": "14:05"}, shown in the form's
// [data-autosave-status] element. A successful save fires "lscb:saved" on the form with what
// was sent (so data-warn-unsaved stops warning); a submit cancels a pending save.
document.querySelectorAll('form[data-autosave-url]').forEach((form) => {
  const status = form.querySelector('[data-autosave-status]');
  const delay = Number(form.dataset.autosaveDelay || 1500);
  let timer = null;
  let sent = formState(form);

  const save = async () => {
    timer = null;
    const body = new FormData(form);
    const state = new URLSearchParams(body).toString();
    if (state === sent) {
      return;
    }
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: 'POST', body, credentials: 'same-origin', headers: { Accept: 'application/json' }
      });
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      const answer = await response.json();
      sent = state;
      if (status) {
        status.textContent = `Draft saved at ${answer.time}`;
      }
      form.dispatchEvent(new CustomEvent('lscb:saved', { detail: { state } }));
    } catch (err) {
      if (status) {
        status.textContent = 'Your draft could not be saved just now: use Save draft';
      }
    }
  };
  const later = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  form.addEventListener('submit', () => { window.clearTimeout(timer); });
});

// ---- Wide tables: make the scrolling wrapper keyboard-reachable only when it scrolls -----
document.querySelectorAll('.app-table-wrapper').forEach((wrapper) => {
  if (wrapper.scrollWidth > wrapper.clientWidth) {
    wrapper.setAttribute('tabindex', '0');
    wrapper.setAttribute('role', 'region');
    if (!wrapper.hasAttribute('aria-label') && !wrapper.hasAttribute('aria-labelledby')) {
      const caption = wrapper.querySelector('caption');
      wrapper.setAttribute('aria-label', caption ? caption.textContent.trim() : 'Table (scrolls sideways)');
    }
  }
});
// On a phone a table scrolls inside itself (app.scss): keyboard-reachable when it does.
document.querySelectorAll('.govuk-table').forEach((table) => {
  if (table.scrollWidth > table.clientWidth) {
    table.setAttribute('tabindex', '0');
  }
});

// ---- Notification bell: refresh the unread count -----------------------------------------
// <a class="app-bell" data-count-url="/notifications/count" data-poll-seconds="60">...
//   <span class="app-bell__count" data-bell-count>3</span></a>; the endpoint answers
// {"unread": n}. Polling stops while the tab is hidden and after repeated failures.
const bell = document.querySelector('.app-bell[data-count-url]');
if (bell) {
  const countEl = bell.querySelector('[data-bell-count]');
  const label = bell.querySelector('[data-bell-label]');
  const seconds = Math.max(15, Number(bell.dataset.pollSeconds || 60));
  let failures = 0;

  const render = (n) => {
    if (countEl) {
      countEl.textContent = n > 99 ? '99+' : String(n);
      countEl.classList.toggle('app-bell__count--zero', n === 0);
    }
    if (label) {
      label.textContent = n === 1 ? '1 unread notification' : `${n} unread notifications`;
    }
  };

  const poll = async () => {
    if (document.hidden || failures >= 5) {
      return;
    }
    try {
      const response = await fetch(bell.dataset.countUrl, {
        credentials: 'same-origin',
        headers: { Accept: 'application/json' }
      });
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      const body = await response.json();
      const n = Number(body.unread);
      if (Number.isFinite(n) && n >= 0) {
        render(n);
      }
      failures = 0;
    } catch (err) {
      failures += 1;
    }
  };
  window.setInterval(poll, seconds * 1000);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) {
      poll();
    }
  });
}

// Page scripts can read <script type="application/json" id="..."> blocks through this.
window.lscb = Object.assign(window.lscb || {}, { readJSONBlock });
