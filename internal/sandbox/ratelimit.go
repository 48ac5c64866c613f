package sandbox

import (
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// The rolling window HubSpot's burst limit counts over.
const window = 10 * time.Second

// limiter enforces the limits per token: a true rolling 10-second window (a log of
// call times; one sandbox process holds it), a daily count reset at midnight UTC,
// and the per-second search limit.
type limiter struct {
	mu     sync.Mutex
	limits Limits
	tokens map[string]*tokenUsage
}

type tokenUsage struct {
	calls  ring // times of calls in the rolling window, at most Burst
	search ring // times of search calls in the last second
	day    string
	daily  int
}

// ring is a fixed-capacity log of times, oldest first.
type ring struct {
	buf        []time.Time
	head, size int
}

func (r *ring) resize(n int) {
	keep := min(r.size, n)
	buf := make([]time.Time, n)
	for i := 0; i < keep; i++ {
		buf[i] = r.at(r.size - keep + i)
	}
	r.buf, r.head, r.size = buf, 0, keep
}

func (r *ring) at(i int) time.Time { return r.buf[(r.head+i)%len(r.buf)] }

// expire drops entries not after cutoff.
func (r *ring) expire(cutoff time.Time) {
	for r.size > 0 && !r.buf[r.head].After(cutoff) {
		r.head = (r.head + 1) % len(r.buf)
		r.size--
	}
}

func (r *ring) push(t time.Time) {
	r.buf[(r.head+r.size)%len(r.buf)] = t
	r.size++
}

// since counts entries after cutoff.
func (r *ring) since(cutoff time.Time) int {
	n := 0
	for i := r.size - 1; i >= 0 && r.at(i).After(cutoff); i-- {
		n++
	}
	return n
}

func newLimiter(l Limits) *limiter {
	return &limiter{limits: l, tokens: map[string]*tokenUsage{}}
}

func (l *limiter) get() Limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limits
}

func (l *limiter) setLimits(lim Limits) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = lim
	for _, u := range l.tokens {
		u.calls.resize(lim.Burst)
		u.search.resize(lim.SearchPerSecond)
	}
}

func (l *limiter) reset() {
	l.mu.Lock()
	l.tokens = map[string]*tokenUsage{}
	l.mu.Unlock()
}

func (l *limiter) usageOf(token string) *tokenUsage {
	u := l.tokens[token]
	if u == nil {
		u = &tokenUsage{}
		u.calls.resize(l.limits.Burst)
		u.search.resize(l.limits.SearchPerSecond)
		l.tokens[token] = u
	}
	return u
}

func (l *limiter) usage(token string, now time.Time) Usage {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.usageOf(token)
	u.calls.expire(now.Add(-window))
	out := Usage{Limits: l.limits, WindowUsed: u.calls.size}
	if u.day == now.UTC().Format(time.DateOnly) {
		out.DailyUsed = u.daily
	}
	return out
}

// decision is the outcome of counting one call.
type decision struct {
	policy  string // "" allowed; TEN_SECONDLY_ROLLING, DAILY or SECONDLY when refused
	limits  Limits
	used    int // calls in the window, this one included
	lastSec int // calls in the last second, this one included
	daily   int // calls today, this one included
}

// take counts one call of token at now, unless a limit refuses it (refused calls
// are not counted).
func (l *limiter) take(token string, now time.Time, search bool) decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.limits
	u := l.usageOf(token)
	if day := now.UTC().Format(time.DateOnly); u.day != day {
		u.day, u.daily = day, 0
	}
	d := decision{limits: lim}
	if lim.Burst > 0 {
		u.calls.expire(now.Add(-window))
	}
	if lim.SearchPerSecond > 0 {
		u.search.expire(now.Add(-time.Second))
	}
	switch {
	case lim.Daily > 0 && u.daily >= lim.Daily:
		d.policy = policyDaily
	case search && lim.SearchPerSecond > 0 && u.search.size >= lim.SearchPerSecond:
		d.policy = policySecondly
	case !search && lim.Burst > 0 && u.calls.size >= lim.Burst:
		d.policy = policyTenSecondly
	}
	if d.policy == "" {
		u.daily++
		switch {
		case search && lim.SearchPerSecond > 0:
			u.search.push(now)
		case !search && lim.Burst > 0:
			u.calls.push(now)
		}
	}
	d.daily = u.daily
	if lim.Burst > 0 {
		d.used = u.calls.size
		d.lastSec = u.calls.since(now.Add(-time.Second))
	}
	return d
}

// Rate-limit policies as HubSpot names them in 429 bodies.
const (
	policyTenSecondly = "TEN_SECONDLY_ROLLING"
	policyDaily       = "DAILY"
	policySecondly    = "SECONDLY"
)

// rateLimit counts the call against its token's limits, sets HubSpot's rate-limit
// headers (not on search, as HubSpot) and answers 429 when a limit is reached.
func (s *Server) rateLimit(c *fiber.Ctx) error {
	token, _ := c.Locals(localToken).(string)
	search := isSearch(c)
	d := s.limits.take(token, s.now(), search)
	if !search {
		setRateHeaders(c, d)
	}
	if d.policy == "" {
		return c.Next()
	}
	return tooManyRequests(c, d.policy)
}

func setRateHeaders(c *fiber.Ctx, d decision) {
	if d.limits.Daily > 0 {
		c.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(d.limits.Daily))
		c.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(max(0, d.limits.Daily-d.daily)))
	}
	if d.limits.Burst > 0 {
		perSecond := max(1, d.limits.Burst/10)
		c.Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(int(window/time.Millisecond)))
		c.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(d.limits.Burst))
		c.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(max(0, d.limits.Burst-d.used)))
		c.Set("X-HubSpot-RateLimit-Secondly", strconv.Itoa(perSecond))
		c.Set("X-HubSpot-RateLimit-Secondly-Remaining", strconv.Itoa(max(0, perSecond-d.lastSec)))
	}
}

// rateLimitBody is HubSpot's 429 body (it has no "category", unlike other errors).
type rateLimitBody struct {
	Status        string `json:"status"`
	Message       string `json:"message"`
	ErrorType     string `json:"errorType"`
	CorrelationID string `json:"correlationId"`
	PolicyName    string `json:"policyName"`
	RequestID     string `json:"requestId"`
}

func tooManyRequests(c *fiber.Ctx, policy string) error {
	msg := "You have reached your ten_secondly_rolling limit."
	switch policy {
	case policyDaily:
		msg = "You have reached your daily limit."
	case policySecondly:
		msg = "You have reached your secondly limit."
	}
	return c.Status(fiber.StatusTooManyRequests).JSON(rateLimitBody{
		Status: "error", Message: msg, ErrorType: "RATE_LIMIT", CorrelationID: correlationID(c),
		PolicyName: policy, RequestID: uuid.NewString(),
	})
}
