// Shared by the analyst viewer and the wall screen: talking to our own server (and
// nothing else), the four-colour grade scale, and the vector-tile map layers.

/** The font we ship as SDF glyphs (tools/glyphs); it covers Latin and CJK. */
export const FONT = ['Noto Sans CJK SC Regular'];

/** Four-colour risk scale of the census: grade 1 低 blue … 4 高 red. */
export const GRADES = [
  { grade: 4, zh: '高', en: 'High', color: '#e02020' },
  { grade: 3, zh: '较高', en: 'Fairly high', color: '#f58a07' },
  { grade: 2, zh: '较低', en: 'Fairly low', color: '#f7d51d' },
  { grade: 1, zh: '低', en: 'Low', color: '#2f7fd8' },
];

export const GRADE_COLOR = ['match', ['to-number', ['get', 'grade']],
  4, GRADES[0].color, 3, GRADES[1].color, 2, GRADES[2].color, 1, GRADES[3].color, '#999999'];

/** Point facility colours (circles, no sprite needed). */
export const FACILITY = {
  shelters: { color: '#1b9e4b', zh: '应急避难场所', en: 'Shelter' },
  water_sources: { color: '#0aa5c9', zh: '消防水源点', en: 'Water source' },
  depots: { color: '#7b3fb8', zh: '救灾物资储备库', en: 'Depot' },
  hazard_points: { color: '#8a4b12', zh: '隐患点', en: 'Hazard site' },
};

const KEY_STORE = 'riskmap.apiKey';

export function apiKey() {
  try { return sessionStorage.getItem(KEY_STORE) || ''; } catch { return ''; }
}

export function setApiKey(k) {
  try {
    if (k) sessionStorage.setItem(KEY_STORE, k); else sessionStorage.removeItem(KEY_STORE);
  } catch { /* storage disabled: the key lasts for this page only */ }
}

function withKey(init = {}) {
  const key = apiKey();
  const headers = new Headers(init.headers || {});
  if (key) headers.set('Authorization', `Bearer ${key}`);
  return { ...init, headers };
}

/** Adds the API key to the map's requests to our own server (tiles, TileJSON). */
export function transformRequest(url) {
  const key = apiKey();
  if (key && url.startsWith(location.origin)) {
    return { url, headers: { Authorization: `Bearer ${key}` } };
  }
  return { url };
}

/** An error the server explained: `{"error": {"code", "message", "field"}}`. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = body && body.error;
    super(e ? `${e.message}${e.field ? ` (${e.field})` : ''}` : `HTTP ${status}`);
    this.status = status;
    this.code = e && e.code;
  }
}

export async function api(path, init) {
  const r = await fetch(path, withKey(init));
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

export function postJson(path, body) {
  return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

export const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n))
  ? '—' : Number(n).toLocaleString('zh-CN', { maximumFractionDigits: digits });

export const metres = (m) => (m >= 1000 ? `${fmt(m / 1000, 1)} km` : `${fmt(m)} m`);

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/** Map layer ids are `<catalogue layer>--<part>`: the tree toggles them by prefix. */
export const layerOf = (styleLayerId) => styleLayerId.split('--')[0];

/**
 * The style layers drawing the catalogue layers in `layers` (from /viewer/config.json)
 * from the composite `onemap` source. `dark` gives the wall screen's palette.
 */
export function dataLayers(layers, { dark = false, hazardType = null } = {}) {
  const ids = new Set(layers.map((l) => l.id));
  const text = dark ? '#e8eef7' : '#333333';
  const halo = dark ? '#0b1626' : '#ffffff';
  const out = [];
  if (ids.has('hazard_zones')) {
    // The wall shows the zones that matter from across a room: 较高 and 高.
    const all = dark ? ['>=', ['to-number', ['get', 'grade']], 3] : ['has', 'grade'];
    const f = hazardType ? ['==', ['get', 'hazard_type'], hazardType] : all;
    out.push({ id: 'hazard_zones--fill', type: 'fill', source: 'onemap', 'source-layer': 'hazard_zones', filter: f,
      paint: { 'fill-color': GRADE_COLOR, 'fill-opacity': dark ? 0.55 : 0.6 } });
  }
  for (const l of layers.filter((x) => x.context)) {
    const c = l.id === 'rivers' ? '#3b8bd9' : l.id === 'faults' ? '#b3261e' : '#777777';
    if (l.geometry === 'line') {
      out.push({ id: `${l.id}--line`, type: 'line', source: 'onemap', 'source-layer': l.id,
        paint: { 'line-color': c, 'line-width': l.id === 'faults' ? 1.6 : 1.2, ...(l.id === 'faults' ? { 'line-dasharray': [3, 2] } : {}) } });
    } else if (l.geometry === 'polygon') {
      out.push({ id: `${l.id}--line`, type: 'line', source: 'onemap', 'source-layer': l.id, paint: { 'line-color': c, 'line-width': 0.8 } });
    } else {
      out.push({ id: `${l.id}--circle`, type: 'circle', source: 'onemap', 'source-layer': l.id, minzoom: 8,
        paint: { 'circle-radius': 3, 'circle-color': c, 'circle-stroke-color': halo, 'circle-stroke-width': 1 } });
    }
  }
  if (ids.has('evacuation_grids') && !dark) {
    // A nearly transparent fill makes grids clickable; the line draws them.
    out.push({ id: 'evacuation_grids--fill', type: 'fill', source: 'onemap', 'source-layer': 'evacuation_grids', minzoom: 9,
      paint: { 'fill-color': '#6a4c93', 'fill-opacity': 0.02 } });
    out.push({ id: 'evacuation_grids--line', type: 'line', source: 'onemap', 'source-layer': 'evacuation_grids', minzoom: 9,
      paint: { 'line-color': dark ? '#9d8cd6' : '#6a4c93', 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.3, 14, 1], 'line-opacity': 0.7 } });
  }
  if (ids.has('admin')) {
    out.push({ id: 'admin--line', type: 'line', source: 'onemap', 'source-layer': 'admin',
      filter: ['in', ['get', 'level'], ['literal', ['province', 'prefecture', 'county', 'township']]],
      paint: {
        'line-color': dark ? '#8fb3e0' : '#4d4d4d',
        'line-width': ['match', ['get', 'level'], 'province', 3, 'prefecture', 2.5, 'county', 1.6, 0.6],
        'line-dasharray': ['literal', [4, 2]],
      } });
  }
  // The wall keeps the map readable from across a room: shelters and depots only.
  const facilities = Object.entries(FACILITY).filter(([id]) => !dark || id === 'shelters' || id === 'depots');
  for (const [id, f] of facilities) {
    if (!ids.has(id)) continue;
    out.push({ id: `${id}--circle`, type: 'circle', source: 'onemap', 'source-layer': id,
      paint: {
        'circle-color': f.color,
        'circle-radius': ['case', ['boolean', ['get', 'cluster'], false],
          ['interpolate', ['linear'], ['get', 'point_count'], 2, 6, 50, 12, 500, 20], dark ? 5 : 4.5],
        'circle-stroke-color': halo, 'circle-stroke-width': 1.2, 'circle-opacity': 0.9,
      } });
  }
  // Names from the label points (one per unit), not the polygons (one per tile piece).
  if (ids.has('admin')) {
    out.push({ id: 'admin--label', type: 'symbol', source: 'onemap', 'source-layer': 'admin_labels',
      filter: ['==', ['get', 'level'], 'county'],
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': dark ? 22 : 14, 'symbol-placement': 'point' },
      paint: { 'text-color': text, 'text-halo-color': halo, 'text-halo-width': 1.5 } });
  }
  if (ids.has('shelters')) {
    out.push({ id: 'shelters--label', type: 'symbol', source: 'onemap', 'source-layer': 'shelters', minzoom: 13,
      filter: ['!', ['boolean', ['get', 'cluster'], false]],
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 12, 'text-offset': [0, 1.1], 'text-anchor': 'top', 'text-optional': true },
      paint: { 'text-color': text, 'text-halo-color': halo, 'text-halo-width': 1.2 } });
  }
  return out;
}

/** A whole MapLibre style over our own tiles and glyphs: nothing from elsewhere. */
export function baseStyle(layers, opts = {}) {
  return {
    version: 8,
    name: opts.dark ? 'riskmap wall' : 'riskmap analyst',
    glyphs: `${location.origin}/fonts/{fontstack}/{range}.pbf`,
    sources: { onemap: { type: 'vector', url: `${location.origin}/tiles/onemap.json` } },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': opts.dark ? '#08121f' : '#f3f1ec' } },
      ...dataLayers(layers, opts),
    ],
  };
}

/** Bounds of a dataset bbox for fitBounds. */
export const boundsOf = (b) => [[b[0], b[1]], [b[2], b[3]]];
