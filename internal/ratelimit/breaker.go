package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
)

// BreakerConfig sets when the breaker trips and for how long.
type BreakerConfig struct {
	Threshold    int           // failures within Window that trip the breaker (8)
	Window       time.Duration // rolling window the failures are counted in (60 s)
	Open         time.Duration // how long a trip blocks calls (30 s)
	ProbeTimeout time.Duration // how long the half-open probe is held before another replica may probe (10 s)
}

// DefaultBreakerConfig is the design's breaker: 8 failures in 60 s open it for 30 s.
func DefaultBreakerConfig() BreakerConfig {
	return BreakerConfig{Threshold: 8, Window: time.Minute, Open: 30 * time.Second, ProbeTimeout: 10 * time.Second}
}

// BreakerState is closed, open or half_open.
type BreakerState string

// Breaker states.
const (
	BreakerClosed   BreakerState = "closed"
	BreakerOpen     BreakerState = "open"
	BreakerHalfOpen BreakerState = "half_open"
)

// Breaker is a circuit breaker shared through Redis. Which failures count is the
// caller's choice: report server errors (5xx), timeouts and network errors, which
// say the target is unwell; not 4xx answers such as validation, auth, conflict or
// 429 (the Window handles those), which say the target is fine and the request
// was not.
type Breaker struct {
	rdb redis.UniversalClient
	cfg BreakerConfig
	s   settings
}

// NewBreaker returns the breaker; zero fields of cfg take the defaults.
func NewBreaker(rdb redis.UniversalClient, cfg BreakerConfig, opts ...Option) (*Breaker, error) {
	d := DefaultBreakerConfig()
	if cfg.Threshold == 0 {
		cfg.Threshold = d.Threshold
	}
	if cfg.Window == 0 {
		cfg.Window = d.Window
	}
	if cfg.Open == 0 {
		cfg.Open = d.Open
	}
	if cfg.ProbeTimeout == 0 {
		cfg.ProbeTimeout = d.ProbeTimeout
	}
	if cfg.Threshold < 1 || cfg.Window < time.Millisecond || cfg.Open < time.Millisecond || cfg.ProbeTimeout < time.Millisecond {
		return nil, fmt.Errorf("ratelimit: breaker needs a positive threshold and durations, got %+v", cfg)
	}
	return &Breaker{rdb: rdb, cfg: cfg, s: newSettings(opts)}, nil
}

// Config returns the breaker's thresholds.
func (b *Breaker) Config() BreakerConfig { return b.cfg }

// Decision is the breaker's answer to Allow.
type Decision struct {
	Allowed bool          // the call may go
	Probe   bool          // the call is the half-open probe: report it with probe=true
	RetryIn time.Duration // when not allowed: until the trip ends or the probe lapses
}

// allow script
//
//	KEYS: tripped_until, probe
//	ARGV: now, probe timeout ms
//	reply: {allowed, probe, retry ms}
var allowScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local tripped = tonumber(redis.call('GET', KEYS[1]))
if tripped == nil then return {1, 0, 0} end
if now < tripped then return {0, 0, tripped - now} end
local held = num(redis.call('GET', KEYS[2]), 0)
if held > now then return {0, 0, held - now} end
local hold = tonumber(ARGV[2])
redis.call('SET', KEYS[2], now + hold, 'PX', hold + 1000)
return {1, 1, 0}
`)

// Allow says whether a call may go. While the breaker is open nothing goes; once
// the trip ends exactly one caller across all replicas gets the probe, and the rest
// wait for its verdict (or for it to lapse after ProbeTimeout).
func (b *Breaker) Allow(ctx context.Context) (Decision, error) {
	res, err := allowScript.Run(ctx, b.rdb, []string{rediskeys.TrippedUntil, rediskeys.Probe},
		b.s.nowArg(), b.cfg.ProbeTimeout.Milliseconds(),
	).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: breaker allow: %w", err)
	}
	return Decision{Allowed: res[0] == 1, Probe: res[1] == 1, RetryIn: msDur(res[2])}, nil
}

// Release gives back a probe that was granted but never used (the call was not
// made), so another caller may probe at once instead of after ProbeTimeout.
func (b *Breaker) Release(ctx context.Context, probe bool) error {
	if !probe {
		return nil
	}
	if err := b.rdb.Del(ctx, rediskeys.Probe).Err(); err != nil {
		return fmt.Errorf("ratelimit: breaker release: %w", err)
	}
	return nil
}

// success script: the probe succeeded, close the breaker.
var successScript = redis.NewScript(`
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
`)

// Success reports a call that went well. Only the probe's success matters: it
// closes the breaker and forgets the failures. Other successes change nothing, as
// the breaker counts failures in a window, not in a row.
func (b *Breaker) Success(ctx context.Context, probe bool) error {
	if !probe {
		return nil
	}
	if err := successScript.Run(ctx, b.rdb, []string{rediskeys.TrippedUntil, rediskeys.Probe, rediskeys.Failures}).Err(); err != nil {
		return fmt.Errorf("ratelimit: breaker success: %w", err)
	}
	return nil
}

// failure script
//
//	KEYS: tripped_until, probe, failures
//	ARGV: now, probe (1/0), threshold, window ms, open ms, member suffix
//	reply: {tripped until (0: closed), failures in window, 1 when this failure opened it}
var failureScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local window, open = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZADD', KEYS[3], now, now .. '-' .. ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
redis.call('PEXPIRE', KEYS[3], window + 60000)
local count = redis.call('ZCARD', KEYS[3])
local tripped = tonumber(redis.call('GET', KEYS[1]))
if ARGV[2] == '1' then
  redis.call('SET', KEYS[1], now + open)
  redis.call('DEL', KEYS[2])
  return {now + open, count, 1}
end
-- only a closed breaker trips on the count; while open or half-open the probe decides
if tripped == nil and count >= tonumber(ARGV[3]) then
  redis.call('SET', KEYS[1], now + open)
  return {now + open, count, 1}
end
return {tripped or 0, count, 0}
`)

// Failure reports a failed call (see Breaker for which failures to report). A
// failed probe trips the breaker again for Open.
func (b *Breaker) Failure(ctx context.Context, probe bool) error {
	_, err := b.FailureTripped(ctx, probe)
	return err
}

// FailureTripped is Failure, also saying whether this failure opened the
// breaker (the count reached the threshold, or the probe failed).
func (b *Breaker) FailureTripped(ctx context.Context, probe bool) (bool, error) {
	p := "0"
	if probe {
		p = "1"
	}
	res, err := failureScript.Run(ctx, b.rdb, []string{rediskeys.TrippedUntil, rediskeys.Probe, rediskeys.Failures},
		b.s.nowArg(), p, b.cfg.Threshold, b.cfg.Window.Milliseconds(), b.cfg.Open.Milliseconds(), randomSuffix(),
	).Int64Slice()
	if err != nil {
		return false, fmt.Errorf("ratelimit: breaker failure: %w", err)
	}
	return len(res) == 3 && res[2] == 1, nil
}

// breaker read script: {now, tripped until (0: none), failures in window, probe held until}
var breakerReadScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local tripped = num(redis.call('GET', KEYS[1]), 0)
local count = redis.call('ZCOUNT', KEYS[3], '(' .. (now - tonumber(ARGV[2])), '+inf')
return {now, tripped, count, num(redis.call('GET', KEYS[2]), 0)}
`)

// BreakerStatus is a snapshot of the breaker.
type BreakerStatus struct {
	State        BreakerState
	TrippedUntil time.Time // zero when closed
	Failures     int       // failures in the rolling window
	Threshold    int
	ProbeHeld    bool // half-open and a probe is in flight
}

// State returns closed, open or half_open and, unless closed, the end of the trip.
func (b *Breaker) State(ctx context.Context) (BreakerState, time.Time, error) {
	st, err := b.Status(ctx)
	return st.State, st.TrippedUntil, err
}

// Status reads the breaker without changing it.
func (b *Breaker) Status(ctx context.Context) (BreakerStatus, error) {
	res, err := breakerReadScript.Run(ctx, b.rdb, []string{rediskeys.TrippedUntil, rediskeys.Probe, rediskeys.Failures},
		b.s.nowArg(), b.cfg.Window.Milliseconds(),
	).Int64Slice()
	if err != nil {
		return BreakerStatus{}, fmt.Errorf("ratelimit: breaker state: %w", err)
	}
	now, tripped := res[0], res[1]
	st := BreakerStatus{State: BreakerClosed, Failures: int(res[2]), Threshold: b.cfg.Threshold}
	switch {
	case tripped == 0:
	case now < tripped:
		st.State, st.TrippedUntil = BreakerOpen, msTime(tripped)
	default:
		st.State, st.TrippedUntil, st.ProbeHeld = BreakerHalfOpen, msTime(tripped), res[3] > now
	}
	return st, nil
}
