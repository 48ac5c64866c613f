package hubspot_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/simcrm/simcrm/internal/hubspot"
)

func TestNewClient(t *testing.T) {
	cases := []struct {
		base, token string
		opts        []hubspot.Option
		ok          bool
	}{
		{hubspot.DefaultBaseURL, "pat-na1-x", nil, true},
		{"http://localhost:8080/sandbox/hubspot/", "tok", nil, true},
		{"api.hubapi.com", "tok", nil, false},
		{"ftp://api.hubapi.com", "tok", nil, false},
		{"https://", "tok", nil, false},
		{hubspot.DefaultBaseURL, "", nil, false},
		{hubspot.DefaultBaseURL, "tok", []hubspot.Option{hubspot.WithTimeout(0)}, false},
		{hubspot.DefaultBaseURL, "tok", []hubspot.Option{hubspot.WithBatchSize(0)}, false},
	}
	for _, tc := range cases {
		_, err := hubspot.NewClient(tc.base, tc.token, tc.opts...)
		if (err == nil) != tc.ok {
			t.Errorf("NewClient(%q, %q): err %v, want ok=%v", tc.base, tc.token, err, tc.ok)
		}
	}
	c, _ := hubspot.NewClient("http://localhost:8080/sandbox/hubspot/", "tok")
	if c.BaseURL() != "http://localhost:8080/sandbox/hubspot" {
		t.Errorf("BaseURL: %s", c.BaseURL())
	}
}

func TestRequestHeadersAndEscaping(t *testing.T) {
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) { reply(w, 200, objectJSON("1", `{}`)) })
	c := fake.client(hubspot.WithUserAgent("simcrm-test/0"))
	if _, err := c.Object(context.Background(), hubspot.Contacts, "a b/c?d", hubspot.ReadOptions{IDProperty: "email"}); err != nil {
		t.Fatal(err)
	}
	r := fake.requests()[0]
	if r.Path != "/crm/v3/objects/contacts/a%20b%2Fc%3Fd" {
		t.Errorf("path: %s", r.Path)
	}
	if got := r.Header.Get("User-Agent"); got != "simcrm-test/0" {
		t.Errorf("User-Agent: %q", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept: %q", got)
	}
}

// TestConcurrentBatches runs batches from many goroutines over few kept-alive
// connections; with -race it checks the pooled request buffers.
func TestConcurrentBatches(t *testing.T) {
	var conns atomic.Int32
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) { echoCreate(t, w, r, 201, "") }, func(s *http.Server) {
		s.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
	})
	c := fake.client()
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				in := contactInputs(120)
				for j := range in {
					in[j].Properties["email"] = fmt.Sprintf("c%d@example.com", w*100000+i*1000+j)
				}
				res, err := c.BatchCreate(context.Background(), hubspot.Contacts, in)
				if err != nil {
					t.Error(err)
					return
				}
				for j, o := range res.Results {
					if want := fmt.Sprint(w*100000 + i*1000 + j); o.ID != want {
						t.Errorf("worker %d round %d: result %d is %s, want %s", w, i, j, o.ID, want)
						return
					}
				}
				c.RateLimit()
			}
		})
	}
	wg.Wait()
	if n := conns.Load(); n > 2*workers { // a dial may race an idle connection coming back
		t.Errorf("%d connections for %d workers × %d rounds: connections are not kept alive", n, workers, rounds)
	}
}
