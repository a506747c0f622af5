// Read-only BPMN diagram with run-time state (web/static/dist/viewer.js + viewer.css).
//
// Page contract:
//   <div id="diagram" data-xml-url="..." data-state-url="..."
//        data-drill-url-template="/definitions/{processId}/view"></div>
//   data-state-url is optional; its JSON:
//   {"completed": [ids], "active": [ids], "waiting": [ids], "error": [ids], "cancelled": [ids],
//    "counts": {id: n}, "durations": {id: "3d 4h"}}
//   or, comparing versions: {"added": [ids], "removed": [ids], "changed": [ids]}
//   Call activities with a literal calledElement become links to the template with
//   {processId} replaced (URL-encoded).

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import '../css/diagram-markers.css';

import { getJSON, getXML } from './lib/http.js';
import { statusLine } from './lib/status.js';

export const STATES = ['completed', 'active', 'waiting', 'error', 'cancelled', 'added', 'removed', 'changed'];

const container = document.getElementById('diagram');

if (container) {
  start(container).catch((err) => console.error(err)); // eslint-disable-line no-console
}

async function start(container) {
  const status = statusLine(container, 'diagram-status');
  const viewer = new NavigatedViewer({ container });
  window.lscbViewer = viewer;

  const canvas = viewer.get('canvas');
  const overlays = viewer.get('overlays');
  const elementRegistry = viewer.get('elementRegistry');
  const eventBus = viewer.get('eventBus');

  const svg = container.querySelector('svg');
  if (svg) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', container.dataset.label || 'Process diagram');
  }

  if (!container.dataset.xmlUrl) {
    status.error('No diagram address (data-xml-url) on this page.');
    return;
  }

  try {
    status.info('Loading diagram…');
    const xml = await getXML(container.dataset.xmlUrl);
    await viewer.importXML(xml);
    canvas.zoom('fit-viewport', 'auto');
    status.clear();
  } catch (err) {
    status.error(`Could not show the diagram: ${err.message}`);
    return;
  }

  const template = container.dataset.drillUrlTemplate;
  if (template) {
    addDrillDown(template);
  }

  if (container.dataset.stateUrl) {
    try {
      const state = await getJSON(container.dataset.stateUrl);
      applyState(state);
    } catch (err) {
      status.error(`Could not load the progress of this case: ${err.message}`);
    }
  }

  addNavigation();
  container.classList.add('is-ready');
  container.dispatchEvent(new CustomEvent('lscb:viewer-ready', { bubbles: true, detail: { viewer } }));

  function applyState(state) {
    const summary = [];
    STATES.forEach((name) => {
      const ids = Array.isArray(state[name]) ? state[name] : [];
      let shown = 0;
      ids.forEach((id) => {
        if (elementRegistry.get(id)) {
          canvas.addMarker(id, `state-${name}`);
          shown += 1;
        }
      });
      if (shown) {
        summary.push(`${shown} ${name}`);
      }
    });

    const errors = new Set(Array.isArray(state.error) ? state.error : []);
    const counts = state.counts && typeof state.counts === 'object' ? state.counts : {};
    Object.keys(counts).forEach((id) => {
      const n = Number(counts[id]);
      if (!elementRegistry.get(id) || !Number.isFinite(n) || n <= 0) {
        return;
      }
      const badge = document.createElement('span');
      badge.className = errors.has(id) ? 'state-count state-count--error' : 'state-count';
      badge.textContent = String(n);
      badge.title = `${n} time(s)`;
      overlays.add(id, 'lscb-state', { position: { top: -11, right: 11 }, html: badge });
    });

    // A heat scale (heatmaps): level 1..5 per step, drawn as a fill the page's legend explains.
    const heat = state.heat && typeof state.heat === 'object' ? state.heat : {};
    Object.keys(heat).forEach((id) => {
      const level = Number(heat[id]);
      if (elementRegistry.get(id) && Number.isInteger(level) && level >= 1 && level <= 5) {
        canvas.addMarker(id, `heat-${level}`);
      }
    });

    const durations = state.durations && typeof state.durations === 'object' ? state.durations : {};
    Object.keys(durations).forEach((id) => {
      if (!elementRegistry.get(id) || !durations[id]) {
        return;
      }
      const label = document.createElement('span');
      label.className = 'state-duration';
      label.textContent = String(durations[id]);
      label.title = `Time spent: ${durations[id]}`;
      overlays.add(id, 'lscb-state', { position: { bottom: -4, left: 0 }, html: label });
    });

    // The diagram is a picture for screen readers; say what it shows.
    if (svg && summary.length) {
      svg.setAttribute('aria-label', `${container.dataset.label || 'Process diagram'}: ${summary.join(', ')} step(s).`);
    }
  }

  // Zoom and fit buttons, and the keyboard: arrows pan, + and - zoom, 0 fits the diagram.
  function addNavigation() {
    const bar = document.createElement('div');
    bar.className = 'app-diagram__controls';
    const actions = [
      ['Zoom in', 'diagram-zoom-in', () => canvas.zoom(canvas.zoom() * 1.25)],
      ['Zoom out', 'diagram-zoom-out', () => canvas.zoom(canvas.zoom() / 1.25)],
      ['Fit to the space', 'diagram-fit', () => canvas.zoom('fit-viewport', 'auto')]
    ];
    actions.forEach(([text, id, act]) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.id = id;
      button.className = 'govuk-button govuk-button--secondary app-diagram__control';
      button.textContent = text;
      button.addEventListener('click', act);
      bar.appendChild(button);
    });
    container.parentNode.insertBefore(bar, container);
    container.tabIndex = 0;
    container.setAttribute('aria-describedby', 'diagram-keys');
    const keys = document.createElement('p');
    keys.id = 'diagram-keys';
    keys.className = 'govuk-hint';
    keys.textContent = 'On the diagram: arrow keys move it, + and - zoom, 0 fits it to the space.';
    container.parentNode.insertBefore(keys, container);
    const step = 60;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    container.addEventListener('keydown', (event) => {
      if (moves[event.key]) {
        const [dx, dy] = moves[event.key];
        canvas.scroll({ dx, dy });
      } else if (event.key === '+' || event.key === '=') {
        canvas.zoom(canvas.zoom() * 1.25);
      } else if (event.key === '-') {
        canvas.zoom(canvas.zoom() / 1.25);
      } else if (event.key === '0') {
        canvas.zoom('fit-viewport', 'auto');
      } else {
        return;
      }
      event.preventDefault();
    });
  }

  function drillUrl(element) {
    const bo = element.businessObject;
    const called = bo && bo.calledElement;
    if (!called || /[$#]\{/.test(called)) {
      return null; // expressions are resolved at run time; nothing to link to
    }
    return template.split('{processId}').join(encodeURIComponent(called));
  }

  function addDrillDown() {
    elementRegistry.filter((el) => el.type === 'bpmn:CallActivity').forEach((element) => {
      const url = drillUrl(element);
      if (!url) {
        return;
      }
      canvas.addMarker(element.id, 'drillable');
      // A real, keyboard-focusable link as an overlay (the SVG shape itself is not focusable).
      const link = document.createElement('a');
      link.className = 'drill-link';
      link.href = url;
      link.textContent = 'Open';
      const name = element.businessObject.name || element.businessObject.calledElement;
      link.setAttribute('aria-label', `Open the called process: ${name}`);
      overlays.add(element.id, 'lscb-drill', { position: { top: -12, left: 4 }, html: link });
    });

    eventBus.on('element.click', (event) => {
      const element = event.element;
      if (element && element.type === 'bpmn:CallActivity') {
        const url = drillUrl(element);
        if (url) {
          window.location.assign(url);
        }
      }
    });
  }
}
