// Package ratelimit protects the target CRM (HubSpot or the sandbox) for every
// worker and replica at once: all state lives in Redis and every check-and-update is
// one Lua script, so two processes can never both take the last slot.
//
// Four guards, each usable alone:
//
//   - Window: a sliding-window log per HubSpot connection (at most Burst calls in any
//     rolling Interval, the way HubSpot counts, see TRAPS.md) plus a daily cap that
//     resets at midnight in the account's time zone. Response headers tighten it;
//     a 429 sets the shared cooldown.
//   - Buckets: token buckets per object type, refilled at a configured rate.
//   - Breaker: a circuit breaker over failures in a rolling minute, with a single
//     half-open probe across all replicas.
//   - Guard: the three together, for the limiter panel's Status snapshot.
//
// Redis keys (operators read them from redis-cli; the names are a contract, named
// by package rediskeys):
//
//	ratelimit:bucket:<type>            string      remaining tokens (as of the last take)
//	ratelimit:bucket:<type>:ts         string      refill clock of that bucket, ms epoch
//	ratelimit:hubspot:cooldown_until   string      ms epoch; no call before it
//	ratelimit:hubspot:<conn>:window    sorted set  call times (score = ms epoch)
//	ratelimit:hubspot:<conn>:daily     hash        used, reset_at (ms epoch), cap
//	ratelimit:hubspot:<conn>:cap       hash        max, until: a lower burst learnt from headers
//	circuit:hubspot:tripped_until      string      ms epoch; open before it, half-open after
//	circuit:hubspot:failures           sorted set  failure times (score = ms epoch)
//	circuit:hubspot:probe              string      ms epoch until which the half-open probe is held
//
// The scripts touch several of these keys at once, so they need one Redis (or a
// Sentinel-managed primary); Redis Cluster is not supported.
//
// Clock: by default every script reads the Redis server's clock (TIME), so replicas
// with skewed clocks still agree. WithClock replaces it with a caller's clock, passed
// into each script; every process sharing the keys must then use that same clock,
// which in practice means tests. Either way the Go side only uses its own clock to
// list the next few midnights of the reset time zone; the script picks the right one
// by the clock it trusts. Key expiries are housekeeping only: every decision reads
// the times stored in the values, so an in-process miniredis whose clock never moves
// still behaves.
//
// Redis errors come back to the caller as they are, quickly and without retries:
// whether to wait, reschedule or fail the job is the caller's decision.
package ratelimit
