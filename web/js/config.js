// The configuration panel: the module's files as safed has them
// (config-show), and userconfig.xml as edited here checked the way a start
// on this node would check it (config-check). Deploying to every node is
// not there yet: it needs one node to act on the others.
import * as api from './api.js';

const USERCONFIG = 'conf/userconfig.xml';

// ui: {panel, file, text, result, reload, check}; session() gives the csrf
// token and module() the current module at the time of each click.
export function setUpConfig(ui, { module, csrf }) {
  let files = {};

  function showFile() {
    const name = ui.file.value;
    ui.text.value = files[name] ?? '';
    // Only userconfig.xml is checked; the scripts are shown as they are.
    ui.text.readOnly = name !== USERCONFIG;
    ui.check.disabled = name !== USERCONFIG;
  }

  async function load() {
    ui.result.textContent = '';
    try {
      const { args } = await api.postCommand('config-show', module(), {}, csrf());
      files = args.files || {};
      const names = Object.keys(files).sort((a, b) => (a === USERCONFIG ? -1 : b === USERCONFIG ? 1 : a.localeCompare(b)));
      ui.file.replaceChildren(...names.map((n) => new Option(n, n)));
      ui.file.value = names.includes(USERCONFIG) ? USERCONFIG : names[0] || '';
      showFile();
    } catch (err) {
      ui.result.textContent = `cannot read the configuration: ${err.message}`;
      ui.result.dataset.valid = 'false';
    }
  }

  async function check() {
    ui.result.textContent = 'checking…';
    delete ui.result.dataset.valid;
    try {
      const { args } = await api.postCommand('config-check', module(), { userconfig: ui.text.value }, csrf());
      ui.result.dataset.valid = String(Boolean(args.valid));
      ui.result.textContent = args.valid ? 'valid' : (args.errors || []).join('\n');
    } catch (err) {
      ui.result.dataset.valid = 'false';
      ui.result.textContent = `the check failed: ${err.message}`;
    }
  }

  ui.file.addEventListener('change', showFile);
  ui.reload.addEventListener('click', load);
  ui.check.addEventListener('click', check);
  return { load };
}
