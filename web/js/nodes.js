// The node table and the status details, from one `status` answer.

import { el, swatch, formatCount } from './dom.js';
import { colorFor } from './palette.js';

const STATES = ['UP', 'WAIT', 'STOP', 'DRAINING'];

// A state badge in SafeKit colours (classes in app.css).
export function stateBadge(state) {
  const known = STATES.includes(state) ? state : 'UNKNOWN';
  return el('span', { class: `state state-${known.toLowerCase()}` }, state || '?');
}

function nodeRow(node, selfId) {
  const isSelf = node.id === selfId;
  const name = el('td', { class: 'node-name' }, swatch(colorFor(node.id)), node.name);
  if (isSelf) name.append(' ', el('span', { class: 'self-badge' }, 'this node'));
  const share = typeof node.share === 'number' ? `${node.share.toFixed(1)} %` : '—';
  return el(
    'tr',
    { class: isSelf ? 'self' : null, dataset: { node: node.name, state: node.state, self: isSelf ? 'true' : 'false' } },
    name,
    el('td', {}, stateBadge(node.state)),
    el('td', { class: 'num' }, share),
    el('td', { class: 'num' }, formatCount(node.buckets)),
    el('td', { class: 'num' }, formatCount(node.connections)),
    el('td', { class: 'num' }, formatCount(node.packets)),
  );
}

// self: {id, name} of this node as last seen. A module stopped here reports
// no nodes (it has no view of the cluster); this node is still listed, as
// STOP, so its row does not vanish when it is stopped.
export function renderNodes(tbody, status, self) {
  const nodes = status.nodes || [];
  if (nodes.length) {
    tbody.replaceChildren(...nodes.map((n) => nodeRow(n, status.self)));
    return;
  }
  const note = el('tr', { class: 'empty' },
    el('td', { colspan: '6' }, 'the module is not started on this node: it does not see the other nodes'));
  const rows = self ? [nodeRow({ id: self.id, name: self.name, state: status.state || 'STOP', buckets: 0, share: 0 }, self.id)] : [];
  tbody.replaceChildren(...rows, note);
}

// This node's row, or null while the module is stopped (no plan loaded).
export function selfNode(status) {
  return (status.nodes || []).find((n) => n.id === status.self) || null;
}

function entries(obj, format) {
  const keys = Object.keys(obj || {});
  return keys.length ? keys.map((k) => format(k, obj[k])).join(', ') : 'none';
}

// Less looked-at facts: view, view changes, verdicts, checkers, scripts.
export function renderDetails(dl, status) {
  const rows = [
    ['view', status.view || '—'],
    ['view changes', formatCount(status.view_changes)],
    ['packet verdicts', entries(status.verdicts, (k, v) => `${k} ${formatCount(v)}`)],
    [
      'checkers',
      (status.checkers || []).length
        ? status.checkers.map((c) => `${c.ident} ${c.ok ? 'ok' : 'FAILING'} (${c.failures} failures)`).join(', ')
        : 'none',
    ],
    ['scripts', entries(status.scripts, (k, v) => `${k} ${v.runs} runs, ${v.failures} failed`)],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

// The other nodes' names, in the status' order, or null when the status
// lists no node (module never started here since safed started): the caller
// then keeps the list it last saw.
export function otherNodeNames(status) {
  const nodes = (status && status.nodes) || [];
  return nodes.length ? nodes.filter((n) => n.id !== status.self).map((n) => n.name) : null;
}

// A node chooser: this node first (value ''), the others by name, then
// "all nodes" (value 'all') when withAll. Rebuilt only when the list
// changes: a <select> rebuilt every poll would close under the pointer.
// Keeps the chosen node while it is listed; returns the chosen value.
export function renderNodeChoice(select, selfName, others, { withAll = false, allValue = 'all' } = {}) {
  const key = JSON.stringify([selfName || '', others, withAll]);
  if (select.dataset.choices === key) return select.value;
  const chosen = select.value;
  select.replaceChildren(
    el('option', { value: '' }, selfName ? `this node (${selfName})` : 'this node'),
    ...others.map((name) => el('option', { value: name }, name)),
    ...(withAll ? [el('option', { value: allValue }, 'all nodes')] : []),
  );
  select.dataset.choices = key;
  select.value = [...select.options].some((o) => o.value === chosen) ? chosen : '';
  return select.value;
}
