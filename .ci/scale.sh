#!/usr/bin/env bash
# Scale-out: the real binary as one web and several worker processes on one MySQL
# and one Redis (jobs/scaleout_binary_test.go): a 20,000-record backfill with the
# sandbox's limits off must complete exactly; three workers must keep the
# sandbox's 100 calls per 10 s with no 429; a run through Redis Sentinel must
# complete exactly across a master switch (jobs/failover_binary_test.go); work
# waiting on a primary shard must survive PRIMARY_SHARDS going from 4 to 2.
# Needs MYSQL_DSN, REDIS_URL, redis-server and redis-sentinel.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MYSQL_DSN:?set MYSQL_DSN, e.g. root@tcp(127.0.0.1:3306)/test}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6379/0}"
mkdir -p bin
go build -o bin/simcrm-scale .
SIMCRM_SCALE_BIN="$PWD/bin/simcrm-scale" go test ./jobs -run '^(TestScaleOutBinary|TestScaleOutRateLimitBinary|TestRedisFailoverBinary|TestShardCountChangeBinary)$' \
  -count=1 -v -timeout 20m 2>&1 | grep -v '^=== \|^redis: '
