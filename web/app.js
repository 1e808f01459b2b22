// The safefarm console: login, then the live cluster view of one module.
// This file holds the page's only mutable state and the refresh loops;
// drawing lives in js/.

import * as api from './js/api.js';
import { byId, el } from './js/dom.js';
import { renderBucketMap } from './js/bucketmap.js';
import { drawTraffic } from './js/traffic.js';
import { newTrafficHistory, recordTraffic, nodeAnswers } from './js/model.js';
import { renderNodes, renderDetails, selfNode, stateBadge, otherNodeNames, renderNodeChoice } from './js/nodes.js';
import { renderLogs } from './js/logs.js';
import { ACTIONS, nodeLabel, progressText, renderActionResults, setActionStatus } from './js/actions.js';
import { setUpConfig } from './js/config.js';

const POLL_MS = 1000; // status + bucket map
const LOGS_MS = 2000;
const LOG_LINES = 200;
const SETUP_RETRY_MS = 3000; // when the command list or module list could not be read
// A stop waits for connections to drain; on another node safed waits up to
// 15 min for it: the browser waits longer, so the answer is safed's.
const ACTION_TIMEOUT_MS = 16 * 60 * 1000;
const FILTER_DEBOUNCE_MS = 300;
// "This browser logged in and did not log out": only then is the session
// asked for on load. Asking without one costs a 401 that browsers log as an
// error in the console. It holds no secret (the cookie is HttpOnly).
const SESSION_HINT = 'safefarm.console.session';

// Every mutable thing the page keeps.
const state = {
  gen: 0, // bumped on login, logout and module change: late answers from before are dropped
  session: null, // {user, role, csrf}
  allowed: new Set(), // commands this user may run
  modules: [],
  module: null,
  self: null, // {id, name} of this node, kept: a stopped module reports no nodes
  others: [], // the other nodes' names, as last listed by status (kept when it lists none)
  status: null,
  buckets: null,
  traffic: newTrafficHistory(),
  actionNode: '', // where start/stop/restart act: '' this node, a node's name, or api.ALL_NODES
  action: null, // {name, node, started} while start/stop/restart is pending
  logs: { node: '', app: false, grep: '', seq: 0, timer: 0, debounce: 0, jump: true },
  pollTimer: 0,
  errors: new Map(), // banner: one line per failing source
};

// Elements, looked up once.
const ui = {};
let config; // the configuration panel (js/config.js), set up once ui is bound

function bindUi() {
  for (const [key, id] of Object.entries({
    boot: 'boot', banner: 'banner',
    login: 'login', loginForm: 'login-form', loginUser: 'login-user', loginPassword: 'login-password',
    loginSubmit: 'login-submit', loginError: 'login-error',
    cluster: 'cluster', moduleSelect: 'module-select', moduleChooser: 'module-chooser',
    hdrModule: 'hdr-module', hdrNode: 'hdr-node', hdrEpoch: 'hdr-epoch', hdrUser: 'hdr-user', logout: 'logout',
    snapshot: 'snapshot',
    noModule: 'no-module', moduleState: 'module-state',
    nodes: 'nodes', bucketMap: 'bucket-map', bucketLegend: 'bucket-legend', bucketMoving: 'bucket-moving',
    traffic: 'traffic', trafficLegend: 'traffic-legend', details: 'details',
    actionsPanel: 'actions', noActions: 'no-actions', actionStatus: 'action-status',
    actionTarget: 'action-target', actionNode: 'action-node', actionResults: 'action-results',
    force: 'action-force', forceOption: 'force-option',
    logsPanel: 'logs-panel', logs: 'logs', logsNode: 'logs-node', logsSource: 'logs-source', logsFilter: 'logs-filter',
  })) ui[key] = byId(id);
  ui.config = {
    panel: byId('config-panel'), file: byId('config-file'), text: byId('config-text'),
    result: byId('config-result'), reload: byId('config-reload'), check: byId('config-check'),
    deploy: byId('config-deploy'), deployResults: byId('config-deploy-results'),
  };
  ui.actions = Object.fromEntries(ACTIONS.map((name) => [name, byId(`action-${name}`)]));
}

// ---- banner ---------------------------------------------------------------

function setError(source, text) {
  state.errors.set(source, text);
  renderBanner();
}

function clearError(source) {
  if (state.errors.delete(source)) renderBanner();
}

function renderBanner() {
  const lines = [...state.errors].map(([source, text]) =>
    el('div', { class: 'banner-line' }, el('span', {}, text),
      el('button', { type: 'button', class: 'banner-close', 'aria-label': 'dismiss', dataset: { source } }, '×')));
  ui.banner.replaceChildren(...lines);
  ui.banner.hidden = lines.length === 0;
}

const SOURCE_LABELS = { poll: 'cluster status', logs: 'logs', setup: 'console setup', session: 'session', logout: 'log out' };

// A failed request: 401 means the session is gone, anything else is shown.
function failed(source, err) {
  if (err.status === 401) {
    toLogin(state.session ? 'Your session has ended: please log in again.' : '');
    return;
  }
  setError(source, `${SOURCE_LABELS[source] || source}: ${err.message}`);
}

// ---- screens --------------------------------------------------------------

function showScreen(name) {
  ui.boot.hidden = true;
  ui.login.hidden = name !== 'login';
  ui.cluster.hidden = name !== 'cluster';
}

function stopLoops() {
  clearTimeout(state.pollTimer);
  clearTimeout(state.logs.timer);
  clearTimeout(state.logs.debounce);
  state.logs.seq++; // a logs answer still in flight is dropped
}

// Reads the hint (no value) or sets it. localStorage can be refused
// (privacy settings): then the session is always asked for.
function sessionHint(value) {
  try {
    if (value === undefined) return localStorage.getItem(SESSION_HINT) === 'yes';
    localStorage.setItem(SESSION_HINT, value ? 'yes' : 'no');
  } catch {
    // nothing to remember with
  }
  return true;
}

function toLogin(message) {
  sessionHint(false);
  stopLoops();
  state.gen++;
  Object.assign(state, { session: null, allowed: new Set(), modules: [], module: null, status: null, buckets: null, action: null });
  state.errors.clear();
  renderBanner();
  setActionStatus(ui.actionStatus, '', 'idle');
  renderActionResults(ui.actionResults, []);
  ui.loginError.textContent = message || '';
  showScreen('login');
  document.title = 'safefarm console';
  ui.loginUser.focus();
}

async function onLoginSubmit(event) {
  event.preventDefault();
  ui.loginError.textContent = '';
  ui.loginSubmit.disabled = true;
  try {
    const { args } = await api.login(ui.loginUser.value.trim(), ui.loginPassword.value);
    ui.loginPassword.value = '';
    enterCluster({ user: args.user, role: args.role, csrf: args.csrf_token });
  } catch (err) {
    ui.loginError.textContent =
      err.status === 429 ? `too many attempts, retry in ${err.retryAfter ?? '?'} s` : err.message;
  } finally {
    ui.loginSubmit.disabled = false;
  }
}

async function onLogout() {
  const csrf = state.session && state.session.csrf;
  try {
    await api.logout(csrf);
  } catch {
    // Already expired or unreachable: the login form comes back either way.
  }
  toLogin('');
}

// ---- setup after login ------------------------------------------------------

function enterCluster(session) {
  sessionHint(true);
  stopLoops();
  state.session = session;
  state.errors.clear();
  renderBanner();
  showScreen('cluster');
  renderHeader();
  loadSetup(++state.gen);
}

// The list of allowed commands, or the role's own when it could not be read.
function allowedCommands(commands, role) {
  if (Array.isArray(commands)) return new Set(commands.filter((c) => c.allowed).map((c) => c.name));
  const reads = ['state', 'status', 'buckets', 'logs'];
  return new Set(role === 'monitor' ? reads : [...reads, ...ACTIONS]);
}

async function loadSetup(gen) {
  try {
    const [commands, modules] = await Promise.all([api.listCommands(), api.readCommand('state')]);
    if (gen !== state.gen) return;
    clearError('setup');
    state.allowed = allowedCommands(commands.args.commands, state.session.role);
    state.modules = (modules.args.modules || []).map((m) => m.module).filter(Boolean);
  } catch (err) {
    if (gen !== state.gen) return;
    failed('setup', err);
    if (gen === state.gen) state.pollTimer = setTimeout(() => loadSetup(gen), SETUP_RETRY_MS);
    return;
  }
  renderModuleChooser();
  renderActions();
  ui.logsPanel.hidden = !state.allowed.has('logs');
  ui.noModule.hidden = state.modules.length > 0;
  if (state.modules.length === 0) {
    // Nothing installed yet: look again later.
    state.pollTimer = setTimeout(() => loadSetup(gen), SETUP_RETRY_MS);
    return;
  }
  selectModule(state.modules.includes(state.module) ? state.module : state.modules[0]);
}

function renderModuleChooser() {
  ui.moduleChooser.hidden = state.modules.length < 2;
  ui.moduleSelect.replaceChildren(...state.modules.map((m) => el('option', { value: m }, m)));
}

// Shows one module from scratch: its history is not another module's.
function selectModule(name) {
  stopLoops();
  const gen = ++state.gen;
  Object.assign(state, {
    module: name, self: null, others: [], status: null, buckets: null, traffic: newTrafficHistory(), actionNode: '',
  });
  state.logs.node = '';
  ui.moduleSelect.value = name;
  // Another module starts on this node: a node chosen for the last one is
  // not carried over.
  ui.actionNode.value = '';
  ui.logsNode.value = '';
  renderHeader();
  renderNodeChoices();
  renderActions(); // enabled once there is a module to act on
  poll(gen);
  restartLogs();
  ui.config.panel.hidden = !state.allowed.has('config-show');
  ui.config.deploy.hidden = !state.allowed.has('config-deploy');
  if (!ui.config.panel.hidden) config.load();
}

// ---- the 1 s cluster refresh ----------------------------------------------

async function poll(gen) {
  const started = performance.now();
  try {
    const [status, buckets] = await Promise.all([
      api.readCommand('status', state.module),
      api.readCommand('buckets', state.module),
    ]);
    if (gen !== state.gen) return;
    state.status = status.args;
    state.buckets = buckets.args;
    recordTraffic(state.traffic, state.status.nodes, Date.now() / 1000);
    renderCluster();
    ui.cluster.classList.remove('stale');
    clearError('poll');
  } catch (err) {
    if (gen !== state.gen) return;
    ui.cluster.classList.add('stale'); // what is shown is no longer live
    failed('poll', err);
  }
  // Next poll a second after this one started, never two at once.
  if (gen === state.gen) state.pollTimer = setTimeout(() => poll(gen), Math.max(0, POLL_MS - (performance.now() - started)));
}

function renderHeader() {
  const self = state.status && selfNode(state.status);
  if (self) state.self = { id: self.id, name: self.name };
  const selfName = state.self && state.self.name;
  ui.hdrModule.textContent = state.module || '—';
  ui.hdrNode.textContent = selfName || '—';
  ui.hdrEpoch.textContent = state.status ? String(state.status.epoch ?? '—') : '—';
  ui.hdrUser.textContent = state.session ? `${state.session.user} (${state.session.role})` : '';
  // A plain link: the browser saves the .zip under safed's file name.
  ui.snapshot.hidden = !(state.allowed.has('snapshot') && state.module);
  if (state.module) ui.snapshot.href = api.snapshotUrl(state.module);
  else ui.snapshot.removeAttribute('href');
  document.title = state.module ? `${selfName || 'safefarm'} · ${state.module} — safefarm console` : 'safefarm console';
}

function renderModuleState() {
  const s = state.status;
  const extra = [s.activity, s.reason].filter(Boolean).join(' — ');
  ui.moduleState.replaceChildren('Module on this node: ', stateBadge(s.state), extra ? ` ${extra}` : '');
  // Peers with another cluster key or version (docs/design.md "Misconfigured peers").
  const refused = (s.refused_peers || []).filter((p) => p.current);
  if (s.blocked_by_misconfigured_peers || refused.length) {
    const warn = document.createElement('div');
    warn.className = 'refused-peers';
    warn.setAttribute('role', 'alert');
    const lines = refused.map((p) => `${p.name || 'node ' + p.id}${p.address ? ' (' + p.address + ')' : ''} refused: ${p.why} (${p.refused} datagrams)`);
    if (s.blocked_by_misconfigured_peers) lines.unshift('This node takes no bucket: it hears refused peers.');
    warn.textContent = lines.join(' · ');
    ui.moduleState.append(warn);
  }
}

function renderCluster() {
  const others = otherNodeNames(state.status);
  if (others) state.others = others;
  renderHeader();
  renderNodeChoices();
  renderModuleState();
  renderNodes(ui.nodes, state.status, state.self);
  renderBucketMap({ canvas: ui.bucketMap, legend: ui.bucketLegend, movingText: ui.bucketMoving }, state.buckets);
  drawTraffic(ui.traffic, ui.trafficLegend, state.traffic, Date.now() / 1000);
  renderDetails(ui.details, state.status);
  if (state.action) setActionStatus(ui.actionStatus, progressText(state.action, state.status, state.buckets, api.ALL_NODES), 'busy');
}

// The action and logs node choosers, from the last known list of nodes. A
// chosen node no longer listed falls back to this node.
function renderNodeChoices() {
  const selfName = state.self && state.self.name;
  state.actionNode = renderNodeChoice(ui.actionNode, selfName, state.others, { withAll: true, allValue: api.ALL_NODES });
  const logsNode = renderNodeChoice(ui.logsNode, selfName, state.others);
  if (logsNode !== state.logs.node) {
    state.logs.node = logsNode;
    restartLogs();
  }
}

// ---- actions ----------------------------------------------------------------

function renderActions() {
  const busy = Boolean(state.action);
  for (const name of ACTIONS) {
    const allowed = state.allowed.has(name);
    ui.actions[name].hidden = !allowed;
    ui.actions[name].disabled = !allowed || busy || !state.module;
  }
  ui.noActions.hidden = ACTIONS.some((name) => state.allowed.has(name));
  ui.actionTarget.hidden = !ui.noActions.hidden;
  ui.forceOption.hidden = !state.allowed.has('stop');
  ui.moduleSelect.disabled = busy; // the answer must land on the module it was for
  ui.actionNode.disabled = busy; // the progress line follows the node it was for
}

// "stop on n2", "stop on every node"; plain "stop" on this node.
function actionTitle(name, node) {
  return node ? `${name} on ${nodeLabel(node, state.self && state.self.name, api.ALL_NODES)}` : name;
}

async function runAction(name, args) {
  if (state.action || !state.module) return;
  const gen = state.gen;
  const node = state.actionNode;
  const all = node === api.ALL_NODES;
  state.action = { name, node, started: Date.now() };
  renderActions();
  renderActionResults(ui.actionResults, []);
  setActionStatus(ui.actionStatus, progressText(state.action, state.status, state.buckets, api.ALL_NODES), 'busy');
  try {
    const { text, args: out } = await api.postCommand(name, state.module, args, state.session.csrf, ACTION_TIMEOUT_MS, node);
    if (gen !== state.gen) return;
    if (all) {
      renderActionResults(ui.actionResults, nodeAnswers(out));
      setActionStatus(ui.actionStatus, `${actionTitle(name, node)} done`, 'ok');
    } else {
      setActionStatus(ui.actionStatus, `${actionTitle(name, node)} done${text ? `: ${text}` : ''}`, 'ok');
    }
  } catch (err) {
    if (gen !== state.gen) return;
    if (err.status === 401) {
      failed('action', err);
      return;
    }
    // Sent to every node, it failed on some: each node's answer is there.
    const answers = all ? nodeAnswers(err.args) : [];
    renderActionResults(ui.actionResults, answers);
    const failedOn = answers.filter((a) => !a.ok).map((a) => a.node);
    setActionStatus(ui.actionStatus, failedOn.length
      ? `${actionTitle(name, node)}: failed on ${failedOn.join(', ')}`
      : `${actionTitle(name, node)} failed: ${err.message}`, 'error');
  } finally {
    if (gen === state.gen) {
      state.action = null;
      renderActions();
    }
  }
}

// Stopping takes a node out of the farm (every node: the farm stops
// serving): ask first, naming where.
function askStop() {
  const force = ui.force.checked;
  const node = state.actionNode;
  let question;
  if (node === api.ALL_NODES) {
    const how = force ? 'at once, cutting their open connections' : 'each once its connections have drained';
    question = `Stop ${state.module} on ALL nodes? The farm stops serving: they stop ${how}.`;
  } else {
    const how = force
      ? 'at once, cutting its open connections'
      : 'once its connections have drained (its buckets move to the other nodes)';
    question = `Stop ${state.module} on ${nodeLabel(node, state.self && state.self.name)}? It stops ${how}.`;
  }
  if (window.confirm(question)) runAction('stop', { force });
}

// Restarting every node at once interrupts the whole farm: ask first.
function askRestart() {
  if (state.actionNode !== api.ALL_NODES ||
    window.confirm(`Restart ${state.module} on ALL nodes at once? The farm stops serving meanwhile.`)) runAction('restart', {});
}

// ---- logs -------------------------------------------------------------------

function restartLogs() {
  clearTimeout(state.logs.timer);
  state.logs.jump = true; // a new source or filter starts at its newest line
  if (state.allowed.has('logs') && state.module) refreshLogs(++state.logs.seq);
}

async function refreshLogs(seq) {
  const { node, app, grep } = state.logs;
  try {
    const { args } = await api.postCommand('logs', state.module, { lines: LOG_LINES, grep, app }, state.session.csrf,
      undefined, node);
    if (seq !== state.logs.seq) return;
    renderLogs(ui.logs, args.lines || [], { jumpToEnd: state.logs.jump, filtered: grep !== '' });
    // Whose lines these are (a browser test reads it).
    ui.logs.dataset.node = node || (state.self && state.self.name) || '';
    state.logs.jump = false;
    clearError('logs');
  } catch (err) {
    if (seq !== state.logs.seq) return;
    failed('logs', err);
  }
  if (seq === state.logs.seq) state.logs.timer = setTimeout(() => refreshLogs(seq), LOGS_MS);
}

function onLogsNode() {
  state.logs.node = ui.logsNode.value;
  delete ui.logs.dataset.node; // the lines shown are no longer the chosen node's
  clearError('logs'); // an error of the other node no longer applies
  restartLogs();
}

function onLogsSource() {
  state.logs.app = ui.logsSource.value === 'app';
  clearError('logs'); // an error of the other log no longer applies
  restartLogs();
}

function onLogsFilter() {
  clearTimeout(state.logs.debounce);
  state.logs.debounce = setTimeout(() => {
    state.logs.grep = ui.logsFilter.value;
    restartLogs();
  }, FILTER_DEBOUNCE_MS);
}

// ---- start ------------------------------------------------------------------

function wireEvents() {
  ui.loginForm.addEventListener('submit', onLoginSubmit);
  ui.logout.addEventListener('click', onLogout);
  ui.banner.addEventListener('click', (e) => {
    const source = e.target.closest('.banner-close')?.dataset.source;
    if (source) clearError(source);
  });
  ui.moduleSelect.addEventListener('change', () => selectModule(ui.moduleSelect.value));
  ui.actions.start.addEventListener('click', () => runAction('start', {}));
  ui.actions.restart.addEventListener('click', askRestart);
  ui.actions.stop.addEventListener('click', askStop);
  ui.actionNode.addEventListener('change', () => {
    state.actionNode = ui.actionNode.value;
  });
  ui.logsNode.addEventListener('change', onLogsNode);
  ui.logsSource.addEventListener('change', onLogsSource);
  ui.logsFilter.addEventListener('input', onLogsFilter);
  // The chart follows the window's width without waiting for the next poll.
  window.addEventListener('resize', () => {
    if (state.status) drawTraffic(ui.traffic, ui.trafficLegend, state.traffic, Date.now() / 1000);
  });
}

// A reload keeps the session (HttpOnly cookie): ask who we are.
async function main() {
  bindUi();
  wireEvents();
  config = setUpConfig(ui.config, { module: () => state.module, csrf: () => state.session && state.session.csrf });
  if (!sessionHint()) {
    toLogin('');
    return;
  }
  try {
    const { args } = await api.session();
    enterCluster({ user: args.user, role: args.role, csrf: args.csrf_token });
  } catch (err) {
    toLogin('');
    if (err.status !== 401) setError('session', `${SOURCE_LABELS.session}: ${err.message}`);
  }
}

main();
