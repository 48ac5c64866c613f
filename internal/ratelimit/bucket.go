package ratelimit

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/rediskeys"
)

// BucketRate configures one object type's bucket.
type BucketRate struct {
	PerSecond float64 // refill rate
	Capacity  int     // most tokens the bucket holds; a fresh bucket starts full
}

// Buckets are token buckets per object type, shared through Redis. They pace the
// kinds of work against each other; the HubSpot window is the Window's job.
type Buckets struct {
	rdb   redis.UniversalClient
	rates map[string]BucketRate
	def   BucketRate
	s     settings
}

// NewBuckets configures buckets for the given types; def applies to any other type
// (leave it zero to refuse unknown types).
func NewBuckets(rdb redis.UniversalClient, rates map[string]BucketRate, def BucketRate, opts ...Option) (*Buckets, error) {
	check := func(name string, r BucketRate) error {
		if r.PerSecond <= 0 || r.Capacity < 1 {
			return fmt.Errorf("ratelimit: bucket %q needs a positive rate and capacity, got %g/s and %d", name, r.PerSecond, r.Capacity)
		}
		return nil
	}
	own := make(map[string]BucketRate, len(rates))
	for t, r := range rates {
		if t == "" {
			return nil, fmt.Errorf("ratelimit: bucket with an empty object type")
		}
		if err := check(t, r); err != nil {
			return nil, err
		}
		own[t] = r
	}
	if def != (BucketRate{}) {
		if err := check("default", def); err != nil {
			return nil, err
		}
	}
	return &Buckets{rdb: rdb, rates: own, def: def, s: newSettings(opts)}, nil
}

// Rate returns the configuration that applies to objectType.
func (b *Buckets) Rate(objectType string) (BucketRate, error) {
	if r, ok := b.rates[objectType]; ok {
		return r, nil
	}
	if b.def != (BucketRate{}) && objectType != "" {
		return b.def, nil
	}
	return BucketRate{}, fmt.Errorf("ratelimit: no bucket configured for object type %q", objectType)
}

// bucket script: refill, then take n tokens when there are enough (write=1), or
// only compute the level (write=0).
//
//	KEYS: bucket, bucket:ts
//	ARGV: now, tokens per ms, capacity, n, write
//	reply: {ok, retry ms, tokens}
//
// The refill clock advances only by the time whole tokens were added for, so
// fractions are never lost while the main key stays an integer.
var bucketScript = redis.NewScript(luaClock + `
local now = clock(ARGV[1])
local rate = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local tokens = tonumber(redis.call('GET', KEYS[1]))
local ts = tonumber(redis.call('GET', KEYS[2]))
if tokens == nil or ts == nil then tokens, ts = cap, now end
if tokens > cap then tokens = cap end
if now > ts then
  local add = math.floor((now - ts) * rate)
  if tokens + add >= cap then
    tokens, ts = cap, now
  elseif add > 0 then
    tokens, ts = tokens + add, ts + add / rate
  end
end
if tokens >= cap then ts = math.max(ts, now) end
local ok, retry = 0, 0
if ARGV[5] == '1' and tokens >= n then
  tokens = tokens - n
  ok = 1
elseif tokens < n then
  retry = math.ceil(ts + (n - tokens) / rate - now)
  if retry < 1 then retry = 1 end
else
  ok = 1
end
if ARGV[5] == '1' then
  redis.call('SET', KEYS[1], string.format('%d', tokens))
  redis.call('SET', KEYS[2], string.format('%.3f', ts))
end
return {ok, retry, tokens}
`)

// Take takes n tokens from objectType's bucket; when there are too few, nothing is
// taken and retryIn says when there will be enough.
func (b *Buckets) Take(ctx context.Context, objectType string, n int) (ok bool, retryIn time.Duration, err error) {
	r, err := b.Rate(objectType)
	if err != nil {
		return false, 0, err
	}
	if n < 1 || n > r.Capacity {
		return false, 0, fmt.Errorf("ratelimit: cannot take %d tokens from bucket %q (capacity %d)", n, objectType, r.Capacity)
	}
	res, err := b.run(ctx, objectType, r, n, "1")
	if err != nil {
		return false, 0, err
	}
	return res[0] == 1, msDur(res[1]), nil
}

// Level returns the tokens objectType's bucket holds now, refill included.
func (b *Buckets) Level(ctx context.Context, objectType string) (int, error) {
	r, err := b.Rate(objectType)
	if err != nil {
		return 0, err
	}
	res, err := b.run(ctx, objectType, r, 1, "0")
	if err != nil {
		return 0, err
	}
	return int(res[2]), nil
}

func (b *Buckets) run(ctx context.Context, objectType string, r BucketRate, n int, write string) ([]int64, error) {
	key := rediskeys.Bucket(objectType)
	res, err := bucketScript.Run(ctx, b.rdb, []string{key, rediskeys.BucketClock(objectType)},
		b.s.nowArg(), strconv.FormatFloat(r.PerSecond/1000, 'f', -1, 64), r.Capacity, n, write,
	).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("ratelimit: bucket %s: %w", objectType, err)
	}
	return res, nil
}

// BucketLevel is one bucket in a Status snapshot.
type BucketLevel struct {
	Type     string
	Tokens   int
	Capacity int
	PerSec   float64
}

// Levels returns every configured bucket's level, sorted by type.
func (b *Buckets) Levels(ctx context.Context) ([]BucketLevel, error) {
	types := make([]string, 0, len(b.rates))
	for t := range b.rates {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]BucketLevel, 0, len(types))
	for _, t := range types {
		n, err := b.Level(ctx, t)
		if err != nil {
			return nil, err
		}
		r := b.rates[t]
		out = append(out, BucketLevel{Type: t, Tokens: n, Capacity: r.Capacity, PerSec: r.PerSecond})
	}
	return out, nil
}
