package hubspot

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"169.254.169.254":  false, // cloud metadata
		"127.0.0.1":        false,
		"10.0.0.1":         false,
		"172.16.5.4":       false,
		"192.168.1.1":      false,
		"100.64.0.1":       false,
		"0.0.0.0":          false,
		"::1":              false,
		"::ffff:127.0.0.1": false,
		"fd00:ec2::254":    false, // AWS metadata over IPv6
		"fe80::1":          false,
		"64:ff9b::a00:1":   false, // NAT64 of 10.0.0.1
		"8.8.8.8":          true,
		"104.16.0.1":       true,
		"2606:4700::1111":  true,
	} {
		if got := PublicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddr(%s): want %v, got %v", addr, want, got)
		}
	}
}

// countingServer answers every request 200 and counts them.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"results":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// A public-only client refuses loopback, private and metadata addresses, also
// when a host name resolves to one (localhost), before anything is sent; the
// error is ErrNotAllowed and classifies like a refused token (no retries).
func TestPublicOnlyRefusesInwardTargets(t *testing.T) {
	srv, hits := countingServer(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, base := range []string{"https://169.254.169.254", "http://127.0.0.1:" + port, "https://10.0.0.1", "http://localhost:" + port,
		"http://[::1]:" + port, "http://0.0.0.0:" + port} {
		c, err := NewClient(base, "pat-x", WithPublicAddressesOnly())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Properties(context.Background(), Contacts)
		if !errors.Is(err, ErrNotAllowed) {
			t.Errorf("%s: want ErrNotAllowed, got %v", base, err)
		}
		if Classify(err) != CategoryAuth {
			t.Errorf("%s: want category auth (no retry), got %s", base, Classify(err))
		}
	}
	if hits.Load() != 0 {
		t.Errorf("refused targets must not be reached: %d requests arrived", hits.Load())
	}
	// Without the option the same client reaches the server: the refusal is the guard's.
	c, _ := NewClient("http://127.0.0.1:"+port, "pat-x")
	if _, err := c.Properties(context.Background(), Contacts); err != nil || hits.Load() != 1 {
		t.Errorf("unguarded: want the call through, got %v and %d requests", err, hits.Load())
	}
}

// Every dial is checked, so a redirect from an allowed host to a refused one is
// refused too.
func TestGuardCoversRedirects(t *testing.T) {
	inner, innerHits := countingServer(t, nil)
	outer, outerHits := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+r.URL.Path, http.StatusFound)
	})
	allowed := netip.MustParseAddrPort(strings.TrimPrefix(outer.URL, "http://"))
	c, err := NewClient(outer.URL, "pat-x", WithHTTPClient(&http.Client{Transport: guardedTransport(func(ap netip.AddrPort) bool { return ap == allowed })}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Properties(context.Background(), Contacts)
	if !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("redirect to a refused address: want ErrNotAllowed, got %v", err)
	}
	if outerHits.Load() != 1 || innerHits.Load() != 0 {
		t.Errorf("want the allowed host asked once and the redirect target never, got %d and %d", outerHits.Load(), innerHits.Load())
	}
}

func TestEgressOptions(t *testing.T) {
	e := Egress{SandboxURL: "http://127.0.0.1:8080/sandbox/hubspot"}
	if len(e.Options("http://127.0.0.1:8080/sandbox/hubspot/")) != 0 {
		t.Error("the built-in sandbox is trusted: want no guard")
	}
	if len(e.Options(DefaultBaseURL)) != 1 || len(e.Options("http://127.0.0.1:8080/sandbox/hubspotx")) != 1 {
		t.Error("anything else: want the public-only guard")
	}
	if len(Egress{AllowPrivate: true}.Options("https://10.0.0.1")) != 0 {
		t.Error("ALLOW_PRIVATE_TARGETS: want no guard")
	}
}
