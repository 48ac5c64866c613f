package web

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// dbProxy is a TCP proxy in front of the database that a test can cut.
type dbProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startDBProxy(t *testing.T, upstream string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut closes the listener and every connection: the database is gone.
func (p *dbProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// While the database is unreachable /readyz answers 503 JSON whether or not the
// request carries a session cookie, the health strip still renders, and a page
// says "database unreachable" with a 503 instead of a 500.
func TestReadyzDuringDatabaseOutage(t *testing.T) {
	var d testenv.Dialect
	for _, x := range testenv.Dialects(t) {
		if x.Name == storage.MySQL {
			d = x
		}
	}
	if d.Name == "" {
		testenv.Require(t, false, "MYSQL_DSN is not set: the database outage needs a database behind a TCP proxy")
	}
	i, j := strings.Index(d.DSN, "tcp("), strings.Index(d.DSN, ")/")
	if i < 0 || j < i {
		t.Fatalf("MySQL DSN without tcp(host:port): %s", d.DSN)
	}
	proxy := startDBProxy(t, d.DSN[i+4:j])
	d.DSN = d.DSN[:i+4] + proxy.ln.Addr().String() + d.DSN[j:]
	a := newTestApp(t, d, "")
	b := a.browser(t)
	b.signUp("boss@example.com", "boss password 1")
	if resp, _ := b.get("/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard before the outage: %d", resp.StatusCode)
	}

	proxy.cut()
	for _, who := range []*browser{a.browser(t), b} {
		resp, body := who.get("/readyz")
		var ready map[string]string
		if err := json.Unmarshal([]byte(body), &ready); err != nil || resp.StatusCode != http.StatusServiceUnavailable || ready["database"] != "down" {
			t.Errorf("/readyz (cookies %d): want 503 JSON with the database down, got %d %s", len(who.cookies), resp.StatusCode, body)
		}
		if resp, body := who.get("/fragments/health"); resp.StatusCode != http.StatusOK {
			t.Errorf("health strip (cookies %d): want 200, got %d %s", len(who.cookies), resp.StatusCode, body)
		}
	}
	resp, body := b.get("/")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "database is unreachable") {
		t.Errorf("dashboard during the outage: want 503 saying the database is unreachable, got %d %s", resp.StatusCode, body[:min(len(body), 300)])
	}
}
