package ratelimit

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"time"
)

// Option adjusts a Window, Buckets or Breaker.
type Option func(*settings)

// WithClock makes the scripts use now instead of the Redis server clock. Every
// process sharing the keys must use the same clock; meant for tests.
func WithClock(now func() time.Time) Option {
	return func(s *settings) { s.now = now }
}

type settings struct {
	now func() time.Time // nil: Redis server time
}

func newSettings(opts []Option) settings {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	return s
}

// nowArg is the clock argument every script takes: empty means "read TIME".
func (s settings) nowArg() string {
	if s.now == nil {
		return ""
	}
	return strconv.FormatInt(s.now().UnixMilli(), 10)
}

// localNow is the Go-side clock, used only to list candidate midnights.
func (s settings) localNow() time.Time {
	if s.now == nil {
		return time.Now()
	}
	return s.now()
}

// luaClock is prepended to every script: ARGV[1] is the caller's ms clock or empty.
const luaClock = `
local function clock(arg)
  if arg ~= nil and arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(v, d)
  local n = tonumber(v)
  if n == nil then return d end
  return n
end
-- first of the candidate midnights that lies after now
local function next_reset(now, a, b, c)
  for _, m in ipairs({tonumber(a), tonumber(b), tonumber(c)}) do
    if m > now then return m end
  end
  return tonumber(c)
end
`

// midnights returns the start of today, tomorrow and the day after in loc, as ms
// epochs; the script picks the first one after its own clock, so a Go clock that is
// off by less than a day still lands on the right reset.
func midnights(now time.Time, loc *time.Location) [3]string {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := now.In(loc).Date()
	var out [3]string
	for i := range out {
		out[i] = strconv.FormatInt(time.Date(y, m, d+i, 0, 0, 0, 0, loc).UnixMilli(), 10)
	}
	return out
}

// NextMidnight is the next daily reset after t in loc (UTC when nil).
func NextMidnight(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func msDur(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// toInt64 reads an integer element of a script reply.
func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}
