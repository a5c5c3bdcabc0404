// The wall's 预警叫应 panel: every active event with its live progress (persons moved
// against persons to move; grids answered against grids called) and its area on the
// map. Public endpoints only (the wall has no key): the event list and each warning's
// progress, which the server computes with public access, so nothing personal reaches
// the screen. Live through the SSE stream; while the stream is down it polls.

import { api, esc, fmt } from './common.js';

const LEVEL_COLOUR = { blue: '#2f7fd8', yellow: '#f7d51d', orange: '#f58a07', red: '#e02020' };
const KIND_ZH = { warning: '预警', earthquake: '地震', fire: '火情' };
const EMPTY = { type: 'FeatureCollection', features: [] };
/** Raw stream messages kept for inspection (tests check them for personal data). */
const FEED_KEEP = 200;
/** Events the panel lists one by one on a 1080p wall; the rest are summed on one line. */
const MAX_SHOWN = 3;

export class WallEvents {
  constructor(wall, { pollMs = 1000 } = {}) {
    Object.assign(this, { wall, pollMs });
    this.events = []; // active event features, latest change first
    this.progress = new Map(); // event id -> public progress, or { pending | error }
    this.feed = [];
    /** Warnings with a new revision whose analysis is still running: their progress
     *  is a 409 until the stream's `analysis` message, so it is read after that. */
    this.awaiting = new Set();
    this.dirty = new Set(); // warnings whose grids changed since the last read
    this.dirtyAll = false; // the list itself may have changed
    this.flushTimer = null;
    this.stream = null;
    this.pollTimer = null;
    this.renders = 0;
    this.queue = Promise.resolve(); // reads one after another: a late answer never overwrites a newer one
  }

  hazardZh(type) {
    const f = this.wall.config?.layers.find((l) => l.id === 'hazard_zones')?.fields.find((x) => x.name === 'hazard_type');
    return f?.values.find((v) => v.value === type)?.zh || type;
  }

  async start() {
    await this.refreshAll();
    this.connect();
  }

  /** Re-reads the active events and every warning's progress. */
  async refreshAll() {
    const list = await api('/api/v1/events?status=active&limit=100');
    this.events = list.features;
    const ids = new Set(this.events.map((e) => e.id));
    for (const id of [...this.progress.keys()]) if (!ids.has(id)) this.progress.delete(id);
    const warnings = this.events.filter((e) => e.properties.kind === 'warning' && !this.awaiting.has(e.id));
    await Promise.all(warnings.map((e) => this.readProgress(e.id)));
    this.render();
    this.draw();
    delete document.querySelector('#panel-events h2')?.dataset.error;
  }

  async readProgress(id) {
    try {
      this.progress.set(id, await api(`/api/v1/events/${encodeURIComponent(id)}/progress`));
    } catch (err) {
      // 409 while the analysis runs (or failed); 404 once the event is gone.
      this.progress.set(id, { pending: err.code === 'analysis_pending', error: err.code });
    }
  }

  /** One message: a grid change re-reads that warning's figures; a revision or an
   *  analysis may change the list, so the whole list is re-read. */
  onMessage(kind, data) {
    let msg = {};
    try { msg = JSON.parse(data); } catch { /* keep-alive or garbage: ignore */ }
    this.feed.push(data);
    if (this.feed.length > FEED_KEEP) this.feed.shift();
    if (kind === 'revision') this.awaiting.add(msg.event_id);
    else if (kind === 'analysis') this.awaiting.delete(msg.event_id);
    else if (kind === 'lagged') this.awaiting.clear();
    if (kind === 'grids' && this.events.some((e) => e.id === msg.event_id)) this.dirty.add(msg.event_id);
    else this.dirtyAll = true;
    // A burst of writes becomes one read per warning every 200 ms, well within 2 s.
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.queue = this.queue.then(() => this.flush());
      }, 200);
    }
  }

  async flush() {
    const [all, ids] = [this.dirtyAll, [...this.dirty]];
    this.dirtyAll = false;
    this.dirty.clear();
    try {
      if (all) {
        await this.refreshAll();
      } else {
        await Promise.all(ids.map((id) => this.readProgress(id)));
        this.render();
      }
      this.wall.markOk?.();
    } catch (err) {
      this.failed(err);
    }
  }

  connect() {
    if (typeof EventSource === 'undefined') { this.startPolling(); return; }
    const es = new EventSource('/api/v1/events/stream');
    this.stream = es;
    for (const kind of ['revision', 'analysis', 'grids', 'lagged', 'change']) {
      es.addEventListener(kind, (e) => this.onMessage(kind, e.data));
    }
    es.addEventListener('open', () => {
      // Back on the stream: what changed while it was down is read once, then no polling.
      if (this.pollTimer) { this.stopPolling(); this.awaiting.clear(); this.refreshAll().catch(() => {}); }
    });
    es.addEventListener('error', () => {
      // EventSource reconnects by itself; until it does, poll so the figures stay live.
      if (es.readyState !== EventSource.OPEN) this.startPolling();
    });
  }

  startPolling() {
    if (this.pollTimer) return;
    let busy = false; // a slow server gets one read at a time, not a pile of them
    this.pollTimer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.queue = this.queue.then(() => this.refreshAll()).then(() => this.wall.markOk?.(), (err) => this.failed(err))
        .finally(() => { busy = false; });
    }, this.pollMs);
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  /** The server away marks the whole wall; the server answering with an error (no
   *  events store, 503) is said in this panel only, and the last figures stay. */
  failed(err) {
    if (!err?.status) { this.wall.markDown?.(); return; }
    const el = document.querySelector('#panel-events h2');
    if (el) el.dataset.error = String(err.status);
  }

  get polling() { return this.pollTimer !== null; }

  title(e) {
    const p = e.properties;
    if (p.kind === 'warning') return `${this.hazardZh(p.hazard_type)}${p.colour_zh ? `${p.colour_zh}色` : ''}预警`;
    if (p.kind === 'earthquake') return `M${fmt(p.details?.magnitude, 1)} 地震`;
    return KIND_ZH[p.kind] || p.kind;
  }

  figures(e) {
    const k = (name) => `event.${e.id}.${name}`;
    const pr = this.progress.get(e.id);
    if (e.properties.kind !== 'warning') return '';
    if (!pr || pr.error) return `<div class="muted" data-k="${esc(k('state'))}">${pr?.pending || this.awaiting.has(e.id) ? '分析中…' : '暂无进展'}</div>`;
    const t = pr.totals;
    const movedPct = Math.min(100, (100 * t.persons_moved) / Math.max(1, t.persons_to_move));
    const answeredPct = Math.min(100, (100 * t.answered) / Math.max(1, t.called));
    return `<div class="line">转移 <b class="n" data-k="${esc(k('persons_moved'))}">${fmt(t.persons_moved)}</b>/<b class="n" data-k="${esc(k('persons_to_move'))}">${fmt(t.persons_to_move)}</b> 人</div>
      <div class="bar"><i style="width:${movedPct}%;background:#5fd38d"></i></div>
      <div class="line">应 <b class="n" data-k="${esc(k('answered'))}">${fmt(t.answered)}</b>/叫 <b class="n" data-k="${esc(k('called'))}">${fmt(t.called)}</b>
        <span class="muted">· 共 <b data-k="${esc(k('grids'))}">${fmt(t.grids)}</b> 网格</span></div>
      <div class="bar"><i style="width:${answeredPct}%;background:#7fc4ff"></i></div>
      ${t.silent > 0 ? `<div class="line bad">未应答 <b data-k="${esc(k('silent'))}">${fmt(t.silent)}</b> · 最久 ${fmt(Math.round((t.oldest_unanswered_call_age_s || 0) / 60))} 分钟</div>` : ''}`;
  }

  render() {
    const el = document.querySelector('#panel-events .body');
    if (!el) return;
    if (!this.events.length) {
      el.innerHTML = '<div class="muted" data-k="events.none">无生效中的预警</div>';
    } else {
      // Warnings first (they have figures), the latest change first within each kind;
      // those beyond what the panel holds are summed on one line, so no figure is lost.
      const shown = [...this.events].sort((a, b) => (a.properties.kind === 'warning' ? 0 : 1) - (b.properties.kind === 'warning' ? 0 : 1));
      const rest = shown.splice(MAX_SHOWN);
      el.innerHTML = shown.map((e) => {
        const p = e.properties;
        const colour = LEVEL_COLOUR[p.colour] || '#9fb3c8';
        const dv = this.progress.get(e.id)?.dataset_version;
        // The figures' dataset version, named when it is not the one the wall shows.
        const other = dv && dv !== this.wall.config?.dataset_version ? ` · 数据版本 ${esc(dv)}` : '';
        return `<div class="event" data-event="${esc(e.id)}" data-dataset="${esc(dv || '')}">
          <div class="line event-head"><i class="lvl" style="background:${colour}"></i><b data-k="event.${esc(e.id)}.title">${esc(this.title(e))}</b></div>
          <div class="line muted small">第 <span data-k="event.${esc(e.id)}.revision">${fmt(p.revision)}</span> 版${p.headline ? ` · ${esc(p.headline)}` : ''}${other}</div>
          ${this.figures(e)}
        </div>`;
      }).join('') + this.restLine(rest);
    }
    this.renders += 1;
  }

  restLine(rest) {
    if (!rest.length) return '';
    const sum = (k) => rest.reduce((a, e) => a + (this.progress.get(e.id)?.totals?.[k] || 0), 0);
    return `<div class="event muted" data-k="events.rest"><div class="line">另有 <b data-k="events.rest.count">${fmt(rest.length)}</b> 个事件</div>
      <div class="line">转移 <b data-k="events.rest.persons_moved">${fmt(sum('persons_moved'))}</b>/<b data-k="events.rest.persons_to_move">${fmt(sum('persons_to_move'))}</b> 人</div>
      <div class="line">应 <b>${fmt(sum('answered'))}</b>/叫 <b>${fmt(sum('called'))}</b></div></div>`;
  }

  /** The active events' areas on the wall map, in their level's colour. */
  draw() {
    const src = this.wall.map?.getSource('live-events');
    if (!src) return;
    const features = this.events.filter((e) => e.geometry).map((e) => ({
      type: 'Feature', geometry: e.geometry,
      properties: { id: e.id, colour: LEVEL_COLOUR[e.properties.colour] || '#ffd54a' },
    }));
    src.setData({ type: 'FeatureCollection', features });
  }

  /** Adds the events' source and layers to a (re)loaded wall style. */
  addLayers(m) {
    m.addSource('live-events', { type: 'geojson', data: EMPTY });
    m.addLayer({ id: 'live-events--fill', type: 'fill', source: 'live-events', filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': 0.25 } });
    m.addLayer({ id: 'live-events--line', type: 'line', source: 'live-events', paint: { 'line-color': ['get', 'colour'], 'line-width': 3 } });
    m.addLayer({ id: 'live-events--point', type: 'circle', source: 'live-events', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-color': ['get', 'colour'], 'circle-radius': 9, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
    this.draw();
  }
}
