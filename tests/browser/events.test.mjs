// Live events end to end in real Chromium: an admin draws a warning in the viewer with
// mouse clicks on the map and issues it; an open wall page shows it with the figures
// of the public progress API; 叫应 and feedback PATCHed through the API reach the wall
// within 2 s without a reload, over the stream and over the polling fallback; nothing
// personal reaches the wall; the viewer revises and closes the warning and its
// timeline lists the revisions. Expected values come from the API, never typed in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BASE, ADMIN_KEY, ARTIFACTS, launch, watchedPage, mapIdle, api } from './helpers.mjs';
import { GRID_STATES } from '../../web-viewer/src/assets/app/events.js';

const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
const digits = (s) => Number(String(s).replace(/[^\d-]/g, ''));
const LIVE_MS = 2000;

let ctx;
let viewer;
let wall;
let wallBodies; // every text response the wall page received
let eventId;

/** The wall page, recording the bodies of its responses (not the endless stream). */
async function wallPage(path) {
  const p = await watchedPage(ctx);
  const bodies = [];
  p.on('response', async (r) => {
    const type = r.headers()['content-type'] || '';
    if (!/json|text|javascript/.test(type) || type.includes('event-stream')) return;
    try { bodies.push({ url: r.url(), json: type.includes('json'), text: await r.text() }); } catch { /* navigated away */ }
  });
  await p.goto(BASE + path);
  await p.waitForFunction(() => window.__wall?.live && document.querySelector('#panel-events [data-k]'), null, { timeout: 60_000 });
  return { page: p, bodies };
}

/** The public progress once the analysis is stored (409 until then). */
async function publicProgress(id) {
  for (let i = 0; i < 120; i += 1) {
    const r = await fetch(`${BASE}/api/v1/events/${id}/progress`);
    if (r.ok) return r.json();
    assert.equal(r.status, 409, `progress: HTTP ${r.status}`);
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error('the analysis never finished');
}

/** Waits until the wall shows `totals` for the event; the milliseconds it took. */
async function wallShows(p, id, totals, timeout = 30_000) {
  const want = { persons_moved: totals.persons_moved, persons_to_move: totals.persons_to_move, answered: totals.answered, called: totals.called, grids: totals.grids };
  await p.waitForFunction(({ id: ev, w }) => Object.entries(w).every(([k, v]) => {
    const el = document.querySelector(`[data-k="event.${ev}.${k}"]`);
    return el && Number(el.textContent.replace(/[^\d-]/g, '')) === v;
  }), { id, w: want }, { timeout, polling: 50 });
}

before(async () => {
  assert.ok(ADMIN_KEY, 'RISKMAP_TEST_ADMIN_KEY must name an admin key of the server');
  ctx = await launch();
  ({ page: wall, bodies: wallBodies } = await wallPage('/wall'));
  viewer = await watchedPage(ctx, { key: ADMIN_KEY });
  await viewer.goto(`${BASE}/?test=1`);
  await mapIdle(viewer);
  await viewer.locator('#event-draw').waitFor({ timeout: 30_000 });
});

after(async () => {
  // Leave no active warning behind for the other suites' walls.
  if (eventId) {
    await fetch(`${BASE}/api/v1/events`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'end', event_id: eventId, status: 'cancelled' }) }).catch(() => {});
  }
  await ctx?.cleanup();
});

test('a warning drawn in the viewer with mouse clicks appears on the wall with the public progress figures', async () => {
  const config = await api('/viewer/config.json');
  const [x0, y0, x1, y1] = config.bbox;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const d = 0.08;
  const corners = [[cx - d, cy - d], [cx + d, cy - d], [cx + d, cy + d], [cx - d, cy + d]];
  await viewer.evaluate((b) => window.__map.fitBounds(b, { padding: 150, duration: 0 }), [[cx - d, cy - d], [cx + d, cy + d]]);
  await mapIdle(viewer);
  await viewer.locator('#event-draw').click();
  await viewer.locator('#warn-hazard').selectOption('flood');
  await viewer.locator('#warn-level').selectOption('3');
  await viewer.locator('#warn-headline').fill('浏览器测试预警');
  const box = await viewer.locator('#map canvas.maplibregl-canvas').boundingBox();
  for (const c of corners) {
    const px = await viewer.evaluate((ll) => window.__map.project(ll), c);
    await viewer.mouse.click(box.x + px.x, box.y + px.y);
  }
  const posted = viewer.waitForResponse((r) => r.url().endsWith('/api/v1/events') && r.request().method() === 'POST', { timeout: 30_000 });
  await viewer.locator('#draw-finish').click();
  const res = await posted;
  assert.equal(res.status(), 201);
  const ev = (await res.json()).event;
  eventId = ev.id;
  assert.equal(ev.properties.kind, 'warning');
  assert.equal(ev.properties.level, 3);
  assert.equal(ev.geometry.type, 'Polygon');
  // The ring is the four clicked places (and closed): unprojected, so near the corners.
  const ring = ev.geometry.coordinates[0];
  assert.equal(ring.length, 5);
  corners.forEach((c, i) => assert.ok(Math.abs(ring[i][0] - c[0]) < 0.002 && Math.abs(ring[i][1] - c[1]) < 0.002, `vertex ${i} ${ring[i]} near ${c}`));

  const progress = await publicProgress(eventId);
  assert.ok(progress.totals.grids > 0 && progress.totals.persons_to_move > 0, 'the drawn warning moves persons');
  await wallShows(wall, eventId, progress.totals);
  // The figures' dataset version: the card's, and named on it only when the wall shows another.
  assert.equal(await wall.locator(`[data-event="${eventId}"]`).getAttribute('data-dataset'), progress.dataset_version);
  assert.match(await wall.locator('#wall-version').innerText(), new RegExp(progress.dataset_version));
  await wall.waitForFunction(() => window.__map.queryRenderedFeatures({ layers: ['live-events--line'] }).length > 0, null, { timeout: 15_000 });
  // The viewer opened the new warning: its list, details and grids on the map.
  await viewer.locator(`#events-list li[data-event="${eventId}"]`).waitFor();
  await viewer.locator('#ev-grids tbody tr').first().waitFor({ timeout: 30_000 });
  assert.equal(await viewer.locator('#ev-grids tbody tr').count(), progress.grids.length);
  assert.equal(digits(await viewer.locator('#ev-progress [data-k="persons_to_move"]').innerText()), progress.totals.persons_to_move);
  await mapIdle(viewer);
  const drawn = await viewer.evaluate(() => window.__map.queryRenderedFeatures({ layers: ['live-events--grids'] }).length);
  assert.ok(drawn > 0, 'the warning\'s grids are drawn');
  assert.deepEqual(viewer.errors, [], `viewer console errors: ${viewer.errors.join('\n')}`);
});

test('叫应 and persons moved PATCHed through the API change the wall within 2 s, without a reload', async (t) => {
  assert.ok(eventId, 'needs the warning of the first test');
  const grids = (await publicProgress(eventId)).grids;
  const marker = await wall.evaluate(() => { window.__noReload = Math.random(); return window.__noReload; });
  const patch = async (items) => {
    const t0 = Date.now();
    const r = await fetch(`${BASE}/api/v1/events/${eventId}/grids`, { method: 'PATCH',
      headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify(items) });
    assert.equal(r.status, 200, await r.text());
    return t0;
  };
  const g = grids.slice(0, 3);
  let t0 = await patch(g.map((x) => ({ grid_code: x.grid_code, called: true })));
  let want = (await publicProgress(eventId)).totals;
  assert.equal(want.called, g.length);
  await wallShows(wall, eventId, want, LIVE_MS * 3);
  t.diagnostic(`called: on the wall ${Date.now() - t0} ms after the PATCH was sent`);
  assert.ok(Date.now() - t0 < LIVE_MS, `called: on the wall after ${Date.now() - t0} ms`);

  t0 = await patch([{ grid_code: g[0].grid_code, answered: true, persons_moved: g[0].persons_to_move, note: `secret-note-${eventId}` },
    ...(g[1] ? [{ grid_code: g[1].grid_code, answered: true }] : [])]);
  want = (await publicProgress(eventId)).totals;
  assert.equal(want.persons_moved, g[0].persons_to_move);
  await wallShows(wall, eventId, want, LIVE_MS * 3);
  t.diagnostic(`answered and moved: on the wall ${Date.now() - t0} ms after the PATCH was sent`);
  assert.ok(Date.now() - t0 < LIVE_MS, `answered and moved: on the wall after ${Date.now() - t0} ms`);
  assert.equal(await wall.evaluate(() => window.__noReload), marker, 'the wall did not reload');
  assert.equal(await wall.evaluate(() => window.__wall.live.polling), false, 'the stream carried it');

  // The viewer re-read the open warning from the stream: the grid's state and colour.
  const row = viewer.locator(`#ev-grids tr[data-grid="${g[0].grid_code}"]`);
  await viewer.waitForFunction((code) => document.querySelector(`#ev-grids tr[data-grid="${code}"] td:nth-child(4)`)?.textContent.trim() !== '—', g[0].grid_code, { timeout: 10_000 });
  assert.equal(digits(await row.locator('td').nth(3).innerText()), g[0].persons_to_move);
  const paint = await viewer.evaluate(() => window.__map.getPaintProperty('live-events--grids', 'fill-color'));
  const colourOf = (code) => paint[paint.indexOf(code) + 1];
  assert.equal(colourOf(g[0].grid_code), GRID_STATES.moved);
  if (g[1]) assert.equal(colourOf(g[1].grid_code), GRID_STATES.answered);
  if (g[2]) assert.equal(colourOf(g[2].grid_code), GRID_STATES.called);
  mkdirSync(ARTIFACTS, { recursive: true });
  await wall.screenshot({ path: join(ARTIFACTS, 'wall-events.png') });
  await viewer.screenshot({ path: join(ARTIFACTS, 'analyst-events.png') });
});

test('with the stream blocked the wall polls and still shows a change within 2 s', async (t) => {
  assert.ok(eventId, 'needs the warning of the first test');
  const p = await watchedPage(ctx);
  await p.route('**/api/v1/events/stream', (route) => route.abort());
  await p.goto(`${BASE}/wall`);
  await p.waitForFunction(() => window.__wall?.live?.polling, null, { timeout: 30_000 });
  await mapIdle(p); // a steady wall: the first drawing of the map is not what is timed
  const grids = (await publicProgress(eventId)).grids;
  const g = grids[grids.length - 1];
  const t0 = Date.now();
  const r = await fetch(`${BASE}/api/v1/events/${eventId}/grids/${g.grid_code}`, { method: 'PATCH',
    headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify({ called: true, persons_moved: 1 }) });
  assert.equal(r.status, 200);
  const want = (await publicProgress(eventId)).totals;
  await wallShows(p, eventId, want, LIVE_MS * 3);
  t.diagnostic(`polled: on the wall ${Date.now() - t0} ms after the PATCH was sent`);
  assert.ok(Date.now() - t0 < LIVE_MS, `polled change on the wall after ${Date.now() - t0} ms`);
  await p.close();
});

test('no personal field reaches the wall page, its responses or its stream', async () => {
  assert.ok(eventId, 'needs the warning of the first test');
  const full = await api(`/api/v1/events/${eventId}/progress`, { headers: admin });
  const secrets = new Set();
  for (const g of full.grids) {
    for (const k of ['responsible_person', 'responsible_phone', 'note']) if (g[k]) secrets.add(String(g[k]));
  }
  assert.ok(full.grids.some((g) => g.responsible_phone), 'a cleared caller sees responsible phones');
  assert.ok(secrets.has(`secret-note-${eventId}`), 'the note written is there for a cleared caller');
  const dom = await wall.evaluate(() => document.documentElement.outerHTML);
  const feed = (await wall.evaluate(() => window.__wall.live.feed)).join('\n');
  assert.ok(feed.includes(eventId), 'the wall received stream messages for the warning');
  assert.ok(wallBodies.some((b) => b.url.includes(`/api/v1/events/${eventId}/progress`)), 'the wall read the progress');
  for (const s of secrets) {
    assert.ok(!dom.includes(s), `the wall shows ${s}`);
    assert.ok(!feed.includes(s), `the stream carried ${s}`);
    for (const b of wallBodies) assert.ok(!b.text.includes(s), `${b.url} carried ${s}`);
  }
  for (const name of ['responsible_person', 'responsible_phone', 'called_by', '"note"', 'call_list']) {
    // Member names in the data it read (scripts may name anything).
    for (const b of wallBodies.filter((x) => x.json)) assert.ok(!b.text.includes(name), `${b.url} carried ${name}`);
    assert.ok(!feed.includes(name), `the stream carried ${name}`);
  }
  assert.deepEqual(wall.errors, [], `wall console errors: ${wall.errors.join('\n')}`);
});

test('a viewer without a key lists and opens the warning but may not change it, and sees no personal field', async () => {
  assert.ok(eventId, 'needs the warning of the first test');
  const full = await api(`/api/v1/events/${eventId}/progress`, { headers: admin });
  const p = await watchedPage(ctx);
  await p.goto(`${BASE}/?test=1`);
  await p.locator(`#events-list li[data-event="${eventId}"]`).click({ timeout: 60_000 });
  await p.locator('#ev-grids tbody tr').first().waitFor({ timeout: 30_000 });
  assert.equal(await p.locator('#event-draw').count(), 0, 'no drawing for a public caller');
  assert.equal(await p.locator('#ev-close, #ev-cancel, #ev-update, #ev-redraw').count(), 0, 'no changes for a public caller');
  assert.equal(await p.locator('#ev-grids tbody tr').count(), full.grids.length);
  assert.equal(await p.locator('#ev-dataset').innerText(), full.dataset_version);
  const html = await p.evaluate(() => document.documentElement.outerHTML);
  for (const g of full.grids) {
    if (g.responsible_phone) assert.ok(!html.includes(g.responsible_phone), 'a public viewer shows no responsible phone');
  }
  // English relabels the panel and the open event (the strings go through i18n).
  await p.locator('#lang-button').click();
  await p.waitForFunction(() => document.querySelector('#ev-timeline')?.textContent.includes('Revision'), null, { timeout: 10_000 });
  assert.equal(await p.locator('#events-panel h2').innerText(), 'Events');
  assert.match(await p.locator(`#events-list li[data-event="${eventId}"]`).innerText(), /Warning[\s\S]*active/);
  await p.locator('#lang-button').click();
  await p.waitForFunction(() => document.querySelector('#events-panel h2')?.textContent === '事件');
  // The admin's viewer shows the responsible persons it is cleared for.
  assert.ok((await viewer.locator('#ev-grids').innerText()).includes(full.grids.find((g) => g.responsible_phone).responsible_phone));
  await p.close();
});

test('the viewer revises and closes the warning; list and timeline show the revisions', async () => {
  assert.ok(eventId, 'needs the warning of the first test');
  await viewer.locator('#ev-level').selectOption('4');
  await viewer.locator('#ev-expires').selectOption('24');
  await viewer.locator('#ev-update').click();
  await viewer.waitForFunction(() => document.querySelector('#ev-revision')?.textContent === '2', null, { timeout: 15_000 });
  let hist = await api(`/api/v1/events/${eventId}/history`, { headers: admin });
  assert.deepEqual(hist.revisions.map((r) => r.action), ['created', 'updated']);
  assert.equal(hist.revisions[1].state.details.level, 4);
  assert.ok(hist.revisions[1].state.expires, 'the update set an expiry');
  assert.equal(await viewer.locator('#ev-timeline li').count(), 2);
  assert.equal(await viewer.locator(`#events-list li[data-event="${eventId}"] .ev-rev`).innerText(), '2');
  // The wall follows the new revision.
  await wall.waitForFunction((id) => document.querySelector(`[data-k="event.${id}.revision"]`)?.textContent === '2', eventId, { timeout: 5000 });

  await viewer.locator('#ev-close').click();
  await viewer.waitForFunction(() => document.querySelector('#ev-revision')?.textContent === '3', null, { timeout: 15_000 });
  hist = await api(`/api/v1/events/${eventId}/history`, { headers: admin });
  assert.deepEqual(hist.revisions.map((r) => r.action), ['created', 'updated', 'closed']);
  const items = await viewer.locator('#ev-timeline li').allInnerTexts();
  assert.equal(items.length, 3);
  const ev = await api(`/api/v1/events/${eventId}`);
  assert.equal(ev.properties.status, 'closed');
  const statusText = await viewer.locator('#ev-status').innerText();
  assert.ok(statusText.length > 0 && !(await viewer.locator('#ev-close').count()), 'a closed warning offers no more changes');
  // Closed: off the wall, and the list puts it after the active ones.
  await wall.waitForFunction((id) => !document.querySelector(`[data-event="${id}"]`), eventId, { timeout: 5000 });
  assert.equal(await viewer.locator(`#events-list li.ev-closed[data-event="${eventId}"]`).count(), 1);
  eventId = null;
  assert.deepEqual(viewer.errors, [], `viewer console errors: ${viewer.errors.join('\n')}`);
});
