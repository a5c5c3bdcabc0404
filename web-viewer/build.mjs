// Assembles dist/: our pages, scripts and styles, MapLibre GL JS from node_modules, and
// the SDF glyphs (CJK included) built from the installed Noto Sans CJK font by
// tools/glyphs. Everything the browser loads comes from here, served by riskmap-server.
//
// Environment: RISKMAP_FONT (font file), RISKMAP_GLYPHS_BIN (a built riskmap-glyphs,
// else `cargo run --profile $PROFILE (default release) -p riskmap-glyphs`).

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const FONT_FILE = process.env.RISKMAP_FONT || '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc';
const FONT_NAME = 'Noto Sans CJK SC Regular';

function copyApp() {
  for (const d of ['assets/app', 'assets/maplibre']) rmSync(join(dist, d), { recursive: true, force: true });
  mkdirSync(join(dist, 'assets/maplibre'), { recursive: true });
  cpSync(join(here, 'src'), dist, { recursive: true });
  const ml = join(here, 'node_modules/maplibre-gl/dist');
  if (!existsSync(ml)) throw new Error('maplibre-gl is not installed: run `npm ci` in web-viewer/');
  for (const f of ['maplibre-gl.mjs', 'maplibre-gl-worker.mjs', 'maplibre-gl-shared.mjs', 'maplibre-gl.css']) {
    if (existsSync(join(ml, f))) cpSync(join(ml, f), join(dist, 'assets/maplibre', f));
  }
  cpSync(join(here, 'node_modules/maplibre-gl/LICENSE.txt'), join(dist, 'assets/maplibre/LICENSE.txt'));
}

// Glyphs take a while (40k CJK glyphs): rebuilt only when the font or the tool changes.
function buildGlyphs() {
  if (!existsSync(FONT_FILE)) {
    throw new Error(`font ${FONT_FILE} not found: install the Debian package fonts-noto-cjk (or set RISKMAP_FONT)`);
  }
  const root = join(here, '..');
  const toolSrc = ['main.rs', 'sdf.rs', 'pbf.rs'].map((f) => readFileSync(join(root, 'tools/glyphs/src', f), 'utf8')).join('');
  const stamp = JSON.stringify({ font: FONT_FILE, size: statSync(FONT_FILE).size, tool: hash(toolSrc) });
  const stampFile = join(dist, 'fonts', FONT_NAME, '.stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return;
  rmSync(join(dist, 'fonts'), { recursive: true, force: true });
  const args = ['--font', FONT_FILE, '--name', FONT_NAME, '--out', join(dist, 'fonts')];
  if (process.env.RISKMAP_GLYPHS_BIN) {
    execFileSync(process.env.RISKMAP_GLYPHS_BIN, args, { stdio: 'inherit' });
  } else {
    // The test command's build profile when it set one (its dependencies are built).
    const profile = process.env.RISKMAP_GLYPHS_PROFILE || process.env.PROFILE || 'release';
    execFileSync('cargo', ['run', '--quiet', '--profile', profile, '-p', 'riskmap-glyphs', '--', ...args], { stdio: 'inherit', cwd: root });
  }
  writeFileSync(stampFile, stamp);
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16);
}

mkdirSync(dist, { recursive: true });
copyApp();
buildGlyphs();
console.log(`web viewer built in ${dist}`);
