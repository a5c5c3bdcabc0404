// The analyst viewer at `/` in real headless Chromium: offline loading, grade colours
// where hazard zones are, layer toggling, feature popups with schema names, the risk
// profile, and a transfer analysis drawn as a polygon. Expected values come from the
// server's API and the app's own colour scale, never typed in here.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GRADES } from '../../web-viewer/src/assets/app/common.js';
import {
  BASE, launch, watchedPage, mapIdle, api, hexToRgb, blend, near, sampleCanvas, countColours, screenshots,
} from './helpers.mjs';

let ctx;
let page;
let config;
let gradeRgb; // grade -> the colour a hazard zone of that grade shows on the background
let pure; // samples where a hazard zone is the only thing drawn

const digits = (s) => Number(String(s).replace(/[^\d-]/g, ''));

before(async () => {
  ctx = await launch();
  config = await api('/viewer/config.json');
  page = await watchedPage(ctx);
  await page.goto(`${BASE}/?test=1`);
  await mapIdle(page);
  const style = await page.evaluate(() => window.__map.getStyle());
  const bg = hexToRgb(style.layers.find((l) => l.id === 'background').paint['background-color']);
  const alpha = style.layers.find((l) => l.id === 'hazard_zones--fill').paint['fill-opacity'];
  gradeRgb = new Map(GRADES.map((g) => [g.grade, blend(bg, hexToRgb(g.color), alpha)]));
});

after(async () => { await ctx?.cleanup(); });

test('/ loads with no console error and no request to any other host', async () => {
  assert.deepEqual(page.errors, [], `console errors: ${page.errors.join('\n')}`);
  const origin = new URL(BASE).origin;
  const foreign = page.requests.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], 'requests to other hosts');
  assert.ok(page.requests.some((u) => u.includes('/tiles/')), 'vector tiles were requested');
  // Labels draw only once their glyphs have loaded (from /fonts on our server: any other
  // host is unresolvable in this browser, see helpers.mjs, and would log an error).
  const labels = await page.evaluate(() => window.__map.queryRenderedFeatures({ layers: ['admin--label'] }).length);
  assert.ok(labels > 0, 'county labels are drawn');
});

test('the map draws hazard zones in the four-colour grade scale where they are', async () => {
  // Only the hazard zones on the map (through the layer tree), so each sampled pixel
  // is a zone's colour over the background and nothing else.
  const others = config.layers.map((l) => l.id).filter((id) => id !== 'hazard_zones');
  for (const id of others) await page.locator(`input[data-layer="${id}"]`).uncheck();
  await mapIdle(page);
  const samples = await sampleCanvas(page, 12);
  for (const id of others) await page.locator(`input[data-layer="${id}"]`).check();
  await mapIdle(page);
  const ignorable = new Set(['background']);
  pure = samples.filter((s) => s.grade !== undefined
    && s.layers.filter((l) => !ignorable.has(l)).every((l) => l === 'hazard_zones--fill'));
  assert.ok(pure.length >= 20, `hazard zones found at only ${pure.length} sample points`);
  const matching = pure.filter((s) => s.grades.some((g) => near(s.rgb, gradeRgb.get(g), 12)));
  assert.ok(matching.length >= 0.9 * pure.length,
    `${matching.length}/${pure.length} hazard-zone pixels have their grade's colour; e.g. ${JSON.stringify(pure.find((s) => !matching.includes(s)))}`);
  const grades = new Set(matching.map((s) => s.grades.find((g) => near(s.rgb, gradeRgb.get(g), 12))));
  assert.ok(grades.size >= 2, `only grades ${[...grades]} seen`);
});

test('toggling a layer off removes its pixels and features, on again restores them', async () => {
  const colours = [...gradeRgb.values()];
  const before = await countColours(page, colours, 8);
  assert.ok(before > 2000, `grade-coloured pixels before: ${before}`);
  await page.locator('input[data-layer="hazard_zones"]').uncheck();
  await mapIdle(page);
  const after = await countColours(page, colours, 8);
  assert.ok(after < before * 0.02, `grade-coloured pixels after toggling off: ${after} (before ${before})`);
  const feats = await page.evaluate(() => window.__map.queryRenderedFeatures({ layers: ['hazard_zones--fill'] }).length);
  assert.equal(feats, 0);
  await page.locator('input[data-layer="hazard_zones"]').check();
  await mapIdle(page);
  assert.ok(await countColours(page, colours, 8) > before * 0.9);
});

test('clicking a hazard zone shows its attributes under the schema names, and the risk profile', async () => {
  assert.ok(pure?.length, 'needs the hazard-zone samples of the drawing test');
  const schema = config.layers.find((l) => l.id === 'hazard_zones');
  const s = pure[Math.floor(pure.length / 2)];
  const box = await page.locator('#map canvas.maplibregl-canvas').boundingBox();
  const profile = page.waitForResponse((r) => r.url().includes('/api/v1/point?'));
  await page.mouse.click(box.x + s.x, box.y + s.y);
  const popup = page.locator('.feature-popup');
  await popup.waitFor({ state: 'visible', timeout: 15_000 });
  await page.waitForFunction(() => document.querySelectorAll('.feature-popup tr').length >= 2);
  const text = await popup.innerText();
  assert.ok(text.includes(schema.zh), `popup names the layer ${schema.zh}: ${text}`);
  for (const name of ['grade', 'hazard_type']) {
    const f = schema.fields.find((x) => x.name === name);
    assert.ok(text.includes(f.zh), `popup shows the display name ${f.zh} of ${name}: ${text}`);
  }
  const gradeLabel = schema.fields.find((x) => x.name === 'grade').values.find((v) => Number(v.value) === Number(s.grade));
  if (gradeLabel) assert.ok(text.includes(gradeLabel.zh), `grade shown as ${gradeLabel.zh}`);
  // The risk profile panel lists what /api/v1/point says about the same place.
  const body = await (await profile).json();
  await page.locator('#profile-hazards').waitFor();
  assert.equal(await page.locator('#profile-hazards li.hit').count(), body.hazards.length);
  assert.equal(await page.locator('#profile-grids li.hit').count(), body.grids.length);
  assert.ok(body.hazards.some((h) => h.grade === Number(s.grade)), 'the API finds the clicked zone\'s grade there too');
});

test('drawing a warning polygon runs the transfer analysis and shows its table; CSV export', async () => {
  await page.locator('#result-close').click();
  await page.locator('[data-tool="transfer"]').click();
  // Everyone in the polygon: a small square need not meet a flood danger zone.
  await page.locator('#transfer-scope').selectOption('all');
  const box = await page.locator('#map canvas.maplibregl-canvas').boundingBox();
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  for (const [dx, dy] of [[-60, -60], [60, -60], [60, 60], [-60, 60]]) {
    await page.mouse.click(cx + dx, cy + dy);
  }
  const response = page.waitForResponse((r) => r.url().includes('/api/v1/analysis/transfer'), { timeout: 60_000 });
  await page.locator('#draw-finish').click();
  const r = await (await response).json();
  await page.locator('#transfer-table').waitFor({ timeout: 30_000 });
  assert.ok(r.grids.length > 0, 'the polygon covers grids');
  assert.equal(await page.locator('#transfer-table tbody tr').count(), r.grids.length);
  assert.equal(digits(await page.locator('#transfer-persons').innerText()), r.summary.persons);
  assert.equal(digits(await page.locator('#transfer-unplaced').innerText()), r.summary.persons_unplaced);
  if (r.summary.persons_unplaced > 0) assert.ok(await page.locator('#result .warn').isVisible());
  await mapIdle(page);
  const drawn = await page.evaluate(() => window.__map.queryRenderedFeatures({ layers: ['tool--grids'] }).length);
  assert.ok(drawn > 0, 'grids of the analysis are drawn');
  const download = page.waitForEvent('download');
  await page.locator('#act-csv').click();
  const csv = readFileSync(await (await download).path(), 'utf8').replace(/^\ufeff/, '').trim().split(/\r\n/);
  assert.equal(csv.length, r.grids.length + 1, 'CSV: header and one row per grid');
  assert.ok(csv.slice(1).every((line) => r.grids.some((g) => line.startsWith(`${g.grid_code},`))));
  assert.deepEqual(page.errors, [], `console errors: ${page.errors.join('\n')}`);
});

test('English toggle relabels the interface', async () => {
  await page.locator('#lang-button').click();
  assert.equal(await page.locator('[data-tool="transfer"]').innerText(), 'Transfer analysis');
  const schema = config.layers.find((l) => l.id === 'hazard_zones');
  assert.ok((await page.locator('#layer-tree').innerText()).includes(schema.en));
  await page.locator('#lang-button').click();
});

async function clickCentre(dx = 0, dy = 0) {
  const box = await page.locator('#map canvas.maplibregl-canvas').boundingBox();
  await page.mouse.click(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy);
}

test('earthquake tool: intensity zones drawn and tabulated as the API returns them', async () => {
  await page.locator('#result-close').click();
  await page.locator('[data-tool="earthquake"]').click();
  await page.locator('#eq-mag').fill('6.5');
  const response = page.waitForResponse((r) => r.url().includes('/api/v1/analysis/earthquake'), { timeout: 60_000 });
  await clickCentre();
  const r = await (await response).json();
  assert.equal(r.magnitude, 6.5);
  await page.locator('#eq-table').waitFor();
  assert.equal(await page.locator('#eq-table tbody tr').count(), r.zones.features.length);
  if (r.zones.features.length) {
    await mapIdle(page);
    assert.ok(await page.evaluate(() => window.__map.queryRenderedFeatures({ layers: ['tool--zones'] }).length) > 0);
  }
});

test('fire tool: nearest water sources listed as the API returns them', async () => {
  await page.locator('[data-tool="fire"]').click();
  const response = page.waitForResponse((r) => r.url().includes('/api/v1/analysis/fire'), { timeout: 60_000 });
  await clickCentre(10, 10);
  const r = await (await response).json();
  await page.locator('#fire-table').waitFor();
  assert.ok(r.water_sources.length > 0);
  assert.equal(await page.locator('#fire-table tbody tr').count(), r.water_sources.length);
});

test('measure tool shows a geodesic length', async () => {
  await page.locator('[data-tool="measure"]').click();
  await clickCentre(-100, 0);
  await clickCentre(100, 0);
  const text = await page.locator('#measure-total').innerText();
  assert.match(text, /^[\d,.]+ (k?m)$/);
  await page.locator('[data-tool="profile"]').click();
});

test('search by admin name zooms to the unit', async () => {
  const units = (await api('/viewer/admin.json')).units.filter((u) => u.level === 'county' && u.bbox);
  assert.ok(units.length > 0);
  const u = units[units.length - 1];
  await page.locator('#search-input').fill(u.name);
  await page.locator('#search-results li[data-i]').first().waitFor();
  await page.locator('#search-results li[data-i]').first().click();
  await mapIdle(page);
  const c = await page.evaluate(() => window.__map.getCenter().toArray());
  const hit = units.filter((x) => x.name === u.name);
  assert.ok(hit.some((x) => c[0] >= x.bbox[0] && c[0] <= x.bbox[2] && c[1] >= x.bbox[1] && c[1] <= x.bbox[3]), `centre ${c} inside ${u.name}`);
  await page.locator('#area-summary table').first().waitFor();
  assert.deepEqual(page.errors, [], `console errors: ${page.errors.join('\n')}`);
});

test('screenshots of / at 1920x1080 and 3840x2160', async () => {
  await screenshots(ctx, '/?test=1', 'analyst', { ready: mapIdle });
});
