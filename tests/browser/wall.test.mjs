// The wall screen at `/wall`: its panels show the API's figures, a published analysis
// appears without personal data and goes when cleared, and a new dataset version
// makes it redraw by itself.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE, ADMIN_KEY, launch, watchedPage, mapIdle, api, screenshots } from './helpers.mjs';

let ctx;
let page;
const admin = { Authorization: `Bearer ${ADMIN_KEY}` };
const digits = (s) => Number(String(s).replace(/[^\d.-]/g, ''));

async function wallReady(p, { idle = true } = {}) {
  await p.waitForFunction(() => window.__wall && window.__wall.summary && window.__wall.revision !== null
    && document.querySelector('[data-k="persons_to_move"]'), null, { timeout: 60_000 });
  if (idle) await mapIdle(p);
}

before(async () => {
  assert.ok(ADMIN_KEY, 'RISKMAP_TEST_ADMIN_KEY must name an admin key of the server');
  ctx = await launch();
  page = await watchedPage(ctx);
  await page.goto(`${BASE}/wall?poll_ms=500`);
  await wallReady(page);
});

after(async () => {
  await fetch(`${BASE}/api/v1/wall/publish`, { method: 'DELETE', headers: admin }).catch(() => {});
  await ctx?.cleanup();
});

test('the wall shows the region and panels whose numbers equal the API', async () => {
  assert.deepEqual(page.errors, [], `console errors: ${page.errors.join('\n')}`);
  const region = await page.evaluate(() => window.__wall.region);
  const units = (await api('/viewer/admin.json')).units;
  const prefectures = units.filter((u) => u.level === 'prefecture');
  if (prefectures.length === 1) assert.equal(region.code, prefectures[0].code, 'the prefecture is in view');
  const f = (await api(`/api/v1/areas/${region.code}/summary`)).figures;
  const shown = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('[data-k]')].map((e) => [e.dataset.k, e.textContent])));
  for (const k of ['persons_to_move', 'shelter_capacity_open', 'capacity_gap', 'shelters', 'shelters_open', 'depots', 'water_sources']) {
    assert.equal(digits(shown[k]), f[k], `panel ${k}`);
  }
  assert.equal(digits(shown.water_volume_m3), Math.round(f.water_volume_m3));
  const high = f.exposure.map((h) => [h.hazard_type, h.by_grade.filter((g) => g.grade >= 3).reduce((a, g) => a + g.persons, 0)])
    .filter(([, n]) => n > 0);
  assert.ok(high.length > 0, 'the dataset has persons in high-risk zones');
  for (const [type, n] of high) assert.equal(digits(shown[`exposure.${type}`]), n, `high-risk persons, ${type}`);
  for (const [k, v] of Object.entries(shown).filter(([k2]) => k2.startsWith('inventory.'))) {
    assert.equal(digits(v), f.inventory[k.slice('inventory.'.length)], k);
  }
  assert.match(await page.locator('#wall-version').innerText(), new RegExp((await api('/health')).dataset_version));
});

test('a published transfer result appears on the wall without personal data, and goes when cleared', async () => {
  const config = await api('/viewer/config.json');
  const full = await api('/viewer/config.json', { headers: admin });
  const publicFields = new Set(config.layers.flatMap((l) => l.fields.map((x) => x.name)));
  const hidden = [...new Set(full.layers.flatMap((l) => l.fields.map((x) => x.name)))].filter((n) => !publicFields.has(n));
  const [x0, y0, x1, y1] = config.bbox;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const d = 0.08;
  const request = { area: { type: 'Polygon', coordinates: [[[cx - d, cy - d], [cx + d, cy - d], [cx + d, cy + d], [cx - d, cy + d], [cx - d, cy - d]]] }, hazard_type: 'flood' };
  const result = await api('/api/v1/analysis/transfer', { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: JSON.stringify(request) });
  const title = `测试事件 ${Date.now()}`;
  const body = JSON.stringify({ title, kind: 'transfer', request, result });
  const refused = await fetch(`${BASE}/api/v1/wall/publish`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(refused.status, 403, 'publishing needs an admin key');
  const r = await fetch(`${BASE}/api/v1/wall/publish`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body });
  assert.equal(r.status, 201);

  const text = JSON.stringify(await api('/api/v1/wall'));
  for (const name of [...hidden, 'call_list']) assert.ok(!text.includes(`"${name}"`), `the wall must not carry ${name}`);

  await page.waitForFunction((t) => document.querySelector('#panel-scenario [data-k="scenario"]')?.textContent === t, title, { timeout: 15_000 });
  assert.equal(digits(await page.locator('[data-k="scenario.persons"]').innerText()), result.summary.persons);
  assert.equal(digits(await page.locator('[data-k="scenario.unplaced"]').innerText()), result.summary.persons_unplaced);
  await page.waitForFunction(() => window.__map.queryRenderedFeatures({ layers: ['scenario--line'] }).length > 0, null, { timeout: 15_000 });

  const cleared = await fetch(`${BASE}/api/v1/wall/publish`, { method: 'DELETE', headers: admin });
  assert.equal(cleared.status, 200);
  await page.waitForFunction(() => !document.querySelector('#panel-scenario [data-k="scenario"]')?.textContent.includes('测试事件'), null, { timeout: 15_000 });
});

test('a new dataset version makes the wall redraw by itself', async () => {
  const dir = process.env.RISKMAP_TEST_DATASET_DIR;
  assert.ok(dir, 'RISKMAP_TEST_DATASET_DIR must name the dataset copy the server serves');
  const redraws = await page.evaluate(() => window.__wall.redraws);
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8'));
  m.dataset_version = `${m.dataset_version.split('-wall')[0]}-wall${Date.now()}`;
  writeFileSync(path, JSON.stringify(m, null, 2));
  // The server also watches the manifest (run.sh turns `watch` on): a reload that
  // outlasts the request timeout on a slow build still lands.
  await fetch(`${BASE}/admin/reload`, { method: 'POST', headers: admin });
  await page.waitForFunction((v) => window.__wall.version === v, m.dataset_version, { timeout: 120_000 });
  assert.ok(await page.evaluate(() => window.__wall.redraws) > redraws);
  assert.match(await page.locator('#wall-version').innerText(), new RegExp(m.dataset_version));
  await wallReady(page);
  assert.deepEqual(page.errors, [], `console errors: ${page.errors.join('\n')}`);
});

test('county cycling shows each county with its own figures', async () => {
  const p = await watchedPage(ctx);
  await p.goto(`${BASE}/wall?cycle=2&poll_ms=60000`);
  await wallReady(p, { idle: false }); // the map keeps flying from county to county
  const kids = await p.evaluate(() => window.__wall.summary.children.map((c) => ({ name: c.unit.name, need: c.figures.persons_to_move })));
  assert.ok(kids.length > 0, 'the region has counties');
  // Name and figure read together: the next county comes two seconds later.
  const need = await (await p.waitForFunction((name) => (document.querySelector('#wall-area').textContent === name
    ? document.querySelector('[data-k="persons_to_move"]').textContent : null), kids[0].name, { timeout: 10_000 })).jsonValue();
  const region = await p.evaluate(() => window.__wall.region.code);
  const api1 = (await api(`/api/v1/areas/${region}/summary`)).children[0];
  assert.equal(digits(need), api1.figures.persons_to_move);
  assert.equal(api1.unit.name, kids[0].name);
  await p.close();
});

test('screenshots of /wall at 1920x1080 and 3840x2160', async () => {
  await screenshots(ctx, '/wall', 'wall', { ready: wallReady });
});
