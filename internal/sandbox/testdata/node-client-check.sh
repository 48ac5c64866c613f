#!/usr/bin/env bash
# Official-client compatibility: builds simcrm, starts `simcrm sandbox` on a free
# port with a temporary DATA_DIR (SQLite), installs HubSpot's Node client (version
# pinned in package.json) in a temporary copy of this directory, and runs
# node-client-check.mjs against the sandbox. Exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
GO="${GO:-go}"

for tool in node npm "$GO"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "node-client-check: $tool is not installed" >&2; exit 1; }
done

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "node-client-check: building simcrm"
(cd "$root" && "$GO" build -o "$work/simcrm" .)

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
token="node-check-token-$RANDOM$RANDOM-0123456789"
mkdir -p "$work/data"
# A temporary SQLite database, whatever the environment points at.
env -u MYSQL_DSN -u SANDBOX_TOKEN DATA_DIR="$work/data" REDIS_URL=off \
  "$work/simcrm" sandbox --addr "127.0.0.1:$port" --token "$token" --burst 100 --daily 250000 >"$work/sandbox.log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 100); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "node-client-check: simcrm sandbox exited:" >&2
    cat "$work/sandbox.log" >&2
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "node-client-check: simcrm sandbox did not listen on port $port" >&2
  cat "$work/sandbox.log" >&2
  exit 1
fi
echo "node-client-check: sandbox at http://127.0.0.1:$port"

mkdir -p "$work/client"
cp "$here/package.json" "$here/node-client-check.mjs" "$work/client/"
echo "node-client-check: npm install"
(cd "$work/client" && npm install --no-audit --no-fund --loglevel=error)

if ! SANDBOX_BASE_URL="http://127.0.0.1:$port" SANDBOX_TOKEN="$token" node "$work/client/node-client-check.mjs"; then
  echo "node-client-check: failed; sandbox log:" >&2
  cat "$work/sandbox.log" >&2
  exit 1
fi
