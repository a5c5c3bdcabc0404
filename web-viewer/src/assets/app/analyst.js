// The analyst viewer at `/`: layer tree, legend, feature popups, the risk profile of a
// clicked place, admin search, the area summary of the unit in view, scale and cursor
// coordinates. The analysis tools live in tools.js, the live events panel in events.js.

import * as maplibregl from '/assets/maplibre/maplibre-gl.mjs';
import {
  api, apiKey, setApiKey, transformRequest, baseStyle, boundsOf, layerOf, esc, fmt, metres,
  GRADES, FACILITY,
} from './common.js';
import { t, label, getLang, setLang, applyStatic } from './i18n.js';
import { Tools } from './tools.js';
import { Events } from './events.js';

const TEST = new URLSearchParams(location.search).has('test');
const $ = (s) => document.querySelector(s);

const app = {
  config: null, map: null, schemas: new Map(), hazardType: null, hidden: new Set(),
  popup: null, tools: null, admin: null, areaCode: null,
};
window.__app = app;

/** Display name of a field of a layer, from the schema. */
function fieldLabel(layerId, name) {
  const f = app.schemas.get(layerId)?.fields.find((x) => x.name === name);
  return f ? label(f) : name;
}

/** A value shown with its coded label where the schema has one. */
function valueLabel(layerId, name, v) {
  const f = app.schemas.get(layerId)?.fields.find((x) => x.name === name);
  const coded = f?.values?.find((c) => String(c.value) === String(v));
  if (coded) return label(coded);
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'number') return fmt(v, 2);
  return v;
}

function propsTable(layerId, props) {
  const rows = Object.entries(props)
    .filter(([k, v]) => v !== null && v !== undefined && v !== '' && k !== 'cluster' && (k !== 'point_count' || props.cluster))
    .map(([k, v]) => `<tr><th>${esc(k === 'point_count' ? t('total') : fieldLabel(layerId, k))}</th><td>${esc(valueLabel(layerId, k, v))}</td></tr>`);
  return `<table class="props">${rows.join('')}</table>`;
}

// ---------------------------------------------------------------- layer tree + legend

const HAZARD_DEFAULT = 'geological';

function buildTree() {
  const groups = new Map();
  for (const l of app.config.layers) {
    if (!groups.has(l.group)) groups.set(l.group, { zh: l.group_zh, en: l.group.replace('_', ' '), layers: [] });
    groups.get(l.group).layers.push(l);
  }
  const order = ['admin', 'risk_census', 'evacuation', 'shelters', 'water', 'depots', 'reference'];
  const sorted = [...groups.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  const html = sorted.map(([id, g]) => `<fieldset data-group="${esc(id)}"><legend>${esc(getLang() === 'zh' ? g.zh : g.en)}</legend>${
    g.layers.map((l) => `<label class="layer"><input type="checkbox" data-layer="${esc(l.id)}" ${app.hidden.has(l.id) ? '' : 'checked'}> ${esc(label(l))}${
      l.synthetic ? ` <small class="synthetic" title="${esc(t('synthetic'))}">*</small>` : ''}</label>${
      l.id === 'hazard_zones' ? hazardSelect(l) : ''}`).join('')}</fieldset>`).join('');
  $('#layer-tree').innerHTML = html;
  $('#layer-tree').querySelectorAll('input[data-layer]').forEach((el) => el.addEventListener('change', () => {
    setLayerVisible(el.dataset.layer, el.checked);
  }));
  $('#hazard-type')?.addEventListener('change', (e) => setHazardType(e.target.value || null));
}

function hazardSelect(l) {
  const f = l.fields.find((x) => x.name === 'hazard_type');
  if (!f || !f.values.length) return '';
  const opts = f.values.map((v) => `<option value="${esc(v.value)}" ${v.value === app.hazardType ? 'selected' : ''}>${esc(label(v))}</option>`);
  return `<label class="sub">${esc(t('hazardType'))} <select id="hazard-type"><option value="">${esc(t('allTypes'))}</option>${opts.join('')}</select></label>`;
}

export function setLayerVisible(layerId, on) {
  if (on) app.hidden.delete(layerId); else app.hidden.add(layerId);
  for (const l of app.map.getStyle().layers) {
    if (layerOf(l.id) === layerId) app.map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none');
  }
  const box = document.querySelector(`input[data-layer="${layerId}"]`);
  if (box) box.checked = on;
}

function setHazardType(type) {
  app.hazardType = type;
  if (app.map.getLayer('hazard_zones--fill')) {
    app.map.setFilter('hazard_zones--fill', type ? ['==', ['get', 'hazard_type'], type] : ['has', 'grade']);
  }
}

function buildLegend() {
  const grades = GRADES.map((g) => `<li><i class="swatch" style="background:${g.color}"></i>${esc(getLang() === 'zh' ? g.zh : g.en)}</li>`).join('');
  const ids = new Set(app.config.layers.map((l) => l.id));
  const fac = Object.entries(FACILITY).filter(([id]) => ids.has(id))
    .map(([, f]) => `<li><i class="dot" style="background:${f.color}"></i>${esc(getLang() === 'zh' ? f.zh : f.en)}</li>`).join('');
  const lines = [['admin', '#4d4d4d'], ['evacuation_grids', '#6a4c93'], ['faults', '#b3261e'], ['rivers', '#3b8bd9']]
    .filter(([id]) => ids.has(id))
    .map(([id, c]) => `<li><i class="line" style="border-color:${c}"></i>${esc(label(app.schemas.get(id)))}</li>`).join('');
  $('#legend').innerHTML = `<h3>${esc(t('riskGrade'))}</h3><ul class="grades">${grades}</ul><ul>${fac}${lines}</ul>`;
}

// ---------------------------------------------------------------- popup + risk profile

const QUERYABLE = ['shelters--circle', 'water_sources--circle', 'depots--circle', 'hazard_points--circle',
  'evacuation_grids--fill', 'hazard_zones--fill'];

async function featurePopup(e) {
  const layers = QUERYABLE.filter((id) => app.map.getLayer(id) && !app.hidden.has(layerOf(id)));
  const hits = app.map.queryRenderedFeatures(e.point, { layers });
  app.popup?.remove();
  if (!hits.length) return null;
  const f = hits[0];
  const layerId = f.sourceLayer;
  let props = f.properties;
  // Tiles carry few attributes at low zoom: the full (caller-filtered) record by fid.
  if (f.id !== undefined && !props.cluster) {
    try {
      const item = await api(`/collections/${encodeURIComponent(layerId)}/items/${f.id}`);
      props = item.properties || props;
    } catch { /* keep the tile's attributes */ }
  }
  const title = `${label(app.schemas.get(layerId))}${props.name ? `：${props.name}` : ''}`;
  app.popup?.remove();
  app.popup = new maplibregl.Popup({ maxWidth: '360px', className: 'feature-popup' })
    .setLngLat(e.lngLat)
    .setHTML(`<h3>${esc(title)}</h3>${propsTable(layerId, props)}`)
    .addTo(app.map);
  return f;
}

function facilityLine(from, fac) {
  return { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [from, [fac.lon, fac.lat]] } };
}

export function showResult(title, html, actions = '') {
  $('#result-title').textContent = title;
  $('#result-body').innerHTML = html;
  $('#result-actions').innerHTML = actions;
  $('#result').hidden = false;
}

async function riskProfile(lngLat) {
  const { lng, lat } = lngLat;
  let p;
  try {
    p = await api(`/api/v1/point?lon=${lng.toFixed(6)}&lat=${lat.toFixed(6)}`);
  } catch (err) {
    showResult(t('riskProfile'), `<p class="error">${esc(err.message)}</p>`);
    return;
  }
  const from = [p.lon, p.lat];
  const near = [['shelter', p.nearest.shelter], ['water', p.nearest.water_source], ['depot', p.nearest.depot]].filter(([, f]) => f);
  app.tools.draw('links', near.map(([, f]) => facilityLine(from, f)));
  const admin = p.admin.map((a) => esc(a.name)).join(' › ') || t('none');
  const grids = p.grids.map((g) => `<li class="hit">${esc(g.properties.name || g.properties.grid_code)} (L${esc(g.properties.level)})${
    g.assigned_shelter ? ` → ${esc(g.assigned_shelter.properties.name)} <small>${metres(g.assigned_shelter.distance_m)}</small>` : ''}</li>`).join('');
  const hz = p.hazards.map((h) => `<li class="hit"><i class="swatch" style="background:${GRADES.find((g) => g.grade === h.grade)?.color}"></i>${
    esc(getLang() === 'zh' ? h.hazard_type_zh : h.hazard_type)} · ${esc(getLang() === 'zh' ? h.grade_zh : `grade ${h.grade}`)}</li>`).join('');
  const nr = near.map(([k, f]) => `<li>${esc(t(k))}: ${esc(f.properties.name || f.fid)} <b>${metres(f.distance_m)}</b></li>`).join('');
  showResult(`${t('riskProfile')} ${lng.toFixed(5)}, ${lat.toFixed(5)}`, `
    <h3>${esc(t('adminChain'))}</h3><p>${admin}</p>
    <h3>${esc(t('hazards'))}</h3><ul class="plain" id="profile-hazards">${hz || `<li>${esc(t('none'))}</li>`}</ul>
    <h3>${esc(t('grids'))}</h3><ul class="plain" id="profile-grids">${grids || `<li>${esc(t('none'))}</li>`}</ul>
    <h3>${esc(t('nearest'))}</h3><ul class="plain" id="profile-nearest">${nr || `<li>${esc(t('none'))}</li>`}</ul>`);
}

// ---------------------------------------------------------------- search + area summary

async function adminIndex() {
  if (!app.admin) app.admin = (await api('/viewer/admin.json')).units;
  return app.admin;
}

function setupSearch() {
  const input = $('#search-input');
  const list = $('#search-results');
  const levels = { province: 0, prefecture: 1, county: 2, township: 3, village: 4 };
  input.addEventListener('input', async () => {
    const q = input.value.trim();
    if (!q) { list.hidden = true; return; }
    const units = await adminIndex();
    const hits = units.filter((u) => (u.name && u.name.includes(q)) || (u.code && u.code.startsWith(q)))
      .sort((a, b) => (levels[a.level] ?? 9) - (levels[b.level] ?? 9)).slice(0, 12);
    list.innerHTML = hits.map((u, i) => `<li data-i="${i}"><b>${esc(u.name)}</b> <small>${esc(u.code)}</small></li>`).join('') || `<li>${esc(t('noData'))}</li>`;
    list.hidden = false;
    list.querySelectorAll('li[data-i]').forEach((li) => li.addEventListener('click', () => {
      const u = hits[Number(li.dataset.i)];
      list.hidden = true;
      input.value = u.name;
      if (u.bbox) app.map.fitBounds(boundsOf(u.bbox), { padding: 40, duration: TEST ? 0 : 800 });
      loadArea(u.code, u.name);
    }));
  });
  $('#search').addEventListener('submit', (e) => { e.preventDefault(); list.querySelector('li[data-i]')?.click(); });
}

async function loadArea(code, name) {
  if (!code || code === app.areaCode) return;
  app.areaCode = code;
  $('#area-name').textContent = name || code;
  try {
    const s = await api(`/api/v1/areas/${encodeURIComponent(code)}/summary`);
    if (app.areaCode !== code) return;
    const f = s.figures;
    const high = f.exposure.map((h) => {
      const p = h.by_grade.filter((g) => g.grade >= 3).reduce((a, g) => a + g.persons, 0);
      return `<tr><th>${esc(getLang() === 'zh' ? h.hazard_type_zh : h.hazard_type)}</th><td>${fmt(p)}</td></tr>`;
    }).join('');
    $('#area-summary').innerHTML = `<table class="props">
      <tr><th>${esc(t('persons'))}</th><td>${fmt(f.persons)}</td></tr>
      <tr><th>${esc(t('toMove'))}</th><td>${fmt(f.persons_to_move)}</td></tr>
      <tr><th>${esc(t('capacityOpen'))}</th><td>${fmt(f.shelter_capacity_open)}</td></tr>
      <tr><th>${esc(t('gap'))}</th><td class="${f.capacity_gap > 0 ? 'bad' : ''}">${fmt(f.capacity_gap)}</td></tr>
      <tr><th>${esc(t('depots'))}</th><td>${fmt(f.depots)}</td></tr>
      <tr><th>${esc(t('waterSources'))}</th><td>${fmt(f.water_sources)}</td></tr></table>
      <h3>${esc(t('riskGrade'))} ≥ ${esc(getLang() === 'zh' ? '较高' : 'fairly high')}</h3><table class="props">${high}</table>`;
  } catch (err) {
    $('#area-summary').innerHTML = `<p class="error">${esc(err.message)}</p>`;
  }
}

let areaTimer = null;
function areaInView() {
  clearTimeout(areaTimer);
  areaTimer = setTimeout(async () => {
    const c = app.map.getCenter();
    try {
      const p = await api(`/api/v1/point?lon=${c.lng.toFixed(5)}&lat=${c.lat.toFixed(5)}`);
      const want = app.map.getZoom() >= 10 ? ['township', 'county'] : ['county', 'prefecture'];
      const unit = want.map((lv) => p.admin.find((a) => a.level === lv)).find(Boolean);
      if (unit) loadArea(unit.code, unit.name);
    } catch { /* outside the data: keep the last summary */ }
  }, 400);
}

// ---------------------------------------------------------------- start-up

function relabel() {
  applyStatic();
  $('#lang-button').textContent = getLang() === 'zh' ? 'EN' : '中文';
  buildTree();
  buildLegend();
  app.events?.renderList();
  if (app.events?.openId) app.events.open(app.events.openId).catch(() => {});
  const code = app.areaCode;
  app.areaCode = null;
  if (code) loadArea(code, $('#area-name').textContent);
}

function tianditu() {
  const key = app.config.tianditu_key;
  if (!key) return;
  $('#basemap-choice').hidden = false;
  const src = (layer) => ({
    type: 'raster', tileSize: 256,
    tiles: [0, 1, 2, 3].map((i) => `https://t${i}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=${encodeURIComponent(key)}`),
    attribution: '天地图',
  });
  document.querySelectorAll('input[name=basemap]').forEach((r) => r.addEventListener('change', () => {
    for (const id of ['tdt-base', 'tdt-label']) { if (app.map.getLayer(id)) app.map.removeLayer(id); if (app.map.getSource(id)) app.map.removeSource(id); }
    if (r.value === 'none') return;
    const [base, lab] = r.value === 'vec' ? ['vec', 'cva'] : ['img', 'cia'];
    app.map.addSource('tdt-base', src(base));
    app.map.addSource('tdt-label', src(lab));
    const first = app.map.getStyle().layers[1]?.id;
    app.map.addLayer({ id: 'tdt-base', type: 'raster', source: 'tdt-base' }, first);
    app.map.addLayer({ id: 'tdt-label', type: 'raster', source: 'tdt-label' }, first);
  }));
}

async function start() {
  setLang(getLang());
  app.config = await api('/viewer/config.json');
  for (const l of app.config.layers) app.schemas.set(l.id, l);
  const hz = app.schemas.get('hazard_zones')?.fields.find((f) => f.name === 'hazard_type');
  app.hazardType = hz?.values.some((v) => v.value === HAZARD_DEFAULT) ? HAZARD_DEFAULT : hz?.values[0]?.value || null;
  const v = app.config.dataset_version;
  $('#dataset').textContent = `${app.config.title} · ${t('version')} ${v}${app.config.layers.some((l) => l.synthetic) ? ` · ${t('synthetic')}` : ''}`;

  const map = new maplibregl.Map({
    container: 'map',
    style: baseStyle(app.config.layers, { hazardType: app.hazardType }),
    bounds: app.config.bbox ? boundsOf(app.config.bbox) : undefined,
    fitBoundsOptions: { padding: 20 },
    // The view (zoom/lat/lon) lives in the URL's #fragment, so a view can be shared and
    // survives a reload; a URL with one opens there instead of the dataset's bounds.
    hash: true,
    transformRequest,
    attributionControl: { customAttribution: app.config.attribution || '' },
    canvasContextAttributes: { preserveDrawingBuffer: TEST },
    preserveDrawingBuffer: TEST,
    fadeDuration: TEST ? 0 : 300,
  });
  app.map = map;
  window.__map = map;
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ maxWidth: 160, unit: 'metric' }), 'bottom-right');
  map.doubleClickZoom.disable();
  app.tools = new Tools(app, { maplibregl, showResult, t });
  app.events = new Events(app, { t, showResult });
  relabel();
  setupSearch();
  tianditu();

  map.on('mousemove', (e) => { $('#coords').textContent = `${e.lngLat.lng.toFixed(5)}, ${e.lngLat.lat.toFixed(5)}`; });
  map.on('click', async (e) => {
    if (app.tools.handleClick(e)) return;
    await featurePopup(e);
    await riskProfile(e.lngLat);
  });
  map.on('dblclick', (e) => app.tools.handleDblClick(e));
  map.on('moveend', areaInView);
  map.once('load', () => { app.tools.install(); app.events.install(); areaInView(); });

  $('#lang-button').addEventListener('click', () => { setLang(getLang() === 'zh' ? 'en' : 'zh'); relabel(); app.tools.relabel(); });
  $('#key-button').addEventListener('click', () => {
    const k = prompt(t('keyPrompt'), apiKey());
    if (k === null) return;
    setApiKey(k.trim());
    location.reload();
  });
  $('#result-close').addEventListener('click', () => { $('#result').hidden = true; app.tools.clear(); app.events.close(); });
  document.querySelectorAll('#tools button').forEach((b) => b.addEventListener('click', () => {
    document.querySelectorAll('#tools button').forEach((x) => x.classList.toggle('active', x === b));
    app.tools.select(b.dataset.tool);
  }));
}

start().catch((err) => {
  document.body.insertAdjacentHTML('beforeend', `<div class="fatal">${esc(t('error'))}: ${esc(err.message)}</div>`);
});
