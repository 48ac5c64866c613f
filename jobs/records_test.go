package jobs

import (
	"context"
	"testing"
	"time"
)

// The records handler consults the ledger before it creates anything: running
// the same task twice creates nothing the second time, and a crash between the
// target's answer and the ledger write (objects in the target, not in the ledger)
// is resolved by the unique key instead of creating duplicates.
func TestPrimaryIdempotencyCheckIsCalled(t *testing.T) {
	e := newTestEnv(t, firstDialect(t), envOptions{noWorkers: true})
	ctx := context.Background()
	s := e.run(backfillInput(100)) // 80 records
	runTask := func() {
		t.Helper()
		p := RecordsPayload{Sim: s.ID, First: 0, End: 80}
		task, _, err := e.engine.Worker.newRecordsTask(p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := e.engine.Worker.handleRecords(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	runTask()
	creates := e.calls.count("/batch/create") + e.calls.count("/batch/upsert")
	ledger, _ := e.store.LedgerCounts(ctx, s.ID)
	if ledger["contact"] != 80 || creates == 0 {
		t.Fatalf("first run: %d contacts in the ledger after %d calls", ledger["contact"], creates)
	}
	runTask()
	if again := e.calls.count("/batch/create") + e.calls.count("/batch/upsert"); again != creates {
		t.Errorf("the second run made %d more create calls: the ledger check was not used", again-creates)
	}
	// Lose the ledger rows of the deals and contacts: the target still has them.
	if _, err := e.rawDB().ExecContext(ctx, `DELETE FROM ledger WHERE simulation_id = ? AND object_type IN ('contact', 'deal')`, s.ID); err != nil {
		t.Fatal(err)
	}
	runTask()
	counts, _ := e.sandbox.Counts(ctx)
	ledger, _ = e.store.LedgerCounts(ctx, s.ID)
	if counts["contacts"] != 80 || ledger["contact"] != 80 || int(ledger["deal"]) != counts["deals"] {
		t.Errorf("after a lost ledger: sandbox %v, ledger %v", counts, ledger)
	}
	if e.calls.count("/batch/read") == 0 {
		t.Error("the existing objects were not looked up by their key")
	}
}
