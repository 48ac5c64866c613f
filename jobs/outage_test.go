package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// A database outage in the middle of a run costs no attempts: work that meets it
// (the engine's own writes, and the built-in sandbox answering 500 without its
// database) waits and resumes, so the run still creates every planned object with
// nothing in the DLQ, even with two attempts per job.
func TestDatabaseOutageSpendsNoAttempts(t *testing.T) {
	var d testenv.Dialect
	for _, x := range testenv.Dialects(t) {
		if x.Name == storage.MySQL {
			d = x
		}
	}
	if d.Name == "" {
		testenv.Require(t, false, "MYSQL_DSN is not set: the outage needs a database behind a TCP proxy")
	}
	var proxy *testenv.Proxy
	d.DSN, proxy = testenv.MySQLDSNBehindProxy(t, d.DSN)
	e := newTestEnv(t, d, envOptions{env: map[string]string{"CONTACT_ATTEMPTS": "2", "CONTACT_BACKOFF_MS": "100",
		"NOTE_ATTEMPTS": "2", "CALL_ATTEMPTS": "2", "TASK_ATTEMPTS": "2", "MEETING_ATTEMPTS": "2", "TICKET_ATTEMPTS": "2"}})
	ctx := context.Background()
	s := e.createPrepared(backfillInput(1500))
	if err := e.sandbox.SetFaults(sandbox.Faults{Latency: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.engine.Lifecycle.Start(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	e.waitLedger(s.ID, 200, time.Minute)
	proxy.Cut()
	time.Sleep(5 * time.Second)
	proxy.Restore()
	s = e.wait(s.ID, storage.StatusCompleted, 2*time.Minute)
	if thinned, failed := e.checkAccounted(s); thinned != 0 || failed != 0 {
		t.Errorf("after a 5 s database outage: want nothing thinned or failed, got %d thinned, %d failed", thinned, failed)
	}
	if n, _ := e.store.CountDLQ(ctx, storage.DLQFilter{SimulationID: s.ID, Status: storage.DLQAnyStatus}); n != 0 {
		t.Errorf("DLQ rows after the outage: want 0, got %d", n)
	}
	e.checkExact(s)
}
