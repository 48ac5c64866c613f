package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
)

// capHold is how long a lower burst learnt from X-HubSpot-RateLimit-Max lasts after
// the last response that said so.
const capHold = time.Minute

// Window limits the calls of one HubSpot connection, shared through Redis by every
// worker and replica: at most Limits.Burst-Margin calls in any rolling
// Interval+Guard (a sliding-window log), at most Limits.Daily calls a day, none while
// the shared cooldown lasts.
type Window struct {
	rdb    redis.UniversalClient
	conn   string
	limits Limits
	s      settings

	keyWindow, keyDaily, keyCap string
}

// NewWindow returns the limiter of connection connID.
func NewWindow(rdb redis.UniversalClient, connID string, l Limits, opts ...Option) (*Window, error) {
	if connID == "" {
		return nil, errors.New("ratelimit: connection id is empty")
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return &Window{
		rdb: rdb, conn: connID, limits: l, s: newSettings(opts),
		keyWindow: rediskeys.Window(connID), keyDaily: rediskeys.Daily(connID), keyCap: rediskeys.Cap(connID),
	}, nil
}

// Limits returns the configured limits.
func (w *Window) Limits() Limits { return w.limits }

// Reservation is the answer to Reserve.
type Reservation struct {
	OK       bool          // the calls may go now
	RetryIn  time.Duration // when not OK: how long until it can succeed
	Cooldown bool          // when not OK: refused by the shared cooldown, not the window
	At       time.Time     // the limiter clock at the decision (the grant time when OK)
	Used     int           // calls in the window after the decision
	Limit    int           // calls the window grants per interval right now
}

// window script
//
//	KEYS: window zset, daily hash, cap hash, cooldown
//	ARGV: now, interval ms, limit, n, daily limit, midnight x3, member suffix
//	reply: {code, retry ms, now, used, limit}; code 1 granted, 0 window full,
//	       2 cooldown, 3 daily cap spent (retry = ms until reset)
var reserveScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local dlimit = tonumber(ARGV[5])
local reset = next_reset(now, ARGV[6], ARGV[7], ARGV[8])

local d = redis.call('HMGET', KEYS[2], 'used', 'reset_at', 'cap')
local used, reset_at, dcap = num(d[1], 0), num(d[2], 0), num(d[3], 0)
if reset_at <= now then used, reset_at, dcap = 0, reset, 0 end
if dcap > 0 and (dlimit == 0 or dcap < dlimit) then dlimit = dcap end
if dlimit > 0 and used + n > dlimit then
  return {3, reset_at - now, now, used, dlimit}
end

local cd = num(redis.call('GET', KEYS[4]), 0)
if cd > now then
  return {2, cd - now, now, redis.call('ZCOUNT', KEYS[1], '(' .. (now - interval), '+inf'), limit}
end

local c = redis.call('HMGET', KEYS[3], 'max', 'until')
if num(c[2], 0) > now and num(c[1], 0) > 0 and num(c[1], 0) < limit then limit = num(c[1], 0) end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval)
local count = redis.call('ZCARD', KEYS[1])
if count + n > limit then
  local need = count + n - limit
  local retry = interval
  if need <= count then
    local e = redis.call('ZRANGE', KEYS[1], need - 1, need - 1, 'WITHSCORES')
    retry = tonumber(e[2]) + interval - now
  end
  if retry < 1 then retry = 1 end
  return {0, retry, now, count, limit}
end
for i = 1, n do
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[9] .. '-' .. i)
end
redis.call('PEXPIRE', KEYS[1], interval + 60000)
redis.call('HSET', KEYS[2], 'used', used + n, 'reset_at', reset_at, 'cap', dcap)
redis.call('PEXPIRE', KEYS[2], reset_at - now + 86400000)
return {1, 0, now, count + n, limit}
`)

// Reserve asks for n calls at once. When the window, the daily cap or the cooldown
// refuses, nothing is recorded and RetryIn says when to come back, so callers can
// reschedule instead of blocking. A spent daily cap is a *DailyLimitError
// (errors.Is(err, ErrDailyLimit)): pause, do not retry.
func (w *Window) Reserve(ctx context.Context, n int) (Reservation, error) {
	if n < 1 || n > w.limits.limit() {
		return Reservation{}, fmt.Errorf("ratelimit: cannot reserve %d calls (window grants %d)", n, w.limits.limit())
	}
	m := midnights(w.s.localNow(), w.limits.zone())
	res, err := reserveScript.Run(ctx, w.rdb,
		[]string{w.keyWindow, w.keyDaily, w.keyCap, rediskeys.Cooldown},
		w.s.nowArg(), w.limits.window().Milliseconds(), w.limits.limit(), n, w.limits.Daily,
		m[0], m[1], m[2], randomSuffix(),
	).Int64Slice()
	if err != nil {
		return Reservation{}, fmt.Errorf("ratelimit: reserve on %s: %w", w.conn, err)
	}
	code, retry, now := res[0], res[1], res[2]
	if code == 3 {
		return Reservation{At: msTime(now)}, &DailyLimitError{ResetAt: msTime(now + retry).In(w.limits.zone())}
	}
	r := Reservation{At: msTime(now), Used: int(res[3]), Limit: int(res[4])}
	switch code {
	case 1:
		r.OK = true
	case 0:
		r.RetryIn = msDur(retry)
	case 2:
		r.RetryIn, r.Cooldown = msDur(retry), true
	}
	return r, nil
}

// Take asks for one call; when refused, retryIn says how long until a slot frees.
func (w *Window) Take(ctx context.Context) (ok bool, retryIn time.Duration, err error) {
	r, err := w.Reserve(ctx, 1)
	return r.OK, r.RetryIn, err
}

// Wait blocks until one call is granted, the context ends or the daily cap is spent.
func (w *Window) Wait(ctx context.Context) error {
	for {
		r, err := w.Reserve(ctx, 1)
		if err != nil {
			return err
		}
		if r.OK {
			return nil
		}
		t := time.NewTimer(r.RetryIn)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// tighten script
//
//	KEYS: window zset, daily hash, cap hash
//	ARGV: now, interval ms, limit, max, remaining, daily limit, daily, daily remaining,
//	      midnight x3, member suffix, cap hold ms, margin
//	reply: {phantoms added, daily used}
var tightenScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local interval = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local hmax, hrem = tonumber(ARGV[4]), tonumber(ARGV[5])
local dlimit, hdaily, hdrem = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local suffix, hold, margin = ARGV[12], tonumber(ARGV[13]), tonumber(ARGV[14])
local added = 0
if hmax > 0 then
  if hmax - margin < limit then
    redis.call('HSET', KEYS[3], 'max', math.max(hmax - margin, 1), 'until', now + hold)
    redis.call('PEXPIRE', KEYS[3], hold + 60000)
  end
  -- HubSpot has seen hmax-hrem calls in its window; make sure we count at least as many
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - interval)
  local count = redis.call('ZCARD', KEYS[1])
  local seen = math.min(hmax - hrem, limit)
  for i = 1, seen - count do
    redis.call('ZADD', KEYS[1], now, 'p-' .. now .. '-' .. suffix .. '-' .. i)
    added = added + 1
  end
  if added > 0 then redis.call('PEXPIRE', KEYS[1], interval + 60000) end
end
local used = -1
if hdaily > 0 then
  local reset = next_reset(now, ARGV[9], ARGV[10], ARGV[11])
  local d = redis.call('HMGET', KEYS[2], 'used', 'reset_at', 'cap')
  local reset_at, dcap
  used, reset_at, dcap = num(d[1], 0), num(d[2], 0), num(d[3], 0)
  if reset_at <= now then used, reset_at, dcap = 0, reset, 0 end
  if dlimit == 0 or hdaily < dlimit then
    if dcap == 0 or hdaily < dcap then dcap = hdaily end
  end
  local eff = dlimit
  if dcap > 0 and (eff == 0 or dcap < eff) then eff = dcap end
  used = math.max(used, hdaily - hdrem)
  if hdrem <= 0 then used = math.max(used, eff) end
  redis.call('HSET', KEYS[2], 'used', used, 'reset_at', reset_at, 'cap', dcap)
  redis.call('PEXPIRE', KEYS[2], reset_at - now + 86400000)
end
return {added, used}
`)

// Tighten folds a response's rate-limit headers into the window. It only ever
// tightens: calls HubSpot counted that we did not (other clients of the same app)
// become phantom entries that expire with the window, a lower Max becomes a
// temporary lower cap, and the daily count is raised to what HubSpot reports; a
// Daily-Remaining of 0 blocks the connection until the daily reset.
func (w *Window) Tighten(ctx context.Context, h Headers) error {
	if h.Max <= 0 && h.Daily <= 0 {
		return nil
	}
	hmax, hrem := 0, 0
	if h.Max > 0 {
		hmax, hrem = h.Max, min(max(h.Remaining, 0), h.Max)
	}
	hdaily, hdrem := 0, 0
	if h.Daily > 0 {
		hdaily, hdrem = h.Daily, min(max(h.DailyRemaining, 0), h.Daily)
	}
	m := midnights(w.s.localNow(), w.limits.zone())
	err := tightenScript.Run(ctx, w.rdb, []string{w.keyWindow, w.keyDaily, w.keyCap},
		w.s.nowArg(), w.limits.window().Milliseconds(), w.limits.limit(), hmax, hrem,
		w.limits.Daily, hdaily, hdrem, m[0], m[1], m[2], randomSuffix(),
		capHold.Milliseconds(), w.limits.Margin,
	).Err()
	if err != nil {
		return fmt.Errorf("ratelimit: tighten %s: %w", w.conn, err)
	}
	return nil
}

// cooldown script
//
//	KEYS: cooldown, daily hash
//	ARGV: now, delay ms (-1: until the daily reset), daily (1/0), daily limit, midnight x3
//	reply: {cooldown in force, now, this rejection's end}
var cooldownScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local delay = tonumber(ARGV[2])
local target = next_reset(now, ARGV[5], ARGV[6], ARGV[7])
if delay >= 0 then target = now + delay end
if ARGV[3] == '1' then
  -- the day is spent until the reset (or until Retry-After, when HubSpot sent one)
  local d = redis.call('HMGET', KEYS[2], 'used', 'cap')
  local used, dcap = num(d[1], 0), num(d[2], 0)
  local dlimit = tonumber(ARGV[4])
  if dcap > 0 and (dlimit == 0 or dcap < dlimit) then dlimit = dcap end
  if dlimit == 0 then dcap, dlimit = math.max(used, 1), math.max(used, 1) end
  redis.call('HSET', KEYS[2], 'used', math.max(used, dlimit), 'reset_at', target, 'cap', dcap)
  redis.call('PEXPIRE', KEYS[2], target - now + 86400000)
end
local cur = num(redis.call('GET', KEYS[1]), 0)
if cur < target then
  redis.call('SET', KEYS[1], target, 'PX', target - now + 1000)
  cur = target
end
return {cur, now, target}
`)

// Rejected records a 429 and returns until when every call waits (the shared
// cooldown, which is never shortened by a later, shorter one). Retry-After wins when
// present; otherwise TEN_SECONDLY_ROLLING (or an unknown policy) waits one full
// window from now, so every call HubSpot still counts has left its window, and
// SECONDLY waits one second. DAILY marks the day spent and returns a
// *DailyLimitError with the reset (midnight in Limits.Zone unless Retry-After says
// otherwise): pause the simulation, do not retry.
func (w *Window) Rejected(ctx context.Context, r Rejection) (time.Time, error) {
	delay := int64(-1)
	daily := "0"
	switch {
	case r.RetryAfter > 0:
		delay = max(r.RetryAfter.Milliseconds(), 1)
	case r.Policy == PolicySecondly:
		delay = time.Second.Milliseconds()
	case r.Policy != PolicyDaily:
		delay = w.limits.window().Milliseconds()
	}
	if r.Policy == PolicyDaily {
		daily = "1"
	}
	until, reset, err := w.cooldown(ctx, delay, daily)
	if err != nil {
		return time.Time{}, err
	}
	if r.Policy == PolicyDaily {
		return until, &DailyLimitError{ResetAt: reset.In(w.limits.zone())}
	}
	return until, nil
}

// ExtendCooldown makes every call wait at least d from now; a later cooldown
// already in place stays. It returns the cooldown in force.
func (w *Window) ExtendCooldown(ctx context.Context, d time.Duration) (time.Time, error) {
	until, _, err := w.cooldown(ctx, max(d.Milliseconds(), 0), "0")
	return until, err
}

func (w *Window) cooldown(ctx context.Context, delayMS int64, daily string) (until, reset time.Time, err error) {
	m := midnights(w.s.localNow(), w.limits.zone())
	res, err := cooldownScript.Run(ctx, w.rdb, []string{rediskeys.Cooldown, w.keyDaily},
		w.s.nowArg(), delayMS, daily, w.limits.Daily, m[0], m[1], m[2],
	).Int64Slice()
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("ratelimit: cooldown: %w", err)
	}
	return msTime(res[0]), msTime(res[2]), nil
}

// read script: a snapshot, no writes.
//
//	KEYS: window zset, daily hash, cap hash, cooldown
//	ARGV: now, interval ms, limit, daily limit
//	reply: {now, used, limit, daily used, daily limit, daily reset, cooldown until}
var windowReadScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local limit = tonumber(ARGV[3])
local dlimit = tonumber(ARGV[4])
local used = redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[2])), '+inf')
local c = redis.call('HMGET', KEYS[3], 'max', 'until')
if num(c[2], 0) > now and num(c[1], 0) > 0 and num(c[1], 0) < limit then limit = num(c[1], 0) end
local d = redis.call('HMGET', KEYS[2], 'used', 'reset_at', 'cap')
local dused, reset_at, dcap = num(d[1], 0), num(d[2], 0), num(d[3], 0)
if reset_at <= now then dused, reset_at, dcap = 0, 0, 0 end
if dcap > 0 and (dlimit == 0 or dcap < dlimit) then dlimit = dcap end
local cd = num(redis.call('GET', KEYS[4]), 0)
return {now, used, limit, dused, dlimit, reset_at, cd}
`)

// WindowStatus is a snapshot of one connection's limiter.
type WindowStatus struct {
	ConnID        string
	At            time.Time // the limiter clock at the snapshot
	Used          int       // calls in the current rolling window (phantoms included)
	Limit         int       // calls granted per window right now
	Interval      time.Duration
	DailyUsed     int
	DailyLimit    int       // 0: no daily cap
	DailyResetAt  time.Time // in Limits.Zone
	CooldownUntil time.Time // zero or in the past: no cooldown
}

// Status reads the window without changing it.
func (w *Window) Status(ctx context.Context) (WindowStatus, error) {
	res, err := windowReadScript.Run(ctx, w.rdb,
		[]string{w.keyWindow, w.keyDaily, w.keyCap, rediskeys.Cooldown},
		w.s.nowArg(), w.limits.window().Milliseconds(), w.limits.limit(), w.limits.Daily,
	).Int64Slice()
	if err != nil {
		return WindowStatus{}, fmt.Errorf("ratelimit: window status %s: %w", w.conn, err)
	}
	now := res[0]
	st := WindowStatus{
		ConnID: w.conn, At: msTime(now), Used: int(res[1]), Limit: int(res[2]),
		Interval: w.limits.window(), DailyUsed: int(res[3]), DailyLimit: int(res[4]),
	}
	if res[5] > 0 {
		st.DailyResetAt = msTime(res[5]).In(w.limits.zone())
	} else {
		st.DailyResetAt = NextMidnight(msTime(now), w.limits.zone())
	}
	if res[6] > now {
		st.CooldownUntil = msTime(res[6])
	}
	return st, nil
}

// CooldownRemaining is how long every call must still wait after a 429.
func (w *Window) CooldownRemaining(ctx context.Context) (time.Duration, error) {
	st, err := w.Status(ctx)
	if err != nil {
		return 0, err
	}
	if st.CooldownUntil.IsZero() {
		return 0, nil
	}
	return st.CooldownUntil.Sub(st.At), nil
}
