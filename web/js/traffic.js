// Packets per second per node over the last 5 minutes, from the
// cumulative `packets` counters of successive `status` answers.
//
// Another node's counter is what its last heartbeat said, so it does not
// change on every poll; a rate from two successive polls would jump
// between 0 and twice the truth. Rates are taken over a few seconds instead.

import { el, swatch, formatShort } from './dom.js';
import { colorFor } from './palette.js';

const SPAN_S = 300; // what the chart shows
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
function rates(samples) {
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
function niceCeiling(max) {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

// The canvas is as wide as CSS makes it, in device pixels, so lines stay sharp.
function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const width = Math.max(200, canvas.clientWidth || 600);
  const height = Math.max(120, canvas.clientHeight || 220);
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, width, height };
}

function drawAxes(ctx, box, yMax) {
  ctx.strokeStyle = '#d5dae1';
  ctx.fillStyle = '#5b6572';
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let k = 0; k <= 4; k++) {
    const y = box.bottom - (k / 4) * (box.bottom - box.top);
    ctx.beginPath();
    ctx.moveTo(box.left, Math.round(y) + 0.5);
    ctx.lineTo(box.right, Math.round(y) + 0.5);
    ctx.stroke();
    ctx.fillText(formatShort((k / 4) * yMax), box.left - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let m = 0; m <= SPAN_S / 60; m++) {
    const x = box.right - (m * 60 * (box.right - box.left)) / SPAN_S;
    ctx.fillText(m === 0 ? 'now' : `-${m} min`, x, box.bottom + 5);
  }
}

function drawLine(ctx, box, points, now, yMax, color) {
  const xOf = (t) => box.right - ((now - t) / SPAN_S) * (box.right - box.left);
  const yOf = (r) => box.bottom - (Math.max(0, r) / yMax) * (box.bottom - box.top);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  let pen = false;
  for (const p of points) {
    if (!p || p.t < now - SPAN_S) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(xOf(p.t), yOf(p.r));
    else ctx.moveTo(xOf(p.t), yOf(p.r));
    pen = true;
  }
  ctx.stroke();
}

// Draws the chart at time now (seconds, same clock as recordTraffic) and
// the legend with each node's latest rate.
export function drawTraffic(canvas, legend, history, now) {
  const { ctx, width, height } = fitCanvas(canvas);
  ctx.clearRect(0, 0, width, height);
  const box = { left: 48, right: width - 12, top: 8, bottom: height - 22 };
  const series = [...history.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, h]) => ({ id, name: h.name, points: rates(h.samples) }));
  let max = 0;
  for (const s of series) for (const p of s.points) if (p && p.t >= now - SPAN_S) max = Math.max(max, p.r);
  const yMax = niceCeiling(max);
  drawAxes(ctx, box, yMax);
  for (const s of series) drawLine(ctx, box, s.points, now, yMax, colorFor(s.id));

  const items = series.map((s) => {
    const last = s.points[s.points.length - 1];
    const rate = last ? `${formatShort(last.r)} pkt/s` : '—';
    return el('li', {}, swatch(colorFor(s.id)), `${s.name}: ${rate}`);
  });
  legend.replaceChildren(...(items.length ? items : [el('li', { class: 'muted' }, 'no traffic counters yet')]));
}
