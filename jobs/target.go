package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/simcrm/simcrm/internal/fake"
	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// target is one CRM the engine writes to (the sandbox, or a HubSpot connection),
// with the guards every call passes: breaker, cooldown and the sliding window.
type target struct {
	name    string // "sandbox" or "connection <id>"
	client  *hubspot.Client
	window  *ratelimit.Window  // nil: no limit (the sandbox with limits off)
	buckets *ratelimit.Buckets // per object type, at ratelimit:bucket:<type>; nil with the window
	breaker *ratelimit.Breaker
	sandbox bool

	// waiters bounds the workers that sleep through a short window wait instead of
	// going back to the queue: enough to take every slot as it frees, few enough
	// that other simulations' work still gets workers.
	waiters chan struct{}

	setup     sync.Mutex
	ready     bool
	keyProp   map[sim.Kind]bool // the target has simcrm_record_key for the type
	uniqueKey map[sim.Kind]bool // …and it is unique (hasUniqueValue)
	simProp   map[sim.Kind]bool // the target has simcrm_simulation_id for the type
	// dates are the planned-date properties (createdate, stage dates, a task's
	// completion date) the target defines as writable, per type: others are
	// left out of what is sent.
	dates map[sim.Kind]map[string]bool
	// pipelines are the deal pipelines read so far, by id.
	pipelines map[string]sim.Pipeline
}

// inlineWaitMax is the longest window wait a worker sleeps through.
const inlineWaitMax = 2 * time.Second

// targetOf returns the (cached) target of a simulation.
func (e *core) targetOf(ctx context.Context, s storage.Simulation) (*target, error) {
	key := storage.TargetSandbox
	if s.TargetKind == storage.TargetHubSpot && s.ConnectionID != nil {
		key = "connection " + strconv.FormatInt(*s.ConnectionID, 10)
	}
	e.mu.Lock()
	t := e.targets[key]
	e.mu.Unlock()
	if t != nil {
		return t, nil
	}
	var err error
	if key == storage.TargetSandbox {
		t, err = e.newTarget(key, e.opts.SandboxURL, e.opts.SandboxToken, "sandbox", e.opts.SandboxLimits)
		if t != nil {
			t.sandbox = true
		}
	} else {
		var c storage.Connection
		c, err = e.store.Connection(ctx, *s.ConnectionID)
		if err != nil {
			return nil, fmt.Errorf("jobs: simulation %d connection: %w", s.ID, err)
		}
		var token []byte
		if e.box == nil {
			return nil, errors.New("jobs: no TOKEN_ENC_SECRET to open HubSpot tokens")
		}
		token, err = e.box.Open(c.TokenCiphertext)
		if err != nil {
			return nil, fmt.Errorf("jobs: connection %d token: %w", c.ID, err)
		}
		tier, terr := ratelimit.ParseTier(c.Tier)
		if terr != nil {
			tier = ratelimit.TierFree
		}
		limits := ratelimit.LimitsFor(tier)
		t, err = e.newTarget(key, c.BaseURL, string(token), "conn"+strconv.FormatInt(c.ID, 10), &limits, e.egress().Options(c.BaseURL)...)
	}
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if cur := e.targets[key]; cur != nil {
		t = cur
	} else {
		e.targets[key] = t
	}
	e.mu.Unlock()
	return t, nil
}

func (e *core) newTarget(name, baseURL, token, connID string, limits *ratelimit.Limits, guard ...hubspot.Option) (*target, error) {
	t := &target{name: name, breaker: e.breaker, waiters: make(chan struct{}, 8)}
	opts := []hubspot.Option{hubspot.WithTimeout(30 * time.Second), hubspot.WithUserAgent("simcrm-engine/1")}
	if e.opts.HTTPClient != nil {
		opts = append(opts, hubspot.WithHTTPClient(e.opts.HTTPClient))
	}
	if limits != nil && e.redis.Enabled() {
		w, err := ratelimit.NewWindow(e.redis.Client, connID, *limits)
		if err != nil {
			return nil, fmt.Errorf("jobs: %s limiter: %w", name, err)
		}
		t.window = w
		// Each object type may use the whole window, no more: the buckets show
		// operators which types spend the allowance and keep one type from
		// bursting past it.
		b, err := ratelimit.NewBuckets(e.redis.Client, nil, ratelimit.BucketRate{
			PerSecond: float64(limits.Burst) / limits.Interval.Seconds(), Capacity: limits.Burst})
		if err != nil {
			return nil, fmt.Errorf("jobs: %s buckets: %w", name, err)
		}
		t.buckets = b
		opts = append(opts, hubspot.WithRateObserver(func(info hubspot.RateLimitInfo) {
			h := ratelimit.Headers{}
			if info.HasWindow && info.Max > 0 {
				h.Max, h.Remaining, h.IntervalMillis = info.Max, info.Remaining, info.IntervalMilliseconds
			}
			if info.HasDaily && info.Daily > 0 {
				h.Daily, h.DailyRemaining = info.Daily, info.DailyRemaining
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = w.Tighten(ctx, h)
		}))
	}
	c, err := hubspot.NewClient(baseURL, token, append(opts, guard...)...)
	if err != nil {
		return nil, fmt.Errorf("jobs: %s client: %w", name, err)
	}
	t.client = c
	return t, nil
}

// egress is where a connection's calls may go: its base URL was typed by a user,
// so public addresses only, unless it is the built-in sandbox (trusted by
// construction) or ALLOW_PRIVATE_TARGETS is set.
func (e *core) egress() hubspot.Egress {
	return hubspot.Egress{SandboxURL: e.opts.SandboxURL, AllowPrivate: e.opts.Config.AllowPrivateTargets}
}

// dailyLimitError reports that the target's daily allowance is spent: the
// simulation pauses with a readable reason instead of retrying.
type dailyLimitError struct{ resetAt time.Time }

func (d *dailyLimitError) Error() string {
	return "the target's daily API limit is spent; it resets at " + d.resetAt.Format("2006-01-02 15:04 MST")
}

// do makes one call for objects of a kind ("" for metadata calls) to the target
// behind its guards: breaker, then the kind's bucket, then cooldown and window. A wait comes back as *Throttled (never a failure); a 429 feeds the window
// (DAILY becomes a *dailyLimitError); server, timeout and network failures count
// against the breaker.
func (t *target) do(ctx context.Context, kind sim.Kind, call func(context.Context) error) error {
	var probe bool
	if t.breaker != nil {
		d, err := t.breaker.Allow(ctx)
		if err != nil {
			return &Throttled{Wait: time.Second, Reason: "breaker unavailable: " + err.Error()}
		}
		if !d.Allowed {
			return &Throttled{Wait: max(d.RetryIn, 100*time.Millisecond), Reason: "circuit breaker open"}
		}
		probe = d.Probe
	}
	release := func() {
		if probe {
			_ = t.breaker.Release(context.WithoutCancel(ctx), true)
		}
	}
	if err := t.takeBucket(ctx, kind); err != nil {
		release()
		return err
	}
	if err := t.reserve(ctx); err != nil {
		release()
		return err
	}
	err := call(ctx)
	tally := tallyOf(ctx)
	if tally != nil {
		tally.calls.Add(1)
	}
	bctx := context.WithoutCancel(ctx)
	if err != nil && ctx.Err() != nil {
		// Our own stop (or the task's deadline) cut the call off: that says
		// nothing about the target.
		release()
		return &Throttled{Wait: outageWait, Reason: "interrupted: " + err.Error()}
	}
	if err == nil {
		if t.breaker != nil {
			_ = t.breaker.Success(bctx, probe)
		}
		return nil
	}
	switch hubspot.Classify(err) {
	case hubspot.CategoryServer, hubspot.CategoryTimeout, hubspot.CategoryNetwork:
		if t.breaker != nil {
			if tripped, _ := t.breaker.FailureTripped(bctx, probe); tripped && tally != nil {
				tally.breakerTrips.Add(1)
			}
		}
	case hubspot.CategoryRateLimit:
		if tally != nil {
			tally.rateLimited.Add(1)
		}
		if t.breaker != nil {
			_ = t.breaker.Success(bctx, probe)
		}
		return t.rejected(bctx, err)
	default:
		if t.breaker != nil {
			_ = t.breaker.Success(bctx, probe)
		}
	}
	return err
}

// takeBucket takes one token from the kind's bucket; an empty bucket is a wait.
func (t *target) takeBucket(ctx context.Context, kind sim.Kind) error {
	if t.buckets == nil || kind == "" {
		return nil
	}
	ok, retryIn, err := t.buckets.Take(ctx, string(kind), 1)
	if err != nil {
		return &Throttled{Wait: time.Second, Reason: "bucket unavailable: " + err.Error()}
	}
	if !ok {
		return &Throttled{Wait: max(retryIn, 10*time.Millisecond), Reason: string(kind) + " bucket empty"}
	}
	return nil
}

// reserve takes one call from the window, sleeping through short waits while a
// waiter slot is free.
func (t *target) reserve(ctx context.Context) error {
	if t.window == nil {
		return nil
	}
	waiting := false
	defer func() {
		if waiting {
			<-t.waiters
		}
	}()
	for {
		r, err := t.window.Reserve(ctx, 1)
		var dl *ratelimit.DailyLimitError
		if errors.As(err, &dl) {
			return &dailyLimitError{resetAt: dl.ResetAt}
		}
		if err != nil {
			return &Throttled{Wait: time.Second, Reason: "limiter unavailable: " + err.Error()}
		}
		if r.OK {
			return nil
		}
		if r.Cooldown || r.RetryIn > inlineWaitMax {
			return &Throttled{Wait: r.RetryIn, Reason: "rate limit window"}
		}
		if !waiting {
			select {
			case t.waiters <- struct{}{}:
				waiting = true
			default:
				return &Throttled{Wait: r.RetryIn, Reason: "rate limit window"}
			}
		}
		timer := time.NewTimer(r.RetryIn)
		select {
		case <-ctx.Done():
			timer.Stop()
			return &Throttled{Wait: r.RetryIn, Reason: "rate limit window"}
		case <-timer.C:
		}
	}
}

// rejected records a 429 and turns it into a wait.
func (t *target) rejected(ctx context.Context, err error) error {
	var he *hubspot.Error
	rej := ratelimit.Rejection{}
	if errors.As(err, &he) {
		rej.Policy = ratelimit.Policy(he.PolicyName)
		if he.HasRetryAfter {
			rej.RetryAfter = he.RetryAfter
		}
	}
	if t.window == nil {
		if rej.Policy == ratelimit.PolicyDaily {
			return &dailyLimitError{resetAt: ratelimit.NextMidnight(time.Now(), time.UTC)}
		}
		return &Throttled{Wait: max(rej.RetryAfter, 10*time.Second), Reason: "429 from " + t.name}
	}
	until, rerr := t.window.Rejected(ctx, rej)
	var dl *ratelimit.DailyLimitError
	if errors.As(rerr, &dl) {
		return &dailyLimitError{resetAt: dl.ResetAt}
	}
	wait := time.Until(until)
	if rerr != nil || wait <= 0 {
		wait = 10 * time.Second
	}
	return &Throttled{Wait: wait, Reason: "429 from " + t.name}
}

// prepare makes sure the target has SimCRM's properties on every object type: the
// key (unique where the target allows it) and the simulation id. It runs once per
// target and process, each call behind the target's guards
// (hubspot.EnsureTracePropertiesGuarded); a type that refuses a property goes on
// without it, a token without the scopes to define them is an error.
func (t *target) prepare(ctx context.Context) error {
	t.setup.Lock()
	defer t.setup.Unlock()
	if t.ready {
		return nil
	}
	keyProp := map[sim.Kind]bool{}
	unique := map[sim.Kind]bool{}
	simProp := map[sim.Kind]bool{}
	guard := func(ctx context.Context, call func(context.Context) error) error { return t.do(ctx, "", call) }
	dates := map[sim.Kind]map[string]bool{}
	for _, k := range sim.ObjectKinds {
		ot := objectType(k)
		rep, err := t.client.EnsureTracePropertiesGuarded(ctx, guard, ot)
		if err != nil {
			return fmt.Errorf("jobs: %s: SimCRM's properties on %s: %w", t.name, ot, err)
		}
		r := rep.Results[0]
		if r.Refusal != nil && hubspot.Classify(r.Refusal) == hubspot.CategoryAuth {
			return fmt.Errorf("jobs: %s: define SimCRM's properties on %s: %w", t.name, ot, r.Refusal)
		}
		dates[k] = map[string]bool{}
		for _, p := range r.Properties {
			if fake.HistoricalDate(p.Name) && writable(p) {
				dates[k][p.Name] = true
			}
		}
		keyProp[k] = r.Has(hubspot.RecordKeyProperty)
		unique[k] = keyProp[k] && !r.KeyNotUnique
		simProp[k] = r.Has(hubspot.SimulationIDProperty)
	}
	t.keyProp, t.uniqueKey, t.simProp, t.dates, t.ready = keyProp, unique, simProp, dates, true
	return nil
}

// writable reports whether a property definition takes values from the API.
func writable(p hubspot.Property) bool {
	return !p.Calculated && (p.ModificationMetadata == nil || !p.ModificationMetadata.ReadOnlyValue)
}

// keepWritableDates drops the planned-date properties the target does not take
// for kind (or all of them when the run sends none).
func (r *simRun) keepWritableDates(kind sim.Kind, props map[string]string) {
	for name := range props {
		if fake.HistoricalDate(name) && (!r.datesOn() || !r.target.dates[kind][name]) {
			delete(props, name)
		}
	}
}

// objectType is the HubSpot object type of a kind.
func objectType(k sim.Kind) hubspot.ObjectType {
	t, _ := hubspot.ParseObjectType(string(k))
	return t
}
