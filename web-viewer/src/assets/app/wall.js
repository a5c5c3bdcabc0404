// The wall screen at `/wall` (一屏统揽): the region on a dark map with its figures beside
// it, no interaction needed. It polls /health and /api/v1/wall and redraws itself when
// the dataset version or the published analysis changes; with `wall_cycle_seconds`
// configured it shows the counties in turn. The live events' panel is wall_events.js.

import * as maplibregl from '/assets/maplibre/maplibre-gl.mjs';
import { api, baseStyle, boundsOf, esc, fmt, transformRequest, GRADES } from './common.js';
import { WallEvents } from './wall_events.js';

const PARAMS = new URLSearchParams(location.search);
const POLL_MS = Number(PARAMS.get('poll_ms')) || 10_000;
/** Seconds per county: `?cycle=N` overrides the server's `viewer.wall_cycle_seconds`. */
const cycleSeconds = () => Number(PARAMS.get('cycle')) || wall.config?.wall_cycle_seconds || 0;
const $ = (s) => document.querySelector(s);
const EMPTY = { type: 'FeatureCollection', features: [] };

const wall = {
  version: null, revision: null, config: null, region: null, summary: null, published: null,
  redraws: 0, cycle: -1, map: null, units: [],
};
window.__wall = wall;
wall.markOk = () => $('#wall-foot').classList.remove('bad');
wall.markDown = () => $('#wall-foot').classList.add('bad');
/** `?events_poll_ms=N`: how often to poll the events while their stream is down. */
wall.live = new WallEvents(wall, { pollMs: Number(PARAMS.get('events_poll_ms')) || 1000 });

const num = (k, v, unit = '') => `<span class="big" data-k="${esc(k)}">${fmt(v)}</span>${unit ? `<span class="unit">${esc(unit)}</span>` : ''}`;

/** The unit the wall covers: the manifest's region, else the top of the admin tree. */
function regionOf(config, units) {
  if (config.region?.code) return units.find((u) => u.code === config.region.code) || { code: config.region.code, name: config.region.name };
  const codes = new Set(units.map((u) => u.code));
  const rank = { province: 0, prefecture: 1, county: 2, township: 3, village: 4 };
  const roots = units.filter((u) => !codes.has(u.parent_code)).sort((a, b) => (rank[a.level] ?? 9) - (rank[b.level] ?? 9));
  // A province-wide dataset with one prefecture in detail: the prefecture is the subject.
  const prefectures = units.filter((u) => u.level === 'prefecture');
  if (roots[0]?.level === 'province' && prefectures.length === 1) return prefectures[0];
  return roots[0] || null;
}

function renderFigures(unitName, f) {
  const exposure = f.exposure.map((h) => {
    const high = h.by_grade.filter((g) => g.grade >= 3).reduce((a, g) => a + g.persons, 0);
    const top = h.by_grade.find((g) => g.grade === 4)?.persons || 0;
    return { type: h.hazard_type, zh: h.hazard_type_zh, high, top };
  }).filter((h) => h.high > 0).sort((a, b) => b.high - a.high);
  const maxHigh = Math.max(1, ...exposure.map((h) => h.high));
  $('#panel-exposure .body').innerHTML = `<div class="muted">${esc(unitName)} · 较高及以上风险区</div>
    <table class="rows">${exposure.map((h) => `<tr><td>${esc(h.zh)}</td><td class="n" data-k="exposure.${esc(h.type)}">${fmt(h.high)}</td></tr>
      <tr><td colspan="2"><div class="bar"><i style="width:${(100 * h.high) / maxHigh}%;background:${GRADES[h.top > h.high / 2 ? 0 : 1].color}"></i></div></td></tr>`).join('')
      || '<tr><td class="muted">无</td></tr>'}</table>`;
  const need = f.persons_to_move;
  const cap = f.shelter_capacity_open;
  $('#panel-shelter .body').innerHTML = `
    <div>需转移 ${num('persons_to_move', need, '人')}</div>
    <div>开放容量 ${num('shelter_capacity_open', cap, '人')}</div>
    <div class="bar"><i style="width:${Math.min(100, (100 * cap) / Math.max(1, need))}%;background:${cap >= need ? '#5fd38d' : '#ff6b5b'}"></i></div>
    <div class="${f.capacity_gap > 0 ? 'bad' : 'ok'}">缺口 ${num('capacity_gap', f.capacity_gap, '人')}</div>
    <div class="muted">场所 <b data-k="shelters_open">${fmt(f.shelters_open)}</b>/<b data-k="shelters">${fmt(f.shelters)}</b> 开放</div>`;
  const depotsSchema = wall.config.layers.find((l) => l.id === 'depots');
  const invLabel = (k) => depotsSchema?.fields.find((x) => x.name === `inv_${k}`)?.zh?.replace(/^库存[:：]?/, '') || k;
  const inv = Object.entries(f.inventory).sort((a, b) => b[1] - a[1]).slice(0, 6);
  $('#panel-depots .body').innerHTML = `<div>储备库 ${num('depots', f.depots, '个')}</div>
    <table class="rows">${inv.map(([k, v]) => `<tr><td>${esc(invLabel(k))}</td><td class="n" data-k="inventory.${esc(k)}">${fmt(v)}</td></tr>`).join('')}</table>`;
  const types = Object.entries(f.water_sources_by_type).sort((a, b) => b[1] - a[1]);
  const wsSchema = wall.config.layers.find((l) => l.id === 'water_sources')?.fields.find((x) => x.name === 'type');
  const typeLabel = (k) => wsSchema?.values.find((v) => v.value === k)?.zh || k;
  $('#panel-water .body').innerHTML = `<div>水源点 ${num('water_sources', f.water_sources, '处')}</div>
    <div class="muted">可用水量 <b data-k="water_volume_m3">${fmt(f.water_volume_m3)}</b> m³</div>
    <table class="rows">${types.slice(0, 5).map(([k, v]) => `<tr><td>${esc(typeLabel(k))}</td><td class="n">${fmt(v)}</td></tr>`).join('')}</table>`;
}

function renderScenario() {
  const p = wall.published;
  const el = $('#panel-scenario .body');
  if (!p) { el.innerHTML = '<div class="muted" data-k="scenario">无进行中的事件</div>'; return; }
  const r = p.result || {};
  let figures = '';
  if (p.kind === 'transfer' && r.summary) {
    figures = `<div>需转移 ${num('scenario.persons', r.summary.persons, '人')}</div>
      <div>已安置 ${num('scenario.placed', r.summary.persons_placed, '人')}</div>
      <div class="${r.summary.persons_unplaced > 0 ? 'bad' : 'ok'}">无处安置 ${num('scenario.unplaced', r.summary.persons_unplaced, '人')}</div>`;
  } else if (p.kind === 'earthquake' && r.zones) {
    const persons = r.zones.features.reduce((a, z) => a + (z.properties.persons || 0), 0);
    figures = `<div>M${esc(r.magnitude)} · 震中烈度 ${fmt(r.epicentral_intensity, 1)}</div><div>影响人口 ${num('scenario.persons', persons, '人')}</div>`;
  }
  el.innerHTML = `<div data-k="scenario" style="font-size:1.2em;font-weight:bold">${esc(p.title)}</div>${figures}
    <div class="muted">${esc(new Date(p.published_at).toLocaleString('zh-CN', { hour12: false }))}</div>`;
}

function drawScenario() {
  const m = wall.map;
  if (!m || !m.getSource('scenario')) return;
  const p = wall.published;
  const features = [];
  if (p?.request?.area) features.push({ type: 'Feature', properties: { part: 'area' }, geometry: p.request.area });
  if (p?.kind === 'transfer') (p.result?.geometry?.features || []).filter((f) => f.geometry).forEach((f) => features.push({ ...f, properties: { part: 'grid', unplaced: f.properties.unplaced || 0 } }));
  if (p?.kind === 'earthquake') (p.result?.zones?.features || []).forEach((f) => features.push({ ...f, properties: { part: 'zone', intensity: f.properties.intensity } }));
  m.getSource('scenario').setData({ type: 'FeatureCollection', features });
}

/** Scales label sizes, circle radii and line widths to the screen: a 4K wall shows
 * what a 1920-pixel screen shows, at the same apparent size. */
function scaleForScreen() {
  const k = Math.max(1, window.innerWidth / 1920);
  if (k === 1) return;
  const m = wall.map;
  const props = {
    symbol: [['layout', 'text-size'], ['paint', 'text-halo-width']],
    circle: [['paint', 'circle-radius'], ['paint', 'circle-stroke-width']],
    line: [['paint', 'line-width']],
  };
  for (const l of m.getStyle().layers) {
    for (const [kind, name] of props[l.type] || []) {
      const v = kind === 'layout' ? m.getLayoutProperty(l.id, name) : m.getPaintProperty(l.id, name);
      // Zoom expressions must stay at the top level: those keep their size.
      if (v === undefined || JSON.stringify(v).includes('zoom')) continue;
      const scaled = typeof v === 'number' ? v * k : ['*', k, v];
      if (kind === 'layout') m.setLayoutProperty(l.id, name, scaled); else m.setPaintProperty(l.id, name, scaled);
    }
  }
}

function addScenarioLayers() {
  const m = wall.map;
  // Once per loaded style: 'style.load' may fire before or after we listen.
  if (!m.style || m.style.riskmapReady) return;
  m.style.riskmapReady = true;
  scaleForScreen();
  m.addSource('scenario', { type: 'geojson', data: EMPTY });
  m.addLayer({ id: 'scenario--fill', type: 'fill', source: 'scenario', filter: ['!=', ['get', 'part'], 'area'],
    paint: { 'fill-color': ['case', ['==', ['get', 'part'], 'zone'], '#ff5a36', ['>', ['get', 'unplaced'], 0], '#ff2d2d', '#4da3ff'], 'fill-opacity': 0.35 } });
  m.addLayer({ id: 'scenario--line', type: 'line', source: 'scenario', paint: { 'line-color': '#ffd54a', 'line-width': 3 } });
  wall.live.addLayers(m);
  drawScenario();
}

async function loadStyle() {
  // The wall's own style (styles/wall.json) when the server has it; else the same
  // layers built here, so the wall still draws.
  try {
    const r = await fetch('/styles/wall.json', { headers: transformRequest(location.origin).headers });
    if (r.ok) return await r.json();
  } catch { /* fall through */ }
  return baseStyle(wall.config.layers, { dark: true });
}

function showUnit(unitName, figures, bbox) {
  renderFigures(unitName, figures);
  $('#wall-area').textContent = unitName;
  if (bbox && wall.map) wall.map.fitBounds(boundsOf(bbox), { padding: 30, duration: wall.cycle >= 0 ? 1500 : 0 });
}

/** Reloads everything derived from the dataset: config, figures, map style. */
async function redraw() {
  wall.config = await api('/viewer/config.json');
  wall.units = (await api('/viewer/admin.json')).units;
  wall.region = regionOf(wall.config, wall.units);
  wall.summary = wall.region ? await api(`/api/v1/areas/${encodeURIComponent(wall.region.code)}/summary`) : null;
  $('#wall-title').textContent = `${wall.region?.name || wall.config.title} 自然灾害综合风险一屏统揽`;
  const created = new Date(wall.config.created);
  $('#wall-version').textContent = `数据版本 ${wall.config.dataset_version} · ${created.toLocaleString('zh-CN', { hour12: false })}${wall.config.layers.some((l) => l.synthetic) ? ' · 演示数据（合成）' : ''}`;
  const bbox = wall.region?.bbox || wall.config.bbox;
  const style = await loadStyle();
  if (!wall.map) {
    wall.map = new maplibregl.Map({
      container: 'wall-map', style, bounds: bbox ? boundsOf(bbox) : undefined, fitBoundsOptions: { padding: 30 },
      interactive: false, transformRequest, attributionControl: { compact: true, customAttribution: wall.config.attribution || '' },
    });
    window.__map = wall.map;
  } else {
    wall.map.setStyle(style, { diff: false });
  }
  wall.map.once('style.load', addScenarioLayers);
  if (wall.map.isStyleLoaded()) addScenarioLayers();
  if (wall.summary) showUnit(wall.region.name, wall.summary.figures, bbox);
  wall.cycle = -1;
  wall.redraws += 1;
}

async function poll() {
  try {
    const h = await api('/health');
    if (h.dataset_version !== wall.version) {
      await redraw();
      wall.version = h.dataset_version;
    }
    const w = await api('/api/v1/wall');
    if (w.revision !== wall.revision) {
      wall.revision = w.revision;
      wall.published = w.published;
      renderScenario();
      drawScenario();
    }
    $('#wall-foot').classList.remove('bad');
  } catch {
    $('#wall-foot').classList.add('bad'); // the server is away: keep showing the last figures
  }
}

function cycleCounties() {
  if (!cycleSeconds() || !wall.summary?.children.length) return;
  const kids = wall.summary.children;
  wall.cycle = (wall.cycle + 1) % (kids.length + 1);
  if (wall.cycle === kids.length) {
    showUnit(wall.region.name, wall.summary.figures, wall.region.bbox || wall.config.bbox);
  } else {
    const u = kids[wall.cycle];
    const code = u.unit.code;
    showUnit(u.unit.name, u.figures, wall.units.find((x) => x.code === code)?.bbox);
  }
}

function clock() {
  $('#wall-clock').textContent = new Date().toLocaleString('zh-CN', { hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

clock();
setInterval(clock, 1000);
await poll();
// Without an events store (503) or on a first failure the panel starts by polling.
wall.live.start().catch(() => wall.live.startPolling());
setInterval(poll, POLL_MS);
let cycleTimer = null;
const startCycle = () => {
  clearInterval(cycleTimer);
  const s = cycleSeconds();
  if (s > 0) cycleTimer = setInterval(cycleCounties, s * 1000);
};
startCycle();
