// Start / stop / restart of the module on this node, another node or every
// node: the progress line shown while the request is pending (a stop waits
// for connections to drain), and the answer of each node for "all nodes".

import { el } from './dom.js';
import { selfNode } from './nodes.js';

export const ACTIONS = ['start', 'stop', 'restart'];

const VERBS = { start: 'Starting', stop: 'Stopping', restart: 'Restarting' };

// Where an action runs, for its texts: '' is this node, 'all' every node.
export function nodeLabel(node, selfName, allValue = 'all') {
  if (node === allValue) return 'every node';
  return node || selfName || 'this node';
}

// "Stopping n2… 12 s — n2: DRAINING — 42 connections — 130 buckets moving",
// from the latest status and bucket map polled (on this node: it sees the
// others through its view) while the action runs. For every node, each
// node's state, short: "n1: UP, n2: DRAINING, n3: UP".
export function progressText(action, status, buckets, allValue = 'all') {
  const seconds = Math.floor((Date.now() - action.started) / 1000);
  const self = status ? selfNode(status) : null;
  const where = action.node ? ` ${nodeLabel(action.node, self && self.name, allValue)}` : '';
  const parts = [`${VERBS[action.name] || action.name}${where}… ${seconds} s`];
  if (status) {
    const nodes = status.nodes || [];
    if (action.node === allValue) {
      parts.push(nodes.length ? nodes.map((n) => `${n.name}: ${n.state}`).join(', ') : `this node: ${status.state}`);
    } else {
      const target = action.node ? nodes.find((n) => n.name === action.node) : self;
      if (!action.node || (target && target === self)) {
        // This node: its module's own state and what it is doing.
        const activity = status.activity ? `, ${status.activity}` : '';
        parts.push(`${self ? self.name : 'this node'}: ${status.state}${activity}`);
      } else {
        parts.push(`${action.node}: ${target ? target.state : '?'}`);
      }
      if (target && typeof target.connections === 'number') parts.push(`${target.connections} connections`);
    }
  }
  if (buckets) parts.push(`${Number(buckets.moving) || 0} buckets moving`);
  return parts.join(' — ');
}

// One line per node of an action sent to every node:
// <li data-node="n3" data-ok="false">n3: failed — connect: Connection refused</li>
export function renderActionResults(ul, answers) {
  ul.replaceChildren(...answers.map((a) =>
    el('li', { dataset: { node: a.node, ok: String(a.ok) } },
      `${a.node}: ${a.ok ? 'done' : 'failed'}${a.text ? ` — ${a.text}` : ''}`)));
  ul.hidden = answers.length === 0;
}

// kind: 'busy', 'ok' or 'error' (styled in app.css).
export function setActionStatus(node, text, kind) {
  node.textContent = text;
  node.dataset.kind = kind;
  node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}
