# Shared helpers for the project's scripts. Source it; do not run it.
# Everything the project needs beyond the Rust toolchain is installed from here, so the
# two Quick start commands work on a fresh Debian 12 machine.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# Install the Debian packages given, if any is missing. One apt run at a time: dpkg
# breaks when two run at once, so wait for any other apt to finish first.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  while pgrep -x apt-get >/dev/null || pgrep -x dpkg >/dev/null; do sleep 2; done
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building riskmap needs: GDAL and PROJ for riskmap-prep, clang for proj-sys's bindgen.
BUILD_PACKAGES=(libgdal-dev libproj-dev gdal-bin proj-bin libclang-dev clang pkg-config)
# What the web viewer's asset build needs.
NODE_PACKAGES=(nodejs npm)
# The font the viewer's SDF glyphs (CJK labels) are built from by tools/glyphs.
VIEWER_PACKAGES=(fonts-noto-cjk)

ensure_build_deps() {
  ensure_apt "${BUILD_PACKAGES[@]}"
  command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (https://rustup.rs)"
}

ensure_node() {
  if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    ensure_apt "${NODE_PACKAGES[@]}"
  fi
}

# A Python virtualenv under .venv with the given PyPI packages.
ensure_venv() {
  command -v python3 >/dev/null 2>&1 || ensure_apt python3
  python3 -c 'import venv, ensurepip' 2>/dev/null || ensure_apt python3-venv
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    log "creating Python virtualenv .venv"
    python3 -m venv "$ROOT/.venv"
  fi
  local missing=()
  for p in "$@"; do
    "$ROOT/.venv/bin/pip" show -q "${p%%[=<>]*}" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Python packages: ${missing[*]}"
    "$ROOT/.venv/bin/pip" install -q "${missing[@]}"
  fi
}

# Build the viewer's front-end assets (npm packages served by riskmap-server itself).
build_viewer_assets() {
  if [ -f "$ROOT/web-viewer/package.json" ]; then
    ensure_node
    ensure_apt "${VIEWER_PACKAGES[@]}"
    log "building web viewer assets"
    (cd "$ROOT/web-viewer" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build)
  fi
}

# Wait until http://$1/health answers 200, for at most $2 seconds.
wait_healthy() {
  local addr="$1" timeout="${2:-120}" i=0
  until curl -fsS "http://$addr/health" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -gt "$((timeout * 2))" ] && return 1
    sleep 0.5
  done
}
