// The measure tool's distance against published WGS84 values (1° of longitude on the
// equator is a·π/180; 1° of latitude from the equator is the meridian arc 110 574.389 m).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geodesicDistance } from '../../web-viewer/src/assets/app/geodesic.js';

test('geodesic distances match published WGS84 values', () => {
  assert.ok(Math.abs(geodesicDistance([0, 0], [1, 0]) - 111319.491) < 0.01);
  assert.ok(Math.abs(geodesicDistance([0, 0], [0, 1]) - 110574.389) < 0.01);
  assert.equal(geodesicDistance([101.5, 25], [101.5, 25]), 0);
  // Symmetric, and close to the spherical value for a short Yunnan distance.
  const a = geodesicDistance([101.5, 25.0], [101.6, 25.1]);
  assert.ok(Math.abs(a - geodesicDistance([101.6, 25.1], [101.5, 25.0])) < 1e-6);
  assert.ok(a > 14_000 && a < 15_000, String(a));
});
