// The analyst viewer keeps its view in the URL (MapLibre `hash`): pan and zoom, read
// location.hash, reload (and open the URL in a fresh page, as a shared link is), and
// find the same centre and zoom.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, watchedPage, mapIdle } from './helpers.mjs';

let ctx;
let page;

before(async () => {
  ctx = await launch();
  page = await watchedPage(ctx);
  await page.goto(`${BASE}/?test=1`);
  await mapIdle(page);
});

after(async () => { await ctx?.cleanup(); });

const view = () => page.evaluate(() => {
  const c = window.__map.getCenter();
  return { lng: c.lng, lat: c.lat, zoom: window.__map.getZoom() };
});

/** `#zoom/lat/lng` (MapLibre's format) as numbers. */
const parseHash = (h) => {
  const [zoom, lat, lng] = h.replace(/^#/, '').split('/').map(Number);
  return { zoom, lat, lng };
};

test('the view follows the URL hash and survives a reload and a shared link', async () => {
  const start = await view();
  // Pan by dragging the canvas, then zoom in a step.
  const box = await page.locator('#map canvas').boundingBox();
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  await page.mouse.move(cx - 150, cy + 90, { steps: 10 });
  await page.mouse.up();
  await page.evaluate(() => window.__map.zoomTo(window.__map.getZoom() + 1, { duration: 0 }));
  await mapIdle(page);
  const moved = await view();
  assert.ok(Math.abs(moved.lng - start.lng) > 1e-3, `the drag panned the map (${start.lng} -> ${moved.lng})`);

  // MapLibre updates the hash throttled: wait until it names the new view.
  await page.waitForFunction((z) => Math.abs(Number(location.hash.slice(1).split('/')[0]) - z) < 0.01,
    moved.zoom, { timeout: 10_000 });
  const hash = await page.evaluate(() => location.hash);
  const h = parseHash(hash);
  assert.ok(Math.abs(h.zoom - moved.zoom) < 0.01 && Math.abs(h.lat - moved.lat) < 1e-3
    && Math.abs(h.lng - moved.lng) < 1e-3, `hash ${hash} names the view ${JSON.stringify(moved)}`);

  const same = (v, what) => {
    assert.ok(Math.abs(v.zoom - moved.zoom) < 0.01, `${what}: zoom ${v.zoom}, want ${moved.zoom}`);
    assert.ok(Math.abs(v.lat - moved.lat) < 1e-3, `${what}: lat ${v.lat}, want ${moved.lat}`);
    assert.ok(Math.abs(v.lng - moved.lng) < 1e-3, `${what}: lng ${v.lng}, want ${moved.lng}`);
  };
  await page.reload();
  await mapIdle(page);
  same(await view(), 'after reload');

  const shared = await watchedPage(ctx);
  await shared.goto(`${BASE}/?test=1${hash}`);
  await mapIdle(shared);
  const c = await shared.evaluate(() => {
    const m = window.__map;
    return { lng: m.getCenter().lng, lat: m.getCenter().lat, zoom: m.getZoom() };
  });
  same(c, 'a shared link in a new page');
  assert.deepEqual(page.errors, [], `console errors: ${page.errors.join('\n')}`);
});
