// The traffic chart on #traffic and its legend: packets per second per
// node, last 5 minutes (the series: model.js's trafficSeries).

import { el, swatch, formatShort } from './dom.js';
import { colorFor } from './palette.js';
import { SPAN_S, trafficSeries } from './model.js';

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
  const { series, yMax } = trafficSeries(history, now);
  drawAxes(ctx, box, yMax);
  for (const s of series) drawLine(ctx, box, s.points, now, yMax, colorFor(s.id));

  const items = series.map((s) => {
    const last = s.points[s.points.length - 1];
    const rate = last ? `${formatShort(last.r)} pkt/s` : '—';
    return el('li', {}, swatch(colorFor(s.id)), `${s.name}: ${rate}`);
  });
  legend.replaceChildren(...(items.length ? items : [el('li', { class: 'muted' }, 'no traffic counters yet')]));
}
