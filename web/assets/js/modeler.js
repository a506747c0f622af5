// BPMN modeller page bundle (web/static/dist/modeler.js + modeler.css).
//
// Page contract:
//   <div id="modeler" data-xml-url="..." data-save-url="..." data-validate-url="..."
//        data-deploy-url="..." data-csrf="...">
//     <div id="canvas"></div>
//     <div id="properties"></div>
//   </div>
//   optional: <button id="save-draft">, <button id="validate">, <button id="deploy">,
//             <textarea|input id="change-note">, <ul id="problems">, <input type="file" id="upload">,
//             <button id="download">, <button id="download-svg">, <button id="undo">, <button id="redo">,
//             <p id="modeler-status"> (created when absent).
//
// GET data-xml-url -> the BPMN XML (or JSON {"xml": "..."}); without it a blank diagram starts.
// POST save/validate/deploy: JSON {"xml": "...", "note": "..."} with header X-CSRFToken;
// answer JSON {"ok": bool, "message"?: str, "problems"?: [...], "redirect"?: url}.

import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdleDescriptor from 'camunda-bpmn-moddle/resources/camunda.json';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import '../css/diagram-markers.css';
import '../css/modeler.css';

import { csrfToken, getXML, postJSON } from './lib/http.js';
import { statusLine, download } from './lib/status.js';
import { createProblemsView } from './lib/problems.js';
import FormFieldTypesModule from './lib/form-field-types.js';
import EngineHintsModule from './lib/engine-hints.js';

const root = document.getElementById('modeler');

if (root) {
  start(root).catch((err) => {
    // start() reports its own errors; this is only a last resort.
    console.error(err); // eslint-disable-line no-console
  });
}

async function start(root) {
  const canvasEl = root.querySelector('#canvas') || root;
  const propertiesEl = root.querySelector('#properties');
  const status = statusLine(root, 'modeler-status');
  const problemsEl = document.getElementById('problems');
  const csrf = csrfToken(root);

  const modeler = new BpmnModeler({
    container: canvasEl,
    propertiesPanel: propertiesEl ? { parent: propertiesEl } : undefined,
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      FormFieldTypesModule,
      EngineHintsModule,
      CamundaBehaviorsModule
    ],
    moddleExtensions: {
      camunda: camundaModdleDescriptor
    }
  });

  // Exposed for debugging and for browser tests (read-only use, please).
  window.lscbModeler = modeler;

  const canvas = modeler.get('canvas');
  const commandStack = modeler.get('commandStack');
  const eventBus = modeler.get('eventBus');
  const problems = createProblemsView(modeler, problemsEl);

  const svg = canvasEl.querySelector('svg');
  if (svg) {
    svg.setAttribute('role', 'application');
    svg.setAttribute('aria-label',
      'BPMN diagram editor. Use the palette and context pad with a mouse; with the diagram '
      + 'focused: Ctrl+Z undo, Ctrl+Y redo, Ctrl+A select all, Delete remove, arrow keys move the view.');
  }

  // ---- dirty tracking / unsaved-changes warning ----------------------------------------
  let dirty = false;
  eventBus.on('commandStack.changed', () => {
    dirty = true;
    updateUndoRedo();
  });
  window.addEventListener('beforeunload', (event) => {
    if (dirty) {
      event.preventDefault();
      event.returnValue = '';
    }
  });

  // ---- undo / redo buttons and a page-level fallback for the shortcuts -------------------
  // diagram-js >= 15 binds its keyboard to the focused canvas (keyboard.bindTo is gone); the
  // fallback below makes Ctrl/Cmd+Z and Ctrl/Cmd+Y (Shift+Z) work when nothing is focused.
  const undoBtn = document.getElementById('undo');
  const redoBtn = document.getElementById('redo');
  function updateUndoRedo() {
    if (undoBtn) undoBtn.disabled = !commandStack.canUndo();
    if (redoBtn) redoBtn.disabled = !commandStack.canRedo();
  }
  if (undoBtn) undoBtn.addEventListener('click', () => commandStack.undo());
  if (redoBtn) redoBtn.addEventListener('click', () => commandStack.redo());
  document.addEventListener('keydown', (event) => {
    const target = event.target;
    if (target !== document.body && target !== document.documentElement) {
      return; // the canvas, inputs and the properties panel handle their own keys
    }
    if (!(event.ctrlKey || event.metaKey) || event.altKey) {
      return;
    }
    const key = event.key.toLowerCase();
    if (key === 'z' && !event.shiftKey) {
      commandStack.undo();
      event.preventDefault();
    } else if (key === 'y' || (key === 'z' && event.shiftKey)) {
      commandStack.redo();
      event.preventDefault();
    }
  });

  // ---- import ---------------------------------------------------------------------------
  async function importXML(xml, what) {
    problems.clear();
    try {
      const { warnings } = await modeler.importXML(xml);
      canvas.zoom('fit-viewport', 'auto');
      dirty = false;
      updateUndoRedo();
      if (warnings && warnings.length) {
        status.info(`${what}, with ${warnings.length} import warning(s): ${warnings.map((w) => w.message).slice(0, 3).join('; ')}`);
      } else {
        status.info(what);
      }
      return true;
    } catch (err) {
      status.error(`Could not open the diagram: ${err.message}`);
      return false;
    }
  }

  if (root.dataset.xmlUrl) {
    status.info('Loading diagram…');
    try {
      const xml = await getXML(root.dataset.xmlUrl);
      await importXML(xml, 'Diagram loaded.');
    } catch (err) {
      status.error(err.message);
      await modeler.createDiagram();
    }
  } else {
    await modeler.createDiagram();
    dirty = false;
    status.info('New diagram.');
  }
  updateUndoRedo();

  // ---- upload a local .bpmn -------------------------------------------------------------
  const upload = document.getElementById('upload');
  if (upload) {
    upload.addEventListener('change', async () => {
      const file = upload.files && upload.files[0];
      if (!file) {
        return;
      }
      const text = await file.text();
      const ok = await importXML(text, `Opened ${file.name}. It is not saved until you save a draft.`);
      if (ok) {
        dirty = true;
      }
      upload.value = '';
    });
  }

  // ---- save / validate / deploy ---------------------------------------------------------
  async function currentPayload() {
    const { xml } = await modeler.saveXML({ format: true });
    const noteEl = document.getElementById('change-note');
    return { xml, note: noteEl ? noteEl.value : '' };
  }

  function setBusy(busy) {
    ['save-draft', 'validate', 'deploy'].forEach((id) => {
      const b = document.getElementById(id);
      if (b) {
        b.disabled = busy;
        b.setAttribute('aria-disabled', busy ? 'true' : 'false');
      }
    });
    root.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  async function send(kind, url, verbs) {
    if (!url) {
      status.error(`This page has no ${kind} address (data-${kind}-url).`);
      return null;
    }
    setBusy(true);
    status.info(verbs.doing);
    try {
      const payload = await currentPayload();
      const result = await postJSON(url, payload, csrf);
      const count = problems.show(result.problems || []);
      if (result.ok) {
        if (kind !== 'validate') {
          dirty = false;
        }
        const extra = count ? ` ${count} warning(s) listed below.` : '';
        status.success((result.message || verbs.done) + extra);
        if (result.redirect) {
          dirty = false;
          window.location.assign(result.redirect);
        }
      } else {
        const extra = count ? ` ${count} problem(s) listed below.` : '';
        status.error((result.message || verbs.failed) + extra);
        if (count && problemsEl) {
          const first = problemsEl.querySelector('button');
          if (first) first.focus();
        }
      }
      return result;
    } catch (err) {
      status.error(`${verbs.failed} ${err.message}`);
      return null;
    } finally {
      setBusy(false);
    }
  }

  const actions = {
    'save-draft': () => send('save', root.dataset.saveUrl, {
      doing: 'Saving draft…', done: 'Draft saved.', failed: 'The draft was not saved.'
    }),
    validate: () => send('validate', root.dataset.validateUrl, {
      doing: 'Validating…', done: 'No problems found.', failed: 'The diagram has problems.'
    }),
    deploy: () => send('deploy', root.dataset.deployUrl, {
      doing: 'Deploying…', done: 'Deployed.', failed: 'Not deployed.'
    })
  };
  Object.keys(actions).forEach((id) => {
    const button = document.getElementById(id);
    if (button) {
      button.addEventListener('click', (event) => {
        event.preventDefault();
        actions[id]();
      });
    }
  });

  // ---- download -------------------------------------------------------------------------
  function baseName() {
    const rootEl = canvas.getRootElement();
    const bo = rootEl && rootEl.businessObject;
    const id = (bo && (bo.processRef ? bo.processRef.id : bo.id)) || 'diagram';
    return id.replace(/[^A-Za-z0-9_.-]+/g, '_');
  }
  const dl = document.getElementById('download');
  if (dl) {
    dl.addEventListener('click', async () => {
      const { xml } = await modeler.saveXML({ format: true });
      download(`${baseName()}.bpmn`, xml, 'application/xml');
    });
  }
  const dlSvg = document.getElementById('download-svg');
  if (dlSvg) {
    dlSvg.addEventListener('click', async () => {
      const { svg: image } = await modeler.saveSVG();
      download(`${baseName()}.svg`, image, 'image/svg+xml');
    });
  }

  root.classList.add('is-ready');
  root.dispatchEvent(new CustomEvent('lscb:modeler-ready', { bubbles: true, detail: { modeler } }));
}
