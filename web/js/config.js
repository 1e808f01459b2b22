// The configuration panel: the module's files as safed has them
// (config-show), edited here; userconfig.xml checked the way a start on
// this node would check it (config-check); and the edited files deployed to
// every node (config-deploy, node "all"). safed checks them on every node
// before writing any: written everywhere or nowhere.
import * as api from './api.js';
import { el } from './dom.js';
import { nodeAnswers } from './model.js';

const USERCONFIG = 'conf/userconfig.xml';
// The check runs on every node (safed gives a node 30 s), then the write:
// the browser waits for safed's answer rather than guess what was written.
const DEPLOY_TIMEOUT_MS = 5 * 60 * 1000;

// ui: {panel, file, text, result, reload, check, deploy, deployResults};
// csrf() gives the token and module() the current module at each click.
export function setUpConfig(ui, { module, csrf }) {
  let loaded = {}; // name -> text, as config-show gave it
  let edits = {}; // name -> text as edited here, for files shown since the load
  let current = ''; // the file in the textarea
  let loads = 0; // an older load's answer is dropped

  // The textarea's text belongs to the file it shows: kept when another is
  // chosen, and read again before a deploy (a script may set .value without
  // an input event).
  function keepEdit() {
    if (current) edits[current] = ui.text.value;
  }

  // A textarea turns CR LF into LF: a file shown is not an edit for that.
  function isModified(name) {
    return name in edits && edits[name] !== (loaded[name] ?? '').replace(/\r\n?/g, '\n');
  }

  function changedFiles() {
    keepEdit();
    return Object.fromEntries(Object.keys(loaded).filter(isModified).map((n) => [n, edits[n]]));
  }

  // "(modified)" after each edited file in the chooser.
  function markModified() {
    for (const option of ui.file.options) {
      const modified = isModified(option.value);
      const label = modified ? `${option.value} (modified)` : option.value;
      if (option.textContent !== label) option.textContent = label;
      option.dataset.modified = String(modified);
    }
  }

  function showFile() {
    keepEdit();
    current = ui.file.value;
    ui.text.value = edits[current] ?? loaded[current] ?? '';
    // Only userconfig.xml has a check; the scripts are deployed as written.
    ui.check.disabled = current !== USERCONFIG;
    markModified();
  }

  async function load() {
    const seq = ++loads;
    ui.result.textContent = '';
    delete ui.result.dataset.valid;
    try {
      const { args } = await api.postCommand('config-show', module(), {}, csrf());
      if (seq !== loads) return;
      loaded = args.files || {};
      edits = {};
      current = ''; // the textarea's text is the old load's: not an edit
      const names = Object.keys(loaded).sort((a, b) => (a === USERCONFIG ? -1 : b === USERCONFIG ? 1 : a.localeCompare(b)));
      ui.file.replaceChildren(...names.map((n) => new Option(n, n)));
      ui.file.value = names.includes(USERCONFIG) ? USERCONFIG : names[0] || '';
      showFile();
    } catch (err) {
      if (seq !== loads) return;
      ui.result.textContent = `cannot read the configuration: ${err.message}`;
      ui.result.dataset.valid = 'false';
    }
  }

  // Reloading throws the edits away: ask first when there are some.
  function reload() {
    if (Object.keys(changedFiles()).length && !window.confirm('Reload the files as safed has them? Your edits are lost.')) return;
    load();
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

  // outcome: 'deployed', 'refused', 'failed', 'unchanged', or null while
  // the deploy runs. lines: [{node, ok, text}] (node and ok may be absent).
  function showDeploy(outcome, lines) {
    ui.deployResults.replaceChildren(...lines.map(({ node, ok, text }) =>
      el('li', { dataset: node === undefined ? {} : { node, ok: String(ok) } }, text)));
    if (outcome) ui.deployResults.dataset.outcome = outcome;
    else delete ui.deployResults.dataset.outcome;
    ui.deployResults.hidden = lines.length === 0;
  }

  // What one node's config-check said, when the deploy was refused.
  function checkLine(a) {
    if (a.ok && a.args.valid !== false) return { node: a.node, ok: true, text: `${a.node}: valid` };
    const errors = Array.isArray(a.args.errors) && a.args.errors.length ? a.args.errors : [a.text || 'refused'];
    return { node: a.node, ok: false, text: `${a.node}: refused — ${errors.join('\n')}` };
  }

  async function deploy() {
    const files = changedFiles();
    const names = Object.keys(files);
    if (!names.length) {
      showDeploy('unchanged', [{ text: 'nothing changed: every file is as it was loaded; nothing was sent' }]);
      return;
    }
    const mod = module();
    if (!window.confirm(`Deploy ${names.join(', ')} of ${mod} to every node? Every node checks it first: ` +
      'nothing is written unless all accept it. It takes effect when the module restarts.')) return;
    // config-check (run first on every node with the same args) reads
    // args.userconfig; config-deploy writes it as conf/userconfig.xml.
    const args = { files };
    if (USERCONFIG in files) args.userconfig = files[USERCONFIG];
    ui.deploy.disabled = true;
    showDeploy(null, [{ text: `checking ${names.join(', ')} on every node, then writing it…` }]);
    try {
      const { args: out } = await api.postCommand('config-deploy', mod, args, csrf(), DEPLOY_TIMEOUT_MS, api.ALL_NODES);
      const lines = nodeAnswers(out).map((a) => ({ node: a.node, ok: a.ok, text: `${a.node}: ${a.text || 'written'}` }));
      showDeploy(null, lines);
      // The outcome only once the files are read again: whoever waits for it
      // (a browser test) then edits what is on disk now, not the old text.
      await load();
      showDeploy('deployed', lines);
    } catch (err) {
      const answers = nodeAnswers(err.args);
      if (err.status === 409) {
        showDeploy('refused', [...answers.map(checkLine), { text: 'nothing was written on any node' }]);
      } else if (answers.length) {
        // Every node passed the check, some could not write: the nodes now
        // differ. What this node has is shown again.
        const done = answers.filter((a) => a.ok).map((a) => a.node);
        showDeploy('failed', [
          ...answers.map((a) => ({ node: a.node, ok: a.ok, text: `${a.node}: ${a.ok ? '' : 'failed — '}${a.text}` })),
          { text: done.length ? `written on ${done.join(', ')} only: the nodes now differ` : 'written on no node' },
        ]);
        if (done.length) load();
      } else {
        showDeploy('failed', [{ text: `the deploy failed: ${err.message}` }]);
      }
    } finally {
      ui.deploy.disabled = false;
    }
  }

  ui.file.addEventListener('change', showFile);
  ui.text.addEventListener('input', () => {
    keepEdit();
    markModified();
  });
  ui.reload.addEventListener('click', reload);
  ui.check.addEventListener('click', check);
  ui.deploy.addEventListener('click', deploy);
  return { load };
}
