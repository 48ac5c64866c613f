package ratelimit

import (
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/simcrm/simcrm/internal/testenv"
)

// testClock is a clock shared by every limiter of a test, as all processes must share one.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// clients returns n separate clients of the test's Redis, as n worker processes would have.
func clients(t testing.TB, n int) []*redis.Client {
	t.Helper()
	first := testenv.Redis(t)
	out := []*redis.Client{first}
	for len(out) < n {
		c := redis.NewClient(first.Options())
		t.Cleanup(func() { _ = c.Close() })
		out = append(out, c)
	}
	return out
}

func mustWindow(t testing.TB, rdb redis.UniversalClient, conn string, l Limits, opts ...Option) *Window {
	t.Helper()
	w, err := NewWindow(rdb, conn, l, opts...)
	if err != nil {
		t.Fatalf("NewWindow: %v", err)
	}
	return w
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}
