// The viewer's events panel: the events list (active first), one event's details,
// timeline (its revisions) and 叫应 progress, its grids coloured by 叫应 state on the
// map, live through the SSE stream. Cleared keys (admin, system) also create a
// warning by drawing its polygon (the drawing tool in tools.js), revise it (redraw,
// change level or expiry: a new revision) and close or cancel it.

import { api, postJson, esc, fmt } from './common.js';

export const LEVEL_COLOUR = { 1: '#2f7fd8', 2: '#f7d51d', 3: '#f58a07', 4: '#e02020' };
/** 叫应 states as the map colours them. */
export const GRID_STATES = { not_called: '#9e9e9e', called: '#ffb300', answered: '#1e88e5', moved: '#2e7d32' };
const EMPTY = { type: 'FeatureCollection', features: [] };
const EXPIRY_HOURS = [6, 12, 24, 48, 72];

/** A grid's 叫应 state: moved once a count is reported, else answered, called, not called. */
export function gridState(g) {
  if (g.persons_moved > 0) return 'moved';
  if (g.answered_at) return 'answered';
  if (g.called_at) return 'called';
  return 'not_called';
}

const when = (s) => (s ? new Date(s).toLocaleString(document.documentElement.lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false }) : '—');

export class Events {
  constructor(app, { t, showResult }) {
    Object.assign(this, { app, t, showResult });
    this.list = [];
    this.openId = null; // the event whose details are shown
    this.redrawing = null; // the event a drawn polygon revises
    this.stream = null;
    this.reloads = 0;
  }

  get map() { return this.app.map; }

  /** Admin and system keys write events; everyone else reads. */
  get cleared() { return ['admin', 'system'].includes(this.app.config?.role); }

  hazardTypes() {
    return this.app.schemas.get('hazard_zones')?.fields.find((f) => f.name === 'hazard_type')?.values || [];
  }

  hazardLabel(type) {
    const v = this.hazardTypes().find((x) => x.value === type);
    return v ? (document.documentElement.lang === 'en' ? v.en : v.zh) : type;
  }

  install() {
    const m = this.map;
    m.addSource('live-events', { type: 'geojson', data: EMPTY });
    m.addLayer({ id: 'live-events--fill', type: 'fill', source: 'live-events', filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': ['match', ['get', 'level'], ...Object.entries(LEVEL_COLOUR).flatMap(([k, c]) => [Number(k), c]), '#777'], 'fill-opacity': 0.12 } });
    m.addLayer({ id: 'live-events--line', type: 'line', source: 'live-events',
      paint: { 'line-color': ['match', ['get', 'level'], ...Object.entries(LEVEL_COLOUR).flatMap(([k, c]) => [Number(k), c]), '#555'], 'line-width': 2.5 } });
    // The open warning's grids on the composite tiles' evacuation_grids (they carry
    // grid_code), coloured by a match on it: no feature ids or second source needed.
    m.addLayer({ id: 'live-events--grids', type: 'fill', source: 'onemap', 'source-layer': 'evacuation_grids',
      filter: ['in', ['get', 'grid_code'], ['literal', []]], paint: { 'fill-color': GRID_STATES.not_called, 'fill-opacity': 0.6 } });
    m.addLayer({ id: 'live-events--grids-line', type: 'line', source: 'onemap', 'source-layer': 'evacuation_grids',
      filter: ['in', ['get', 'grid_code'], ['literal', []]], paint: { 'line-color': '#263238', 'line-width': 1 } });
    this.refresh().catch((err) => this.listError(err));
    this.connect();
  }

  listError(err) {
    const el = document.getElementById('events-list');
    if (el) el.innerHTML = `<li class="error">${esc(err.message)}</li>`;
  }

  connect() {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/v1/events/stream');
    this.stream = es;
    // A burst of writes (a batch of 叫应 reports) becomes one re-read every 250 ms.
    let timer = null;
    let reopen = false;
    const on = (e) => {
      let msg = {};
      try { msg = JSON.parse(e.data); } catch { return; }
      if (msg.event_id && msg.event_id === this.openId) reopen = true;
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        this.refresh().catch((err) => this.listError(err));
        if (reopen && this.openId) this.open(this.openId).catch(() => {});
        reopen = false;
      }, 250);
    };
    for (const kind of ['revision', 'analysis', 'grids', 'lagged']) es.addEventListener(kind, on);
  }

  /** Re-reads the list; the active events' areas go on the map. */
  async refresh() {
    const fc = await api('/api/v1/events?limit=100');
    const rank = (f) => (f.properties.status === 'active' ? 0 : 1);
    this.list = fc.features.slice().sort((a, b) => rank(a) - rank(b));
    // Which dataset version each active event's figures come from: its analysis, in
    // the one-event read (the list does not carry it); few events are active at once.
    await Promise.all(this.list.filter((f) => f.properties.status === 'active').slice(0, 20).map(async (f) => {
      try { f.analysis = (await api(`/api/v1/events/${encodeURIComponent(f.id)}`)).properties.analysis; } catch { /* shown without */ }
    }));
    this.renderList();
    const active = this.list.filter((f) => f.properties.status === 'active' && f.geometry)
      .map((f) => ({ type: 'Feature', geometry: f.geometry, properties: { id: f.id, level: f.properties.level || 0 } }));
    this.map.getSource('live-events')?.setData({ type: 'FeatureCollection', features: active });
    this.reloads += 1;
  }

  renderList() {
    const t = this.t;
    const tools = document.getElementById('events-tools');
    if (tools) {
      tools.innerHTML = this.cleared
        ? `<button type="button" id="event-draw">${esc(t('evDraw'))}</button>`
        : `<small class="muted">${esc(t('evReadOnly'))}</small>`;
      const b = document.getElementById('event-draw');
      if (b) b.onclick = () => { this.redrawing = null; this.app.tools.select('warning'); };
    }
    const el = document.getElementById('events-list');
    if (!el) return;
    el.innerHTML = this.list.map((f) => {
      const p = f.properties;
      const colour = LEVEL_COLOUR[p.level] || '#777';
      return `<li data-event="${esc(f.id)}" class="ev-${esc(p.status)}${f.id === this.openId ? ' open' : ''}">
        <i class="swatch" style="background:${colour}"></i><b>${esc(t(`kind_${p.kind}`))}</b> ${esc(this.hazardLabel(p.hazard_type))}
        ${p.level ? `<span class="ev-level">${esc(t(`level_${p.level}`))}</span>` : ''}
        <br><small><span class="ev-status">${esc(t(`status_${p.status}`))}</span> · ${esc(t('evRevision'))} <span class="ev-rev">${fmt(p.revision)}</span>
        · ${esc(when(p.recorded_at))}${f.analysis?.dataset_version ? `<br>${esc(t('version'))} <span class="ev-dataset">${esc(f.analysis.dataset_version)}</span>` : ''}</small></li>`;
    }).join('') || `<li class="muted">${esc(t('noData'))}</li>`;
    el.querySelectorAll('li[data-event]').forEach((li) => li.addEventListener('click', () => this.open(li.dataset.event, { fly: true }).catch((err) => {
      this.showResult(t('events'), `<p class="error">${esc(err.message)}</p>`);
    })));
  }

  /** Shows one event: details, timeline, progress; colours its grids. `fly`: bring
   *  its area into view (grids are drawn from zoom 9). */
  async open(id, { fly = false } = {}) {
    this.openId = id;
    const enc = encodeURIComponent(id);
    const [ev, hist] = await Promise.all([api(`/api/v1/events/${enc}`), api(`/api/v1/events/${enc}/history`)]);
    let progress = null;
    // Progress rests on the current revision's analysis: asked for once it is done
    // (the stream's `analysis` message re-opens the event), not while it runs.
    const analysed = ev.properties.analysis?.status === 'done';
    if (ev.properties.kind === 'warning' && analysed) {
      try { progress = await api(`/api/v1/events/${enc}/progress`); } catch (err) { progress = { error: err }; }
    }
    if (this.openId !== id) return;
    this.current = ev;
    if (fly && ev.geometry) this.fly(ev.geometry);
    this.renderDetails(ev, hist, progress);
    this.colourGrids(progress?.grids || []);
    this.renderList();
  }

  fly(geometry) {
    const pts = [];
    const walk = (c) => { if (typeof c[0] === 'number') pts.push(c); else c.forEach(walk); };
    (geometry.geometries || [geometry]).forEach((g) => walk(g.coordinates));
    if (!pts.length) return;
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    this.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]],
      { padding: 80, maxZoom: 13, duration: 0 });
  }

  colourGrids(grids) {
    const m = this.map;
    if (!m.getLayer('live-events--grids')) return;
    const codes = grids.map((g) => g.grid_code);
    const filter = ['in', ['get', 'grid_code'], ['literal', codes]];
    m.setFilter('live-events--grids', filter);
    m.setFilter('live-events--grids-line', filter);
    const pairs = grids.flatMap((g) => [g.grid_code, GRID_STATES[gridState(g)]]);
    m.setPaintProperty('live-events--grids', 'fill-color', pairs.length ? ['match', ['get', 'grid_code'], ...pairs, GRID_STATES.not_called] : GRID_STATES.not_called);
  }

  close() {
    this.openId = null;
    this.current = null;
    this.colourGrids([]);
    this.renderList();
  }

  figures(p) {
    const t = this.t;
    const x = p.totals;
    const age = x.oldest_unanswered_call_age_s;
    return `<div class="summary" id="ev-progress">
      <div><span>${esc(t('evGrids'))}</span><b data-k="grids">${fmt(x.grids)}</b></div>
      <div><span>${esc(t('evCalled'))}</span><b data-k="called">${fmt(x.called)}</b></div>
      <div><span>${esc(t('evAnswered'))}</span><b data-k="answered">${fmt(x.answered)}</b></div>
      <div class="${x.silent > 0 ? 'bad' : ''}"><span>${esc(t('evSilent'))}</span><b data-k="silent">${fmt(x.silent)}</b></div>
      <div><span>${esc(t('toMove'))}</span><b data-k="persons_to_move">${fmt(x.persons_to_move)}</b></div>
      <div><span>${esc(t('evMoved'))}</span><b data-k="persons_moved">${fmt(x.persons_moved)}</b></div>
      <div><span>${esc(t('evRemaining'))}</span><b data-k="persons_remaining">${fmt(x.persons_remaining)}</b></div>
      <div><span>${esc(t('evOldest'))}</span><b data-k="oldest">${age === null || age === undefined ? '—' : `${fmt(Math.round(age / 60))} min`}</b></div>
    </div>
    <ul class="plain legend-states">${Object.entries(GRID_STATES).map(([k, c]) => `<li><i class="swatch" style="background:${c}"></i>${esc(t(`grid_${k}`))}</li>`).join('')}</ul>
    <table class="grid-table" id="ev-grids"><thead><tr><th>${esc(t('gridName'))}</th><th>${esc(t('toMove'))}</th><th>${esc(t('evState'))}</th><th>${esc(t('evMoved'))}</th>${
      p.grids.some((g) => 'responsible_person' in g) ? `<th>${esc(t('evResponsible'))}</th>` : ''}</tr></thead><tbody>${
      p.grids.map((g) => `<tr data-grid="${esc(g.grid_code)}"><td>${esc(g.name || g.grid_code)}</td><td class="num">${fmt(g.persons_to_move)}</td>
        <td><i class="swatch" style="background:${GRID_STATES[gridState(g)]}"></i>${esc(t(`grid_${gridState(g)}`))}</td><td class="num">${fmt(g.persons_moved)}</td>${
        'responsible_person' in g ? `<td>${esc(g.responsible_person)} ${esc(g.responsible_phone)}</td>` : ''}</tr>`).join('')}</tbody></table>`;
  }

  renderDetails(ev, hist, progress) {
    const t = this.t;
    const p = ev.properties;
    const a = p.analysis || {};
    const timeline = hist.revisions.map((r) => `<li data-rev="${r.revision}"><b>${esc(t('evRevision'))} ${fmt(r.revision)}</b> · ${esc(t(`action_${r.action}`))}
      · ${esc(when(r.recorded_at))} · ${esc(r.actor.key_name ? `${r.actor.key_name} (${r.actor.role})` : r.actor.role)}
      ${r.state.details?.level ? ` · ${esc(t(`level_${r.state.details.level}`))}` : ''}</li>`).join('');
    let prog = '';
    if (p.kind !== 'warning' && a.summary) prog = this.summaryTable(a.summary);
    if (progress?.totals) prog = this.figures(progress);
    else if (p.kind === 'warning' && a.status === 'pending') prog = `<p class="muted" id="ev-progress-pending">${esc(t('evPending'))}</p>`;
    else if (progress?.error) prog = `<p class="muted" id="ev-progress-pending">${esc(progress.error.code === 'analysis_pending' ? t('evPending') : progress.error.message)}</p>`;
    const writable = this.cleared && p.status === 'active';
    const edit = writable && p.kind === 'warning' ? `<div id="ev-edit">
      <label>${esc(t('evLevel'))} ${this.levelSelect('ev-level', p.level)}</label>
      <label>${esc(t('evExpires'))} ${this.expirySelect('ev-expires')}</label>
      <button type="button" id="ev-update">${esc(t('evUpdate'))}</button>
      <button type="button" id="ev-redraw">${esc(t('evRedraw'))}</button></div>` : '';
    const end = writable ? `<button type="button" id="ev-close">${esc(t('evClose'))}</button> <button type="button" id="ev-cancel">${esc(t('evCancel'))}</button>` : '';
    this.showResult(`${t(`kind_${p.kind}`)} · ${this.hazardLabel(p.hazard_type)}${p.level ? ` · ${t(`level_${p.level}`)}` : ''}`, `
      <table class="props" id="ev-details">
        <tr><th>${esc(t('evStatus'))}</th><td id="ev-status">${esc(t(`status_${p.status}`))}</td></tr>
        <tr><th>${esc(t('evRevision'))}</th><td id="ev-revision">${fmt(p.revision)}</td></tr>
        ${p.headline ? `<tr><th>${esc(t('evHeadline'))}</th><td>${esc(p.headline)}</td></tr>` : ''}
        <tr><th>${esc(t('evEffective'))}</th><td>${esc(when(p.effective))}</td></tr>
        <tr><th>${esc(t('evExpires'))}</th><td>${esc(when(p.expires))}</td></tr>
        <tr><th>${esc(t('evAnalysis'))}</th><td id="ev-analysis">${esc(t(`analysis_${a.status}`))}${a.dataset_version ? ` · ${esc(t('version'))} <span id="ev-dataset">${esc(a.dataset_version)}</span>` : ''}</td></tr>
      </table>
      ${edit}<p id="ev-status-line"></p>
      <h3>${esc(t(p.kind === 'warning' ? 'evProgress' : 'evAnalysis'))}</h3>${prog || `<p class="muted">${esc(t('none'))}</p>`}
      <h3>${esc(t('evTimeline'))}</h3><ul class="plain timeline" id="ev-timeline">${timeline}</ul>`, end);
    this.wire(ev);
  }

  /** An earthquake's or a fire's analysis summary: its figures as they come. */
  summaryTable(sum) {
    const rows = Object.entries(sum).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `<tr><th>${esc(this.t(`sum_${k}`))}</th><td>${esc(typeof v === 'number' ? fmt(v, 2) : v)}</td></tr>`);
    const named = Object.entries(sum).filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v) && (v.name || v.properties?.name))
      .map(([k, v]) => `<tr><th>${esc(this.t(`sum_${k}`))}</th><td>${esc(v.name || v.properties?.name)}</td></tr>`);
    return `<table class="props" id="ev-summary">${[...rows, ...named].join('')}</table>`;
  }

  levelSelect(id, current) {
    return `<select id="${id}">${[1, 2, 3, 4].map((l) => `<option value="${l}" ${l === Number(current) ? 'selected' : ''}>${esc(this.t(`level_${l}`))}</option>`).join('')}</select>`;
  }

  expirySelect(id) {
    return `<select id="${id}"><option value="">${esc(this.t('evKeep'))}</option>${EXPIRY_HOURS.map((h) => `<option value="${h}">${h} h</option>`).join('')}</select>`;
  }

  wire(ev) {
    const say = (m) => { const el = document.getElementById('ev-status-line'); if (el) el.textContent = m; };
    const guard = (f) => async () => { try { await f(); } catch (err) { say(err.message); } };
    const on = (id, f) => { const el = document.getElementById(id); if (el) el.onclick = guard(f); };
    on('ev-update', () => this.revise(ev, {
      level: Number(document.getElementById('ev-level').value),
      hours: document.getElementById('ev-expires').value,
    }));
    on('ev-redraw', () => { this.redrawing = ev; this.app.tools.select('warning'); });
    on('ev-close', () => this.end(ev.id, 'closed'));
    on('ev-cancel', () => this.end(ev.id, 'cancelled'));
  }

  /** The warning body of a revision: the whole state again (a revision replaces it). */
  body(ev, { level, ring, hours }) {
    const p = ev.properties;
    const out = { type: 'warning', event_id: ev.id, hazard_type: p.hazard_type, level: level ?? p.level,
      area: ring ? { polygons: [ring] } : p.area };
    if (p.headline) out.headline = p.headline;
    if (p.description) out.description = p.description;
    const expires = hours ? new Date(Date.now() + Number(hours) * 3600_000).toISOString() : p.expires;
    if (expires) out.expires = expires;
    return out;
  }

  async revise(ev, change) {
    const r = await postJson('/api/v1/events', this.body(ev, change));
    await this.refresh();
    await this.open(r.event.id);
  }

  async end(id, status) {
    await postJson('/api/v1/events', { type: 'end', event_id: id, status });
    await this.refresh();
    await this.open(id);
  }

  /** The form the drawing tool shows for a warning. */
  drawForm() {
    const t = this.t;
    if (this.redrawing) return `<b>${esc(t('evRedraw'))}</b>`;
    const types = this.hazardTypes();
    const opts = types.map((v) => `<option value="${esc(v.value)}" ${v.value === 'flood' ? 'selected' : ''}>${esc(this.hazardLabel(v.value))}</option>`).join('');
    return `<select id="warn-hazard">${opts || '<option value="flood">flood</option>'}</select>
      ${this.levelSelect('warn-level', 3)} <label>${esc(t('evExpires'))} ${this.expirySelect('warn-expires')}</label>
      <input id="warn-headline" type="text" placeholder="${esc(t('evHeadline'))}">`;
  }

  /** The drawing tool finished a ring: create the warning, or revise the one redrawn. */
  async submitDrawn(ring) {
    const t = this.t;
    try {
      let r;
      if (this.redrawing) {
        r = await postJson('/api/v1/events', this.body(this.redrawing, { ring }));
      } else {
        const body = { type: 'warning', hazard_type: document.getElementById('warn-hazard')?.value || 'flood',
          level: Number(document.getElementById('warn-level')?.value || 3), area: { polygons: [ring] } };
        const hours = document.getElementById('warn-expires')?.value;
        if (hours) body.expires = new Date(Date.now() + Number(hours) * 3600_000).toISOString();
        const headline = document.getElementById('warn-headline')?.value.trim();
        if (headline) body.headline = headline;
        r = await postJson('/api/v1/events', body);
      }
      this.redrawing = null;
      this.app.tools.select('profile');
      await this.refresh();
      await this.open(r.event.id);
    } catch (err) {
      this.showResult(t('events'), `<p class="error">${esc(err.status === 401 || err.status === 403 ? t('evNeedKey') : err.message)}</p>`);
    }
  }
}
