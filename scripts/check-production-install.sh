#!/usr/bin/env bash
# A production install from a built tree, as docs/operations.md describes it: the checkout with
# its dist/ (built by `npm ci` here) and without node_modules is copied to a temp folder, where
# `npm ci --omit=dev` installs the runtime dependencies only; then `npm start` must serve:
# /readyz 200, the issuer metadata and the JWKS. Traffic to 127.0.0.1 only; the server is
# stopped and the folder removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/main.js ] || { echo "dist/main.js missing: npm run build first" >&2; exit 1; }

tree="$(mktemp -d)"
data="$(mktemp -d)"
pid=""
cleanup() {
  # npm start runs the server as its child: stop the whole process group, or the server outlives
  # this script and keeps its output pipe (and CI's) open.
  if [ -n "$pid" ]; then kill -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tree" "$data"
}
trap cleanup EXIT

tar cf - --exclude=./node_modules --exclude=./.git --exclude=./data . | tar xf - -C "$tree"
(cd "$tree" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
# typescript may be present: valibot (under dcql) names it as an optional peer dependency.
for dev in tsx @types/node; do
  if [ -e "$tree/node_modules/$dev" ]; then echo "production install holds the dev dependency $dev" >&2; exit 1; fi
done

port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
(cd "$tree" && PORT="$port" HOST=127.0.0.1 DATA_DIR="$data" LOG_LEVEL=warn exec setsid npm start --silent) &
pid=$!
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "npm start exited in the production install" >&2; exit 1; fi
  sleep 0.5
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz"
curl -fsS -o /dev/null "http://127.0.0.1:$port/.well-known/openid-credential-issuer"
curl -fsS -o /dev/null "http://127.0.0.1:$port/jwks"
echo "production install: npm ci --omit=dev && npm start serves (readyz, metadata, jwks)"
