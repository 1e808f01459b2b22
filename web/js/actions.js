// Start / stop / restart of this node's module: the progress line shown
// while the request is pending (a stop waits for connections to drain).

import { selfNode } from './nodes.js';

export const ACTIONS = ['start', 'stop', 'restart'];

const VERBS = { start: 'Starting', stop: 'Stopping', restart: 'Restarting' };

// "Stopping… 12 s — n1: UP, stopping — 42 connections — 130 buckets moving",
// from the latest status and bucket map polled while the action runs.
export function progressText(action, status, buckets) {
  const seconds = Math.floor((Date.now() - action.started) / 1000);
  const parts = [`${VERBS[action.name] || action.name}… ${seconds} s`];
  if (status) {
    const self = selfNode(status);
    const activity = status.activity ? `, ${status.activity}` : '';
    parts.push(`${self ? self.name : 'this node'}: ${status.state}${activity}`);
    if (self && typeof self.connections === 'number') parts.push(`${self.connections} connections`);
  }
  if (buckets) parts.push(`${Number(buckets.moving) || 0} buckets moving`);
  return parts.join(' — ');
}

// kind: 'busy', 'ok' or 'error' (styled in app.css).
export function setActionStatus(node, text, kind) {
  node.textContent = text;
  node.dataset.kind = kind;
  node.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}
