// One fixed colour per node id, shared by the bucket map, its legend, the
// node table and the traffic chart, so a node looks the same everywhere.
// Red, orange and green are left out: they mean STOP/WAIT/UP here.

const PALETTE = [
  '#1f6fb4', // blue
  '#8e44ad', // purple
  '#17a2b8', // cyan
  '#d6589f', // pink
  '#8c564b', // brown
  '#b8b814', // olive
  '#34495e', // slate
  '#5c7cfa', // periwinkle
  '#00897b', // teal
  '#c2185b', // raspberry
  '#6d4c41', // dark brown
  '#7b68ee', // violet
];

export const NO_OWNER = 255; // a bucket nobody owns (and "not moving" in previous)
export const NO_OWNER_COLOR = '#dfe3e8';

export function colorFor(id) {
  if (id === NO_OWNER || id === undefined || id === null) return NO_OWNER_COLOR;
  return PALETTE[Number(id) % PALETTE.length];
}

// [r, g, b] of a "#rrggbb" colour, for ImageData.
export function rgbFor(id) {
  const hex = colorFor(id);
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}
