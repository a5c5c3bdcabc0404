// Every style we ship (styles/*.json) and the analyst style the viewer builds for the
// served dataset pass the MapLibre style-spec validator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { BASE, api } from './helpers.mjs';

const stylesDir = new URL('../../styles/', import.meta.url);

test('styles/*.json are valid MapLibre styles', () => {
  const files = readdirSync(stylesDir).filter((f) => f.endsWith('.json'));
  assert.ok(files.includes('wall.json'));
  for (const f of files) {
    const style = JSON.parse(readFileSync(new URL(f, stylesDir), 'utf8').replaceAll('{origin}', BASE));
    const errors = validateStyleMin(style);
    assert.deepEqual(errors.map((e) => e.message), [], `${f}`);
  }
});

test('the analyst and wall styles built for the served dataset are valid', async () => {
  globalThis.location = new URL(BASE);
  const { baseStyle } = await import('../../web-viewer/src/assets/app/common.js');
  const config = await api('/viewer/config.json');
  for (const opts of [{ hazardType: 'flood' }, {}, { dark: true }]) {
    const errors = validateStyleMin(baseStyle(config.layers, opts));
    assert.deepEqual(errors.map((e) => e.message), [], JSON.stringify(opts));
  }
  // And what the server serves under /styles/ where it serves styles.
  for (const name of ['wall', 'onemap']) {
    const r = await fetch(`${BASE}/styles/${name}.json`);
    if (r.status === 404) continue;
    assert.equal(r.status, 200);
    const errors = validateStyleMin(await r.json());
    assert.deepEqual(errors.map((e) => e.message), [], `/styles/${name}.json`);
  }
});
