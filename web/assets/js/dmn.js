// DMN editor page bundle (web/static/dist/dmn.js + dmn.css).
//
// Page contract:
//   <div id="dmn-editor" data-xml-url="..." data-save-url="..." data-csrf="..."></div>
//   optional: <button id="save-draft">, <textarea|input id="change-note">, <ul id="problems">,
//             <input type="file" id="upload">, <button id="download">, <nav id="dmn-views">
//             (filled with one button per decision/DRD view), <p id="dmn-status">.
// Saving POSTs JSON {"xml": "...", "note": "..."} with X-CSRFToken, like the BPMN modeller;
// the answer is {"ok": bool, "message"?: str, "problems"?: [...], "redirect"?: url}.

import DmnModeler from 'dmn-js/lib/Modeler';

import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn.css';
import '../css/dmn.css';

import { csrfToken, getXML, postJSON } from './lib/http.js';
import { statusLine, download } from './lib/status.js';

const EMPTY_DMN = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_1" name="Decisions" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="Decision_1" name="Decision 1">
    <decisionTable id="DecisionTable_1">
      <input id="Input_1" label="Input">
        <inputExpression id="InputExpression_1" typeRef="string"><text></text></inputExpression>
      </input>
      <output id="Output_1" label="Output" name="result" typeRef="string" />
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_1">
      <dmndi:DMNShape id="DMNShape_1" dmnElementRef="Decision_1">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>`;

const root = document.getElementById('dmn-editor');

if (root) {
  start(root).catch((err) => console.error(err)); // eslint-disable-line no-console
}

async function start(root) {
  const status = statusLine(root, 'dmn-status');
  const csrf = csrfToken(root);
  const problemsEl = document.getElementById('problems');
  const viewsEl = document.getElementById('dmn-views');

  const modeler = new DmnModeler({
    container: root,
    common: { keyboard: { bind: true } }
  });
  window.lscbDmnModeler = modeler;

  let dirty = false;
  const watched = new WeakSet();

  function watchActiveViewer() {
    const viewer = modeler.getActiveViewer();
    if (viewer && !watched.has(viewer)) {
      watched.add(viewer);
      viewer.get('eventBus').on('commandStack.changed', () => {
        dirty = true;
      });
    }
  }

  function renderViews() {
    if (!viewsEl) {
      return;
    }
    const active = modeler.getActiveView();
    viewsEl.replaceChildren();
    modeler.getViews().forEach((view) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'govuk-button govuk-button--secondary app-dmn-view';
      const kind = { drd: 'Decision requirements', decisionTable: 'Decision table', literalExpression: 'Literal expression' }[view.type] || view.type;
      button.textContent = view.type === 'drd' ? kind : `${view.element.name || view.element.id} (${kind})`;
      if (active && view.element === active.element) {
        button.setAttribute('aria-current', 'true');
      }
      button.addEventListener('click', () => modeler.open(view));
      viewsEl.appendChild(button);
    });
  }

  modeler.on('views.changed', () => {
    renderViews();
    watchActiveViewer();
  });

  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  async function importXML(xml, what) {
    try {
      const { warnings } = await modeler.importXML(xml);
      watchActiveViewer();
      dirty = false;
      status.info(warnings && warnings.length ? `${what}, with ${warnings.length} import warning(s).` : what);
      return true;
    } catch (err) {
      status.error(`Could not open the decision: ${err.message}`);
      return false;
    }
  }

  if (root.dataset.xmlUrl) {
    status.info('Loading…');
    try {
      await importXML(await getXML(root.dataset.xmlUrl), 'Decision loaded.');
    } catch (err) {
      status.error(err.message);
    }
  } else {
    await importXML(EMPTY_DMN, 'New decision.');
  }

  const upload = document.getElementById('upload');
  if (upload) {
    upload.addEventListener('change', async () => {
      const file = upload.files && upload.files[0];
      if (!file) {
        return;
      }
      if (await importXML(await file.text(), `Opened ${file.name}. It is not saved until you save a draft.`)) {
        dirty = true;
      }
      upload.value = '';
    });
  }

  function renderProblems(problems) {
    if (!problemsEl) {
      return;
    }
    problemsEl.replaceChildren();
    (problems || []).forEach((p) => {
      const li = document.createElement('li');
      li.className = 'app-problems__item';
      const button = document.createElement('button');
      button.type = 'button';
      const severity = ['error', 'warning', 'info'].includes(p.severity) ? p.severity : 'error';
      button.className = `app-problems__button app-problems__button--${severity}`;
      button.textContent = `${severity}: ${p.message || 'Problem'}${p.element_id ? ` (${p.element_id})` : ''}`;
      button.addEventListener('click', () => {
        const view = modeler.getViews().find((v) => v.element && v.element.id === p.element_id);
        if (view) {
          modeler.open(view);
        }
      });
      li.appendChild(button);
      problemsEl.appendChild(li);
    });
  }

  const saveBtn = document.getElementById('save-draft');
  if (saveBtn) {
    saveBtn.addEventListener('click', async (event) => {
      event.preventDefault();
      if (!root.dataset.saveUrl) {
        status.error('This page has no save address (data-save-url).');
        return;
      }
      saveBtn.disabled = true;
      status.info('Saving…');
      try {
        const { xml } = await modeler.saveXML({ format: true });
        const noteEl = document.getElementById('change-note');
        const result = await postJSON(root.dataset.saveUrl, { xml, note: noteEl ? noteEl.value : '' }, csrf);
        renderProblems(result.problems);
        if (result.ok) {
          dirty = false;
          status.success(result.message || 'Saved.');
          if (result.redirect) {
            window.location.assign(result.redirect);
          }
        } else {
          status.error(result.message || 'Not saved.');
        }
      } catch (err) {
        status.error(`Not saved. ${err.message}`);
      } finally {
        saveBtn.disabled = false;
      }
    });
  }

  const dl = document.getElementById('download');
  if (dl) {
    dl.addEventListener('click', async () => {
      const { xml } = await modeler.saveXML({ format: true });
      download('decision.dmn', xml, 'application/xml');
    });
  }

  root.classList.add('is-ready');
  root.dispatchEvent(new CustomEvent('lscb:dmn-ready', { bubbles: true, detail: { modeler } }));
}
