#!/usr/bin/env bash
# Build the dashboard into src/frontlens/serve/static/ (app.js, vendor/leaflet, basemap/).
#
#   bash scripts/build_web.sh            # npm ci (needs the npm registry once), then build
#   FRONTLENS_WEB_OFFLINE=1 bash scripts/build_web.sh   # reuse web/node_modules, no network
#
# No CDN: Leaflet is copied from node_modules into static/vendor/, the country outlines come
# from the world-atlas package (Natural Earth 1:50m) and the city labels from the bundled
# gazetteer (scripts/build_basemap.py). After `npm ci` has run once, the build is offline.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"
PY="${PYTHON:-$REPO/.venv/bin/python}"
[[ -x "$PY" ]] || PY=python3

command -v node >/dev/null || { echo "ERROR: node (>= 18) is needed to build the dashboard" >&2; exit 1; }
command -v npm >/dev/null || { echo "ERROR: npm is needed to build the dashboard" >&2; exit 1; }

cd web
if [[ "${FRONTLENS_WEB_OFFLINE:-0}" == "1" ]]; then
    [[ -d node_modules/esbuild ]] || { echo "ERROR: FRONTLENS_WEB_OFFLINE=1 but web/node_modules is missing" >&2; exit 1; }
else
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent typecheck
npm run --silent build
cd "$REPO"
"$PY" scripts/build_basemap.py
echo "dashboard built: src/frontlens/serve/static/"
