package web

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/storage"
)

// logBuffer collects everything the app logs, for tests that read it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// fakePortal is a HubSpot stand-in: a sandbox with its own token served alone on a
// loopback port, as a connection's base URL would point at HubSpot.
type fakePortal struct {
	sb    *sandbox.Server
	base  string
	token string
}

// newFakePortal serves a sandbox on store under token with the given faults.
func newFakePortal(t *testing.T, store *storage.Store, token string, faults sandbox.Faults) *fakePortal {
	t.Helper()
	sb := sandbox.New(store.Sandbox(), sandbox.Options{Token: token, Faults: faults})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := sb.Handler()
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return &fakePortal{sb: sb, base: "http://" + ln.Addr().String(), token: token}
}

// textAt is the trimmed text of what selector finds in body, runs of space folded.
func textAt(t *testing.T, body, selector string) string {
	t.Helper()
	return strings.Join(strings.Fields(doc(t, body).Find(selector).Text()), " ")
}
