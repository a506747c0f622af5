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

// ---- [data-warn-unsaved]: forms warn before the user navigates away with changes --------
document.querySelectorAll('form[data-warn-unsaved]').forEach((form) => {
  let changed = false;
  form.addEventListener('input', () => { changed = true; });
  form.addEventListener('change', () => { changed = true; });
  form.addEventListener('submit', () => { changed = false; });
  window.addEventListener('beforeunload', (event) => {
    if (changed) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
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
