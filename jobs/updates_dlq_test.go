package jobs

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/simcrm/simcrm/internal/sim"
	"github.com/simcrm/simcrm/storage"
)

// refuseWins answers deal batch updates that close a deal won with HubSpot's 400
// while on, as a portal would whose pipeline lacks the stage.
type refuseWins struct {
	on   atomic.Bool
	next http.RoundTripper
}

func (r *refuseWins) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.on.Load() && req.Body != nil && strings.HasSuffix(req.URL.Path, "/deals/batch/update") {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte(`"closedwon"`)) {
			msg := `{"status":"error","message":"Property values were not valid: closedwon was not one of the allowed options","correlationId":"00000000-0000-4000-8000-000000000000","category":"VALIDATION_ERROR","errors":[{"message":"closedwon was not one of the allowed options","code":"INVALID_OPTION","context":{"propertyName":["dealstage"]}}]}`
			return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(msg)), Request: req}, nil
		}
	}
	return r.next.RoundTrip(req)
}

// A journey update the target refuses for good becomes a DLQ row of its own (the
// bad one is found by splitting the batch; the others go through), counts as a
// failed update and lets the simulation complete; replaying the rows sends the
// updates. Running a records task again sends no update twice.
func TestRefusedUpdatesGoToTheDLQAndReplay(t *testing.T) {
	refuse := &refuseWins{}
	refuse.on.Store(true)
	e := newTestEnv(t, firstDialect(t), envOptions{engineOptions: func(o *Options) {
		refuse.next = o.HTTPClient.Transport
		o.HTTPClient = &http.Client{Transport: refuse}
	}})
	ctx := context.Background()
	s := e.run(backfillInput(400))
	s = e.wait(s.ID, storage.StatusCompletedWithFailures, 2*time.Minute) // refused updates are in the DLQ
	_, recs := e.planAll(s)
	wonUpdates := 0
	for _, r := range recs {
		if r.Deal != nil && r.Deal.Outcome == sim.DealWon {
			wonUpdates++
		}
	}
	if wonUpdates == 0 {
		t.Fatal("no won deals planned")
	}
	page, err := e.store.DLQEntries(ctx, storage.DLQFilter{SimulationID: s.ID, ObjectType: string(sim.KindDealUpdate)}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	rows := page.Entries
	if len(rows) != wonUpdates {
		t.Fatalf("DLQ: want %d deal_update rows (one per won deal's closing update), got %d", wonUpdates, len(rows))
	}
	for _, row := range rows {
		if row.Category != "validation" || !strings.HasSuffix(row.RecordKey, "-deal-upd-5") {
			t.Fatalf("DLQ row: want a validation failure of a closing update, got %s %s", row.Category, row.RecordKey)
		}
	}
	m, _ := e.engine.Progress.Metrics(ctx, s.ID)
	if m.Failed["deal_updates"] != int64(wonUpdates) || m.Failed["contact_updates"] != 0 {
		t.Errorf("metrics: want %d failed deal updates, got %v", wonUpdates, m.Failed)
	}

	// Running the records again sends nothing twice.
	before := e.calls.count("/batch/update")
	task, opts, err := e.engine.Worker.newRecordsTask(RecordsPayload{Sim: s.ID, First: 0, End: 50}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	info, err := e.engine.Worker.queue.EnqueueContext(ctx, task, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := e.engine.Worker.inspector.GetTaskInfo(info.Queue, info.ID); err != nil {
			break // processed and gone
		}
		if time.Now().After(deadline) {
			t.Fatal("the records task did not run")
		}
	}
	if n := e.calls.count("/batch/update") - before; n != 0 {
		t.Errorf("a records task run again: want no updates sent, got %d calls", n)
	}

	// Replay with the portal fixed: the deals close won.
	refuse.on.Store(false)
	if _, err := NewTriage(e.store, e.engine.Worker.queue, e.cfg).Replay(ctx, ReplayRequest{UserID: e.user, Strategy: ReplayOldest,
		Filter: storage.DLQFilter{SimulationID: s.ID}, Limit: 50, UseFullRetry: true}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		deals := byKey(e.sandboxObjects(s, "deals"))
		won := 0
		for _, d := range deals {
			if d.Properties["dealstage"] == sim.StageWon {
				won++
			}
		}
		if won >= min(wonUpdates, 50) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after replay: want %d deals closed won, got %d", min(wonUpdates, 50), won)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
