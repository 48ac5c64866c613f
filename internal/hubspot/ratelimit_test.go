package hubspot_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/hubspot"
)

func TestParseRateLimit(t *testing.T) {
	at := time.Unix(1714557600, 0)
	cases := []struct {
		name   string
		header map[string]string
		want   hubspot.RateLimitInfo
		ok     bool
	}{
		{"none", nil, hubspot.RateLimitInfo{At: at}, false},
		{
			"all",
			map[string]string{
				"X-HubSpot-RateLimit-Daily": "250000", "X-HubSpot-RateLimit-Daily-Remaining": "249990",
				"X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "97",
				"X-HubSpot-RateLimit-Secondly": "10", "X-HubSpot-RateLimit-Secondly-Remaining": "9",
			},
			hubspot.RateLimitInfo{At: at, HasWindow: true, IntervalMilliseconds: 10000, Max: 100, Remaining: 97,
				HasDaily: true, Daily: 250000, DailyRemaining: 249990, HasSecondly: true, Secondly: 10, SecondlyRemaining: 9},
			true,
		},
		{
			"window only, lower-case names",
			map[string]string{"x-hubspot-ratelimit-max": "190", "x-hubspot-ratelimit-remaining": "0"},
			hubspot.RateLimitInfo{At: at, HasWindow: true, Max: 190},
			true,
		},
		{
			"garbage ignored",
			map[string]string{"X-HubSpot-RateLimit-Max": "lots"},
			hubspot.RateLimitInfo{At: at},
			false,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, ok := hubspot.ParseRateLimit(h, at)
			if ok != tc.ok || got != tc.want {
				t.Errorf("got %+v %v\nwant %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	if d := (hubspot.RateLimitInfo{}).Interval(); d != 10*time.Second {
		t.Errorf("default interval %v", d)
	}
}

func TestRateLimitSeenAfterEveryCall(t *testing.T) {
	var mu sync.Mutex
	remaining := 100
	fake := newFake(t, true, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == basePath+"/crm/v3/objects/contacts/search" {
			reply(w, 200, `{"total":0,"results":[]}`) // search sends no rate-limit headers
			return
		}
		mu.Lock()
		remaining--
		rem := remaining
		mu.Unlock()
		h := w.Header()
		h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		h.Set("X-HubSpot-RateLimit-Max", "100")
		h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(rem))
		h.Set("X-HubSpot-RateLimit-Daily", "250000")
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", "1000")
		if rem < 98 {
			reply(w, 429, `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c0a8d7b6-1111-4222-8333-944455556666","policyName":"TEN_SECONDLY_ROLLING","requestId":"x"}`)
			return
		}
		reply(w, 200, objectJSON("1", `{}`))
	})
	var seen []hubspot.RateLimitInfo
	c := fake.client(hubspot.WithRateObserver(func(i hubspot.RateLimitInfo) { seen = append(seen, i) }))
	if _, ok := c.RateLimit(); ok {
		t.Error("rate limit known before any call")
	}
	ctx := context.Background()
	c.Object(ctx, hubspot.Contacts, "1", hubspot.ReadOptions{})
	c.Object(ctx, hubspot.Contacts, "1", hubspot.ReadOptions{})
	c.Search(ctx, hubspot.Contacts, hubspot.SearchRequest{})
	_, err := c.Object(ctx, hubspot.Contacts, "1", hubspot.ReadOptions{}) // 429: headers still read
	if hubspot.Classify(err) != hubspot.CategoryRateLimit {
		t.Fatalf("want a 429, got %v", err)
	}
	if len(seen) != 3 {
		t.Fatalf("observer called %d times, want 3 (not for search)", len(seen))
	}
	if seen[0].Remaining != 99 || seen[2].Remaining != 97 || seen[2].DailyRemaining != 1000 || seen[2].Interval() != 10*time.Second {
		t.Errorf("seen %+v", seen)
	}
	last, ok := c.RateLimit()
	if !ok || last.Remaining != 97 || last.Max != 100 {
		t.Errorf("RateLimit(): got %+v %v", last, ok)
	}
}
