// The live bucket map: 16384 buckets as a 128x128 grid, one cell each,
// coloured by owner. A bucket that is moving is striped with its previous
// owner's colour, so a view change is visible as stripes that clear.

import { el, swatch, formatCount } from './dom.js';
import { colorFor, rgbFor, NO_OWNER } from './palette.js';
import { decodeBase64, countOwners, ownerName, ownersAttribute } from './model.js';

const GRID = 128; // cells per row and per column
const CELL = 4; // pixels per cell side: the canvas is 512x512

// Paints every cell with ImageData: 16384 fillRect calls a second would be
// needlessly slow on a small machine.
function paint(canvas, owners, previous) {
  const size = GRID * CELL;
  if (canvas.width !== size || canvas.height !== size) {
    canvas.width = size;
    canvas.height = size;
  }
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(size, size);
  const px = img.data;
  const rgbCache = new Map();
  const rgb = (id) => {
    if (!rgbCache.has(id)) rgbCache.set(id, rgbFor(id));
    return rgbCache.get(id);
  };
  for (let bucket = 0; bucket < GRID * GRID; bucket++) {
    const owner = bucket < owners.length ? owners[bucket] : NO_OWNER;
    const prev = bucket < previous.length ? previous[bucket] : NO_OWNER;
    const moving = prev !== NO_OWNER;
    const now = rgb(owner);
    const before = moving ? rgb(prev) : now;
    const x0 = (bucket % GRID) * CELL;
    const y0 = Math.floor(bucket / GRID) * CELL;
    for (let dy = 0; dy < CELL; dy++) {
      for (let dx = 0; dx < CELL; dx++) {
        const x = x0 + dx;
        const y = y0 + dy;
        // Diagonal stripes in canvas coordinates: they run on across
        // neighbouring moving cells instead of making a checkerboard.
        const c = moving && (x + y) % 4 < 2 ? before : now;
        const i = (y * size + x) * 4;
        px[i] = c[0];
        px[i + 1] = c[1];
        px[i + 2] = c[2];
        px[i + 3] = 255;
      }
    }
  }
  ctx.putImageData(img, 0, 0);
}

function renderLegend(legend, counts, names, total) {
  const ids = new Set([...Object.keys(names).map(Number), ...counts.keys()]);
  const items = [...ids]
    .sort((a, b) => a - b)
    .map((id) => {
      const n = counts.get(id) || 0;
      if (id === NO_OWNER && n === 0) return null;
      const share = total ? ` (${((100 * n) / total).toFixed(1)} %)` : '';
      return el('li', {}, swatch(colorFor(id)), `${ownerName(id, names)}: ${formatCount(n)}${share}`);
    });
  items.push(el('li', { class: 'legend-moving' }, el('span', { class: 'swatch striped', 'aria-hidden': 'true' }), 'moving (stripes: previous owner)'));
  legend.replaceChildren(...items.filter(Boolean));
}

// args: the `buckets` command's arguments.
export function renderBucketMap({ canvas, legend, movingText }, args) {
  const owners = decodeBase64(args.owners);
  const previous = decodeBase64(args.previous);
  const names = args.nodes || {};
  const counts = countOwners(owners);
  const moving = Number(args.moving) || 0;
  paint(canvas, owners, previous);
  canvas.dataset.owners = ownersAttribute(counts, names);
  canvas.dataset.moving = String(moving);
  canvas.setAttribute('aria-label', `bucket map: ${canvas.dataset.owners || 'no buckets'}; ${moving} moving`);
  if (owners.length === 0) movingText.textContent = 'no bucket table: the module is not started on this node';
  else movingText.textContent = moving === 1 ? '1 bucket moving' : `${formatCount(moving)} buckets moving`;
  movingText.classList.toggle('active', moving > 0);
  renderLegend(legend, counts, names, owners.length);
}
