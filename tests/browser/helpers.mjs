// Shared by the browser tests: Debian's Chromium through playwright-core, a page that
// records console errors and every request, and pixel sampling of the map canvas.

import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.RISKMAP_URL || 'http://127.0.0.1:8080';
export const ADMIN_KEY = process.env.RISKMAP_TEST_ADMIN_KEY || '';
export const ARTIFACTS = process.env.ARTIFACTS || new URL('../../artifacts/screenshots', import.meta.url).pathname;

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'riskmap-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // Every host but the loopback server is unresolvable: a request elsewhere fails
      // loudly (a console error) instead of passing unnoticed inside a web worker.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    viewport: { width: 1600, height: 1000 },
    acceptDownloads: true,
  });
  context.cleanup = async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); };
  return context;
}

/** A page that records console errors, page errors and every request's URL. */
export async function watchedPage(context, { key = '' } = {}) {
  const page = await context.newPage();
  page.errors = [];
  page.requests = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => page.requests.push(r.url()));
  if (key) {
    await page.addInitScript((k) => sessionStorage.setItem('riskmap.apiKey', k), key);
  }
  return page;
}

/** Waits until the map has its style and every visible tile drawn. */
export async function mapIdle(page, timeout = 60_000) {
  await page.waitForFunction(() => window.__map && window.__map.isStyleLoaded()
    && window.__map.areTilesLoaded() && !window.__map.isMoving(), null, { timeout, polling: 200 });
  // One more frame so the last tiles are on the canvas.
  await page.evaluate(() => new Promise((r) => { window.__map.once('idle', r); window.__map.triggerRepaint(); }));
}

export async function api(path, init = {}) {
  const r = await fetch(BASE + path, init);
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${JSON.stringify(body)}`);
  return body;
}

export function hexToRgb(h) {
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The colour of `fg` drawn at `alpha` over `bg`. */
export const blend = (bg, fg, alpha) => bg.map((b, i) => Math.round(b * (1 - alpha) + fg[i] * alpha));

export const near = (a, b, tol) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

/**
 * Reads the map canvas (drawn with preserveDrawingBuffer in test mode) as RGBA and,
 * for points on a grid, the layers rendered there.
 */
export async function sampleCanvas(page, step = 16) {
  return page.evaluate((stepPx) => {
    const map = window.__map;
    const src = map.getCanvas();
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(src, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    const ratio = src.width / src.clientWidth;
    const samples = [];
    for (let y = stepPx / 2; y < src.clientHeight; y += stepPx) {
      for (let x = stepPx / 2; x < src.clientWidth; x += stepPx) {
        const i = (Math.round(y * ratio) * c.width + Math.round(x * ratio)) * 4;
        const feats = map.queryRenderedFeatures([x, y]);
        samples.push({
          x, y, rgb: [data[i], data[i + 1], data[i + 2]],
          layers: feats.map((f) => f.layer.id),
          grade: feats.find((f) => f.layer.id === 'hazard_zones--fill')?.properties.grade,
          // Every zone there: at tile edges a neighbouring tile's buffer answers too.
          grades: feats.filter((f) => f.layer.id === 'hazard_zones--fill').map((f) => Number(f.properties.grade)),
        });
      }
    }
    return samples;
  }, step);
}

/** How many canvas pixels lie within `tol` of any of `colours`. */
export async function countColours(page, colours, tol) {
  return page.evaluate(({ cs, t }) => {
    const src = window.__map.getCanvas();
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(src, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (cs.some((k) => Math.abs(d[i] - k[0]) <= t && Math.abs(d[i + 1] - k[1]) <= t && Math.abs(d[i + 2] - k[2]) <= t)) n += 1;
    }
    return n;
  }, { cs: colours, t: tol });
}

export async function screenshots(context, path, name, { key = '', ready }) {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [w, h] of [[1920, 1080], [3840, 2160]]) {
    const page = await watchedPage(context, { key });
    await page.setViewportSize({ width: w, height: h });
    await page.goto(BASE + path);
    await ready(page);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${w}x${h}.png`) });
    await page.close();
  }
}
