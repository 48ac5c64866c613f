#!/usr/bin/env bash
# Chaos: the real binary on MySQL and a private redis-server runs b2b backfills
# created through the JSON API; one is killed with SIGKILL mid-run and restarted,
# the other loses Redis to FLUSHALL mid-run. Both must complete with exactly the
# planned objects in the sandbox, once each (jobs/chaos_binary_test.go).
# Needs MYSQL_DSN (a server where it may create a database) and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MYSQL_DSN:?set MYSQL_DSN, e.g. root@tcp(127.0.0.1:3306)/test}"
mkdir -p bin
go build -o bin/simcrm-chaos .
SIMCRM_CHAOS_BIN="$PWD/bin/simcrm-chaos" go test ./jobs -run '^TestChaosBinary$' -count=1 -v -timeout 20m
