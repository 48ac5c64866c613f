package web

import (
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/testenv"
)

// passwordChecks is how many passwords the log-in form has compared so far.
func passwordChecks(t *testing.T, a *testApp) int {
	t.Helper()
	mfs, err := a.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "simcrm_login_password_checks_total" {
			return int(mf.GetMetric()[0].GetCounter().GetValue())
		}
	}
	t.Fatal("no simcrm_login_password_checks_total")
	return 0
}

// postLogin posts the log-in form over the app's real listener, as b (its cookies
// and form token), with an X-Forwarded-For (and X-Forwarded-Proto) when given.
func postLogin(t *testing.T, a *testApp, b *browser, email, password, forwardedFor, forwardedProto string) *http.Response {
	t.Helper()
	form := url.Values{"email": {email}, "password": {password}, "_csrf": {b.csrf}}
	req, err := http.NewRequest(http.MethodPost, a.url+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	if forwardedProto != "" {
		req.Header.Set("X-Forwarded-Proto", forwardedProto)
	}
	resp, err := walkClient.Do(req)
	if err != nil {
		t.Error(err)
		return &http.Response{}
	}
	resp.Body.Close()
	return resp
}

// 200 wrong passwords at once for one account from one address: the throttle is
// checked and recorded before the password is compared, so no more get compared
// than the rules allow in the time the burst took (5 at once, then one after 1 s,
// 2 s, 4 s …); the rest are 429. The owner, from another address, still logs in
// with the right password at once.
func TestLoginThrottleHoldsUnderParallelGuesses(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			a := newTestApp(t, d, "", "TRUSTED_PROXIES=127.0.0.1")
			a.browser(t).signUp("owner@example.com", "the real password")
			attacker := a.browser(t)
			attacker.get("/login")
			before := passwordChecks(t, a)
			const n = 200
			statuses := make([]int, n)
			retryAfter := make([]string, n)
			var wg sync.WaitGroup
			start := time.Now()
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp := postLogin(t, a, attacker, "owner@example.com", "a wrong guess", "203.0.113.7", "")
					statuses[i], retryAfter[i] = resp.StatusCode, resp.Header.Get("Retry-After")
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			checks := passwordChecks(t, a) - before
			// 50 ms of slack: the database keeps times to the millisecond.
			allowed := loginPairFree + int(math.Log2(elapsed.Seconds()+0.05+1))
			count := map[int]int{}
			for i, s := range statuses {
				count[s]++
				if s == http.StatusTooManyRequests && retryAfter[i] == "" {
					t.Errorf("a 429 without Retry-After")
				}
			}
			t.Logf("%d parallel wrong passwords in %s: %d compared (allowed %d), statuses %v", n, elapsed.Round(time.Millisecond), checks, allowed, count)
			if checks > allowed || checks < 1 {
				t.Errorf("password checks: want 1 to %d, got %d", allowed, checks)
			}
			if count[http.StatusUnauthorized] != checks || count[http.StatusTooManyRequests] != n-checks {
				t.Errorf("statuses: want %d × 401 and %d × 429, got %v", checks, n-checks, count)
			}

			owner := a.browser(t)
			owner.get("/login")
			if resp := postLogin(t, a, owner, "owner@example.com", "the real password", "198.51.100.9", ""); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("the owner from another address with the right password: want 303, got %d", resp.StatusCode)
			}
		})
	}
}

// X-Forwarded-For and X-Forwarded-Proto count only from TRUSTED_PROXIES: without
// it, guesses claiming ever new addresses all come from one (and are throttled as
// one pair), and a claimed https sets neither Secure cookies nor HSTS.
func TestForwardedHeadersNeedATrustedProxy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     []string
		trusted bool
	}{
		{"no proxies", nil, false},
		{"another proxy", []string{"TRUSTED_PROXIES=10.0.0.0/8"}, false},
		{"trusted loopback", []string{"TRUSTED_PROXIES=127.0.0.1/32"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t, testenv.Dialects(t)[0], "", tc.env...)
			a.browser(t).signUp("owner@example.com", "the real password")
			b := a.browser(t)
			b.get("/login")
			before := passwordChecks(t, a)
			const tries = 8
			for i := range tries {
				postLogin(t, a, b, "owner@example.com", "a wrong guess", "198.51.100."+string(rune('1'+i)), "")
			}
			checks := passwordChecks(t, a) - before
			if tc.trusted && checks != tries {
				t.Errorf("behind a trusted proxy each address is its own pair: want %d checks, got %d", tries, checks)
			}
			if !tc.trusted && checks > loginPairFree+1 {
				t.Errorf("X-Forwarded-For from an untrusted peer must be ignored: want at most %d checks, got %d", loginPairFree+1, checks)
			}

			req, _ := http.NewRequest(http.MethodGet, a.url+"/login", nil)
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := walkClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			hsts := resp.Header.Get("Strict-Transport-Security")
			var secure bool
			for _, c := range resp.Cookies() {
				if c.Name == csrfCookie {
					secure = c.Secure
				}
			}
			if tc.trusted != (hsts != "") || tc.trusted != secure {
				t.Errorf("X-Forwarded-Proto: https (trusted %v): want HSTS and Secure cookies only when trusted, got HSTS %q, Secure %v", tc.trusted, hsts, secure)
			}
		})
	}
}
