#!/usr/bin/env bash
# The test command: provisions Node, the Docker engine and the images, then runs lint, type checks,
# the layer rules, unit tests and the tests against the real engine. Needs root on a fresh Debian machine (to install
# and start dockerd and run debootstrap once).
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/bootstrap.sh"
cd "$FEDSIM_ROOT"
# setup installs and starts the engine where none answers (root on Debian) and builds the images;
# doctor then says which engine was found and why, for the log.
node dist/src/cli.js setup
node dist/src/cli.js doctor
# The demo test drives `fedsim demo` in a terminal; tmux gives it one.
command -v tmux >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; }
# The report's browser test opens report.html in headless Chromium (Debian's package).
command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
# The Kubernetes tier (test/kube) builds its cluster with scripts/kube/build.sh (Go from the module
# proxy if none is installed: curl, unzip) and makes its PKI with openssl.
for t in openssl curl unzip; do
  command -v "$t" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl curl unzip >/dev/null; break; }
done
npx biome ci --error-on-warnings .
npx tsc -p tsconfig.json --noEmit
# The layers (docs/ARCHITECTURE.md): an import against the flow fails here, before any test runs.
npm run --silent deps
results="$(mktemp)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" || status=$?
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results" || true
rm -f "$results"
exit "$status"
