// The analyst's tools: warning-area transfer analysis (draw a polygon), earthquake
// impact (click the epicentre), forest fire (click the fire), distance measurement,
// CSV export and publishing a result to the wall screen. The `warning` tool draws a
// live warning's polygon for the events panel (events.js), which submits it.

import { api, postJson, esc, fmt, metres } from './common.js';
import { geodesicDistance } from './geodesic.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const INTENSITY_COLORS = { 6: '#fde0a0', 7: '#fcb35c', 8: '#f5772e', 9: '#e0401c', 10: '#b2161b', 11: '#7f0c1a', 12: '#4d0613' };
const SOURCES = ['draw', 'links', 'grids', 'assign', 'zones', 'marks'];

/** A ring's vertex mean: good enough to start an assignment line from a grid. */
function centre(geom) {
  const ring = geom.type === 'Polygon' ? geom.coordinates[0] : geom.coordinates[0][0];
  const n = ring.length - 1 || 1;
  const s = ring.slice(0, n).reduce((a, c) => [a[0] + c[0], a[1] + c[1]], [0, 0]);
  return [s[0] / n, s[1] / n];
}

function csvCell(v) {
  const s = String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class Tools {
  constructor(app, { maplibregl, showResult, t }) {
    Object.assign(this, { app, maplibregl, showResult, t });
    this.tool = 'profile';
    this.vertices = [];
    this.last = null; // { kind, request, result, title }
  }

  get map() { return this.app.map; }

  install() {
    const m = this.map;
    for (const s of SOURCES) m.addSource(`tool-${s}`, { type: 'geojson', data: EMPTY });
    m.addLayer({ id: 'tool--zones', type: 'fill', source: 'tool-zones',
      paint: { 'fill-color': ['match', ['get', 'intensity'], ...Object.entries(INTENSITY_COLORS).flatMap(([k, c]) => [Number(k), c]), '#fde0a0'], 'fill-opacity': 0.45 } });
    m.addLayer({ id: 'tool--zones-line', type: 'line', source: 'tool-zones', paint: { 'line-color': '#7f0c1a', 'line-width': 1 } });
    m.addLayer({ id: 'tool--grids', type: 'fill', source: 'tool-grids',
      paint: { 'fill-color': ['case', ['>', ['get', 'unplaced'], 0], '#d7191c', '#3f51b5'], 'fill-opacity': 0.35 } });
    m.addLayer({ id: 'tool--grids-line', type: 'line', source: 'tool-grids', paint: { 'line-color': '#1a237e', 'line-width': 0.8 } });
    m.addLayer({ id: 'tool--assign', type: 'line', source: 'tool-assign', paint: { 'line-color': '#00897b', 'line-width': 1.5 } });
    m.addLayer({ id: 'tool--links', type: 'line', source: 'tool-links', paint: { 'line-color': '#111', 'line-width': 2, 'line-dasharray': [2, 1] } });
    m.addLayer({ id: 'tool--draw-fill', type: 'fill', source: 'tool-draw', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#ff9800', 'fill-opacity': 0.15 } });
    m.addLayer({ id: 'tool--draw-line', type: 'line', source: 'tool-draw', paint: { 'line-color': '#e65100', 'line-width': 2 } });
    m.addLayer({ id: 'tool--marks', type: 'circle', source: 'tool-marks',
      paint: { 'circle-radius': 6, 'circle-color': '#e65100', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  }

  draw(name, features) {
    this.map.getSource(`tool-${name}`)?.setData({ type: 'FeatureCollection', features });
  }

  clear() {
    for (const s of SOURCES) this.draw(s, []);
    this.vertices = [];
  }

  hint(html) {
    const el = document.getElementById('tool-hint');
    el.hidden = !html;
    el.innerHTML = html || '';
  }

  relabel() { this.select(this.tool); }

  select(tool) {
    this.tool = tool;
    this.vertices = [];
    this.draw('draw', []);
    this.draw('marks', []);
    const t = this.t;
    this.map.getCanvas().style.cursor = tool === 'profile' ? '' : 'crosshair';
    if (tool === 'transfer') {
      const types = this.app.schemas.get('hazard_zones')?.fields.find((f) => f.name === 'hazard_type')?.values || [];
      const opts = types.map((v) => `<option value="${esc(v.value)}" ${v.value === (this.app.hazardType || 'flood') ? 'selected' : ''}>${esc(document.documentElement.lang === 'en' ? v.en : v.zh)}</option>`).join('');
      this.hint(`${esc(t('transferHint'))} <select id="transfer-hazard">${opts || '<option value="flood">flood</option>'}</select>
        <select id="transfer-scope"><option value="exposed">${esc(t('scopeExposed'))}</option><option value="all">${esc(t('scopeAll'))}</option></select>
        <label>${esc(t('minGrade'))} <select id="transfer-grade"><option value="3" selected>3 较高</option><option value="4">4 高</option><option value="2">2 较低</option><option value="1">1 低</option></select></label>
        <button type="button" id="draw-finish">${esc(t('finish'))}</button> <button type="button" id="draw-cancel">${esc(t('cancel'))}</button>`);
      document.getElementById('draw-finish').onclick = () => this.finishPolygon();
      document.getElementById('draw-cancel').onclick = () => this.select('transfer');
    } else if (tool === 'warning') {
      this.hint(`${esc(t('warningHint'))} ${this.app.events.drawForm()}
        <button type="button" id="draw-finish">${esc(t('finish'))}</button> <button type="button" id="draw-cancel">${esc(t('cancel'))}</button>`);
      document.getElementById('draw-finish').onclick = () => this.finishPolygon();
      document.getElementById('draw-cancel').onclick = () => { this.app.events.redrawing = null; this.select('profile'); };
    } else if (tool === 'earthquake') {
      this.hint(`${esc(t('eqHint'))} <label>${esc(t('magnitude'))} <input id="eq-mag" type="number" min="4" max="8.5" step="0.1" value="6.5"></label>
        <label>${esc(t('depth'))} <input id="eq-depth" type="number" min="0" max="100" step="1" value="10"></label>`);
    } else if (tool === 'fire') {
      this.hint(esc(t('fireHint')));
    } else if (tool === 'measure') {
      this.hint(esc(t('measureHint')));
    } else {
      this.hint('');
    }
  }

  /** Returns true when the active tool consumed the click. */
  handleClick(e) {
    const p = [e.lngLat.lng, e.lngLat.lat];
    switch (this.tool) {
      case 'transfer':
      case 'warning':
      case 'measure':
        this.vertices.push(p);
        this.sketch();
        return true;
      case 'earthquake':
        this.earthquake(p);
        return true;
      case 'fire':
        this.fire(p);
        return true;
      default:
        return false;
    }
  }

  handleDblClick() {
    if (this.tool === 'transfer' || this.tool === 'warning') this.finishPolygon();
    else if (this.tool === 'measure') this.vertices = [];
  }

  sketch() {
    const v = this.vertices;
    const marks = v.map((c) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: c } }));
    let shape = [];
    if ((this.tool === 'transfer' || this.tool === 'warning') && v.length >= 3) {
      shape = [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...v, v[0]]] } }];
    } else if (v.length >= 2) {
      shape = [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: v } }];
    }
    this.draw('draw', shape);
    this.draw('marks', marks);
    if (this.tool === 'measure' && v.length >= 2) {
      let total = 0;
      for (let i = 1; i < v.length; i += 1) total += geodesicDistance(v[i - 1], v[i]);
      this.hint(`${esc(this.t('measureHint'))} — <b id="measure-total">${metres(total)}</b>`);
    }
  }

  // ------------------------------------------------------------------ transfer

  async finishPolygon() {
    // A double-click also lands two clicks: drop a repeated last vertex.
    const v = this.vertices.filter((c, i, a) => i === 0 || c[0] !== a[i - 1][0] || c[1] !== a[i - 1][1]);
    if (v.length < 3) return;
    if (this.tool === 'warning') {
      this.vertices = [];
      this.draw('draw', []);
      this.draw('marks', []);
      await this.app.events.submitDrawn([...v, v[0]]);
      return;
    }
    const hazard = document.getElementById('transfer-hazard')?.value || 'flood';
    const scope = document.getElementById('transfer-scope')?.value || 'exposed';
    const minGrade = Number(document.getElementById('transfer-grade')?.value || 3);
    const request = { area: { type: 'Polygon', coordinates: [[...v, v[0]]] }, hazard_type: hazard, scope, min_grade: minGrade, include_geometry: true };
    this.vertices = [];
    await this.runTransfer(request);
  }

  async runTransfer(request) {
    const t = this.t;
    let r;
    try {
      r = await postJson('/api/v1/analysis/transfer', request);
    } catch (err) {
      this.showResult(t('transferResult'), `<p class="error">${esc(err.message)}</p>`);
      return null;
    }
    this.draw('draw', [{ type: 'Feature', properties: {}, geometry: request.area }]);
    this.draw('marks', []);
    const shapes = (r.geometry?.features || []).filter((f) => f.geometry);
    this.draw('grids', shapes);
    const where = await this.shelterPlaces(r.shelters.map((s) => s.fid));
    const shapeOf = new Map(shapes.map((f) => [f.id, f.geometry]));
    const lines = [];
    for (const g of r.grids) {
      const shape = shapeOf.get(g.fid);
      if (!shape) continue;
      const from = centre(shape);
      for (const a of g.assignments || []) {
        const to = where.get(a.shelter_fid);
        if (to) lines.push({ type: 'Feature', properties: { persons: a.persons, planned: a.planned }, geometry: { type: 'LineString', coordinates: [from, to] } });
      }
    }
    this.draw('assign', lines);
    this.last = { kind: 'transfer', request, result: r, title: `${t('transferResult')} · ${request.hazard_type}` };
    this.renderTransfer(r);
    return r;
  }

  async shelterPlaces(fids) {
    const out = new Map();
    await Promise.all(fids.slice(0, 300).map(async (fid) => {
      try {
        const f = await api(`/collections/shelters/items/${fid}`);
        out.set(fid, f.geometry.coordinates);
      } catch { /* a shelter we cannot place is left undrawn, still listed */ }
    }));
    return out;
  }

  transferRows(r) {
    const names = new Map(r.shelters.map((s) => [s.fid, s.name || s.shelter_id]));
    return r.grids.map((g) => ({
      code: g.grid_code, name: g.name, share: g.exposed_share, basis: g.basis, households: g.households_to_move,
      persons: g.persons_to_move, route: g.route, reason: g.reroute_reason || '',
      to: (g.assignments || []).map((a) => `${a.planned ? '' : '↪ '}${names.get(a.shelter_fid) || a.shelter_id || a.shelter_fid} (${a.persons}, ${metres(a.distance_m)})`).join('; '),
      unplaced: g.unplaced || 0,
    }));
  }

  renderTransfer(r) {
    const t = this.t;
    const s = r.summary;
    const rows = this.transferRows(r);
    const body = rows.map((x) => `<tr class="${x.unplaced > 0 ? 'unplaced' : ''}"><td>${esc(x.code)}</td><td>${esc(x.name)}</td><td>${fmt(x.share * 100, 0)}% ${esc(t(`basis_${x.basis}`))}</td>
      <td class="num">${fmt(x.persons)}</td><td>${esc(t(`route_${x.route}`))}${x.reason ? ` <small>${esc(x.reason)}</small>` : ''}</td><td>${esc(x.to)}</td><td class="num">${x.unplaced > 0 ? `<b>${fmt(x.unplaced)}</b>` : '0'}</td></tr>`).join('');
    const basis = r.exposure.scope === 'all' ? t('scopeAll') : `${t('scopeExposed')} · ${t('minGrade')} ≥ ${r.exposure.min_grade}${r.exposure.hazard_point_types.length ? ` · ${t('hazardPoints')}: ${r.exposure.hazard_point_types.join(', ')}` : ''}`;
    const calls = r.call_list ? `<h3>${esc(t('callList'))}</h3><table class="grid-table"><tbody>${r.call_list.map((c) => `<tr><td>${esc(c.grid_code)}</td><td>${esc(c.grid_name)}</td><td>${esc(c.responsible_person)}</td><td>${esc(c.responsible_phone)}</td></tr>`).join('')}</tbody></table>` : '';
    this.showResult(this.last.title, `
      <p class="muted" id="transfer-basis">${esc(basis)} · ${esc(t('personsInArea'))} ${fmt(s.persons_in_area)}</p>
      <div class="summary">
        <div><span>${esc(t('gridCount'))}</span><b id="transfer-grids">${fmt(s.grids)}</b></div>
        <div><span>${esc(t('households'))}</span><b>${fmt(s.households)}</b></div>
        <div><span>${esc(t('persons'))}</span><b id="transfer-persons">${fmt(s.persons)}</b></div>
        <div><span>${esc(t('placed'))}</span><b>${fmt(s.persons_placed)}</b></div>
        <div><span>${esc(t('route_planned'))}</span><b id="transfer-planned">${fmt(s.persons_planned)}</b></div>
        <div><span>${esc(t('route_rerouted'))}</span><b id="transfer-rerouted">${fmt(s.persons_rerouted)}</b></div>
        <div class="${s.persons_unplaced > 0 ? 'bad' : ''}"><span>${esc(t('unplaced'))}</span><b id="transfer-unplaced">${fmt(s.persons_unplaced)}</b></div>
        <div><span>${esc(t('sheltersUsed'))}</span><b>${fmt(s.shelters_used)}</b></div>
        <div><span>${esc(t('meanDistance'))}</span><b>${s.mean_distance_m ? metres(s.mean_distance_m) : '—'}</b></div>
      </div>
      ${s.persons_unplaced > 0 ? `<p class="warn">⚠ ${esc(t('unplaced'))}: ${fmt(s.persons_unplaced)} ${esc(t('persons'))}</p>` : ''}
      <table class="grid-table" id="transfer-table"><thead><tr><th>${esc(t('gridCode'))}</th><th>${esc(t('gridName'))}</th><th>${esc(t('share'))}</th>
        <th>${esc(t('toMove'))}</th><th>${esc(t('route'))}</th><th>${esc(t('assignedTo'))}</th><th>${esc(t('unplaced'))}</th></tr></thead><tbody>${body}</tbody></table>
      ${calls}`, this.actions(true));
    this.wireActions();
  }

  csv() {
    const t = this.t;
    const rows = this.transferRows(this.last.result);
    const head = [t('gridCode'), t('gridName'), t('share'), 'basis', t('households'), t('toMove'), t('route'), 'reason', t('assignedTo'), t('unplaced')];
    const lines = [head, ...rows.map((x) => [x.code, x.name, x.share, x.basis, x.households, x.persons, x.route, x.reason, x.to, x.unplaced])]
      .map((r) => r.map(csvCell).join(','));
    // BOM so that spreadsheet programs read the Chinese names as UTF-8.
    const blob = new Blob(['\ufeff', lines.join('\r\n')], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `transfer-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  actions(withCsv) {
    const t = this.t;
    return `${withCsv ? `<button type="button" id="act-csv">${esc(t('exportCsv'))}</button>` : ''}
      <button type="button" id="act-publish">${esc(t('publish'))}</button>
      <button type="button" id="act-unpublish">${esc(t('unpublish'))}</button><span id="act-status"></span>`;
  }

  wireActions() {
    const status = (m) => { document.getElementById('act-status').textContent = m; };
    const csv = document.getElementById('act-csv');
    if (csv) csv.onclick = () => this.csv();
    document.getElementById('act-publish').onclick = async () => {
      try { await this.publish(); status(this.t('published')); } catch (err) { status(err.status === 403 || err.status === 401 ? this.t('needAdmin') : err.message); }
    };
    document.getElementById('act-unpublish').onclick = async () => {
      try { await api('/api/v1/wall/publish', { method: 'DELETE' }); status('✓'); } catch (err) { status(err.status === 403 ? this.t('needAdmin') : err.message); }
    };
  }

  /** Publishes the last analysis to the wall. Only the request is sent: the server
   *  computes the wall's result itself, as a public caller, so nothing personal (nor
   *  any figure derived from it) reaches the shared screen. */
  async publish() {
    const { kind, request, title } = this.last;
    return postJson('/api/v1/wall/publish', { title, kind, request });
  }

  // ------------------------------------------------------------------ earthquake

  async earthquake(p) {
    const t = this.t;
    const magnitude = Number(document.getElementById('eq-mag')?.value || 6.5);
    const depth = Number(document.getElementById('eq-depth')?.value || 10);
    const request = { epicentre: p, magnitude, depth_km: depth };
    this.draw('marks', [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }]);
    let r;
    try {
      r = await postJson('/api/v1/analysis/earthquake', request);
    } catch (err) {
      this.showResult(t('eqResult'), `<p class="error">${esc(err.message)}</p>`);
      return;
    }
    this.draw('zones', r.zones.features);
    this.last = { kind: 'earthquake', request, result: r, title: `${t('eqResult')} M${magnitude}` };
    const rows = r.zones.features.map((z) => {
      const q = z.properties;
      return `<tr><td>${esc(q.intensity_roman)}</td><td class="num">${fmt(q.persons)}</td><td class="num">${fmt(q.grids)}</td>
        <td class="num">${fmt(q.shelters_usable)}/${fmt(q.shelters)}</td><td class="num">${fmt(q.usable_shelter_capacity)}</td><td class="num">${fmt(q.depots)}</td></tr>`;
    }).join('');
    const depots = (r.depots_in_reach || []).slice(0, 10).map((d) => `<li>${esc(d.properties?.name || d.fid)} ${metres(d.distance_m)}${d.possibly_damaged ? ' ⚠' : ''}</li>`).join('');
    this.showResult(this.last.title, `
      <p>${esc(r.relation?.name || r.relation?.citation || '')} · I₀ ${fmt(r.epicentral_intensity, 1)}</p>
      <table class="grid-table" id="eq-table"><thead><tr><th>${esc(t('intensity'))}</th><th>${esc(t('persons'))}</th><th>${esc(t('gridCount'))}</th>
        <th>${esc(t('sheltersUsable'))}</th><th>${esc(t('capacity'))}</th><th>${esc(t('depots'))}</th></tr></thead><tbody>${rows}</tbody></table>
      <h3>${esc(t('depotsInReach'))}</h3><ul class="plain">${depots || `<li>${esc(t('none'))}</li>`}</ul>
      ${(r.notes || []).map((n) => `<p class="note">${esc(n)}</p>`).join('')}`, this.actions(false));
    this.wireActions();
  }

  // ------------------------------------------------------------------ fire

  async fire(p) {
    const t = this.t;
    this.draw('marks', [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }]);
    let r;
    try {
      r = await postJson('/api/v1/analysis/fire', { point: p });
    } catch (err) {
      this.showResult(t('fireResult'), `<p class="error">${esc(err.message)}</p>`);
      return;
    }
    const line = (f) => ({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [p, [f.lon, f.lat]] } });
    this.draw('links', [...r.water_sources, ...r.fire_depots].map(line));
    const yes = (b) => (b ? '✓' : '✗');
    const rows = r.water_sources.map((w) => `<tr><td>${esc(w.properties.name || w.fid)}</td><td>${esc(w.properties.type)}</td><td class="num">${fmt(w.properties.volume_m3)}</td>
      <td>🚒${yes(w.properties.vehicle_access)} ⛽${yes(w.properties.pump_access)} 🚁${yes(w.properties.helicopter_access)}</td><td class="num">${metres(w.distance_m)}</td></tr>`).join('');
    const depots = r.fire_depots.map((d) => `<li>${esc(d.properties.name || d.fid)} ${metres(d.distance_m)}</li>`).join('');
    const counties = [r.county, ...r.neighbouring_counties].filter(Boolean).map((c) => esc(c.name)).join('、');
    this.showResult(t('fireResult'), `
      <table class="grid-table" id="fire-table"><thead><tr><th>${esc(t('water'))}</th><th>${esc(t('type'))}</th><th>${esc(t('volume'))}</th><th>${esc(t('access'))}</th><th>${esc(t('distance'))}</th></tr></thead><tbody>${rows}</tbody></table>
      <h3>${esc(t('depots'))}</h3><ul class="plain">${depots || `<li>${esc(t('none'))}</li>`}</ul>
      <h3>${esc(t('notify'))}</h3><p>${counties || esc(t('none'))}</p>`);
  }
}
