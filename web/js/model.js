// What the console computes from safed's answers, with no DOM: the bucket
// map's owners, the traffic chart's series, each node's answer to a command
// sent to every node. The page imports it, and so does node
// (tests/web/model.test.mjs: `node --test`), so nothing here may touch
// document, window or the canvas.

import { NO_OWNER } from './palette.js';

// ---- bucket map -------------------------------------------------------------

// owners/previous of the `buckets` command come as base64, one byte per
// bucket (the owner's node id, NO_OWNER for none).
export function decodeBase64(b64) {
  if (!b64) return new Uint8Array(0);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// Buckets per owner id (NO_OWNER included), in a Map.
export function countOwners(owners) {
  const counts = new Map();
  for (const owner of owners) counts.set(owner, (counts.get(owner) || 0) + 1);
  return counts;
}

// A node id's name from the `buckets` answer's nodes ({"1": "n1"}), "none"
// for NO_OWNER, "#id" for an id it does not name.
export function ownerName(id, names) {
  if (id === NO_OWNER) return 'none';
  return names[String(id)] || `#${id}`;
}

// "n1:5462,n2:5461,n3:5461": owners with at least one bucket, by node id,
// unowned buckets last as "none:N". For tests and for a quick look.
export function ownersAttribute(counts, names) {
  return [...counts.keys()]
    .sort((a, b) => a - b) // NO_OWNER is 255: it sorts last
    .map((id) => `${ownerName(id, names)}:${counts.get(id)}`)
    .join(',');
}

// ---- traffic ------------------------------------------------------------------
// Packets per second per node over the last 5 minutes, from the cumulative
// `packets` counters of successive `status` answers. Another node's counter
// is what its last heartbeat said, so it does not change on every poll; a
// rate from two successive polls would jump between 0 and twice the truth.
// Rates are taken over a few seconds instead.

export const SPAN_S = 300; // what the chart shows
const RATE_WINDOW_S = 5; // what one rate is averaged over
const GAP_S = 5; // no samples for this long: the line breaks

export function newTrafficHistory() {
  return new Map(); // node id -> {name, samples: [{t, p}]}
}

// Adds one `status` answer's counters, taken at t (seconds).
export function recordTraffic(history, nodes, t) {
  for (const node of nodes || []) {
    if (typeof node.packets !== 'number') continue; // not in the view: nothing known
    let h = history.get(node.id);
    if (!h) {
      h = { name: node.name, samples: [] };
      history.set(node.id, h);
    }
    h.name = node.name;
    const last = h.samples[h.samples.length - 1];
    // A smaller counter means the node (or its filter) restarted: the old
    // samples are no baseline any more.
    if (last && node.packets < last.p) h.samples = [];
    h.samples.push({ t, p: node.packets });
    const oldest = t - SPAN_S - RATE_WINDOW_S;
    while (h.samples.length && h.samples[0].t < oldest) h.samples.shift();
  }
}

// [{t, r}] with r the rate over the RATE_WINDOW_S before t; null entries
// mark gaps.
export function trafficRates(samples) {
  const out = [];
  let j = 0;
  for (let i = 1; i < samples.length; i++) {
    const s = samples[i];
    if (s.t - samples[i - 1].t > GAP_S) {
      out.push(null);
      j = i;
      continue;
    }
    while (j + 1 < i && samples[j + 1].t <= s.t - RATE_WINDOW_S) j++;
    const dt = s.t - samples[j].t;
    if (dt >= 0.5) out.push({ t: s.t, r: (s.p - samples[j].p) / dt });
  }
  return out;
}

// A round number above max, so the axis reads 0, 250, 500...
export function niceCeiling(max) {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

// What the chart draws at time now (seconds, the clock of recordTraffic):
// one series per node, by id, its points from trafficRates; yMax the axis'
// top, a round number above the highest rate shown (the last SPAN_S).
export function trafficSeries(history, now) {
  const series = [...history.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, h]) => ({ id, name: h.name, points: trafficRates(h.samples) }));
  let max = 0;
  for (const s of series) for (const p of s.points) if (p && p.t >= now - SPAN_S) max = Math.max(max, p.r);
  return { series, yMax: niceCeiling(max) };
}

// ---- commands sent to every node -----------------------------------------------

// The answers of a command sent to every node, one per node, from
// arguments.nodes ({"n1": {result, text, arguments, status}, ...}), in the
// order safed gave them. ok: that node did it (result 0, or 3: nothing to
// do); a node that could not be reached has status 502 and says why.
export function nodeAnswers(args) {
  return Object.entries((args && args.nodes) || {}).map(([node, a]) => {
    const answer = a && typeof a === 'object' ? a : {};
    const status = Number(answer.status) || 0;
    return {
      node,
      ok: status < 300 && (answer.result === 0 || answer.result === 3),
      status,
      text: answer.text || '',
      args: answer.arguments || {},
    };
  });
}
