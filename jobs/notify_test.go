package jobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/internal/testenv"
	"github.com/simcrm/simcrm/storage"
)

// receiver is a webhook endpoint that checks each signature the way a user's
// server would, answers 500 to the first call and 200 after.
type receiver struct {
	secret []byte
	mu     sync.Mutex
	calls  []receivedCall
}

type receivedCall struct {
	event    string
	verified bool
	body     Payload
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	call := receivedCall{event: req.Header.Get(HeaderEvent), verified: verifySignature(r.secret, req.Header.Get(HeaderSignature), body)}
	_ = json.Unmarshal(body, &call.body)
	r.mu.Lock()
	r.calls = append(r.calls, call)
	first := len(r.calls) == 1
	r.mu.Unlock()
	if first {
		http.Error(w, "receiver down", http.StatusInternalServerError)
		return
	}
	io.WriteString(w, "thanks")
}

func (r *receiver) received() []receivedCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedCall(nil), r.calls...)
}

// verifySignature is the receiver's check: t=<ts>,v1=<hex HMAC-SHA256("<ts>.<body>")>,
// written from the documented format, not with Sign.
func verifySignature(secret []byte, header string, body []byte) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)) > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "." + string(body)))
	want, _ := hex.DecodeString(sig)
	return hmac.Equal(mac.Sum(nil), want)
}

// A simulation that completes with DLQ rows sends completed_with_failures to its
// owner's webhook, signed; a 500 is retried through the queue and the log keeps the
// last answer; a threshold of DLQ rows sends dlq once per multiple; another user's
// webhook hears nothing.
func TestNotifierWebhooks(t *testing.T) {
	for _, d := range testenv.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			store, err := storage.Open(ctx, d.Name, d.DSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			if err := store.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			rdb, err := storage.OpenRedis(ctx, testenv.RedisURL(t), log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rdb.Close() })
			queue := asynq.NewClientFromRedisClient(rdb.Client)
			box, _ := secret.NewBox([]byte("0123456789abcdef0123456789abcdef"))
			n := NewNotifier(NotifierOptions{Store: store, Queue: queue, Box: box, HTTP: &http.Client{Timeout: 5 * time.Second},
				BaseURL: "http://simcrm.test", Log: log, Interval: 100 * time.Millisecond, Backoff: []time.Duration{time.Second, time.Second}})
			srv := asynq.NewServerFromRedisClient(rdb.Client, asynq.Config{Concurrency: 2, Queues: map[string]int{ControlQueue: 1},
				ShutdownTimeout: time.Second, LogLevel: asynq.ErrorLevel})
			mux := asynq.NewServeMux()
			n.Register(mux)
			if err := srv.Start(mux); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Shutdown)

			owner, _ := store.CreateUser(ctx, "owner@example.com", "x", storage.RolePlayer)
			other, _ := store.CreateUser(ctx, "other@example.com", "x", storage.RolePlayer)
			mine := &receiver{secret: []byte("whsec_mine")}
			theirs := &receiver{secret: []byte("whsec_theirs")}
			for _, c := range []struct {
				user int64
				r    *receiver
			}{{owner.ID, mine}, {other.ID, theirs}} {
				hs := httptest.NewServer(c.r)
				t.Cleanup(hs.Close)
				ch := storage.NotificationChannel{UserID: c.user, Kind: storage.ChannelWebhook, Target: hs.URL, SecretSealed: box.Seal(c.r.secret),
					Events: []string{EventFinished, EventCompletedWithFailures, EventDLQGrowth}, DLQThreshold: 3}
				if err := store.CreateNotificationChannel(ctx, &ch); err != nil {
					t.Fatal(err)
				}
			}
			if err := n.Scan(ctx); err != nil { // the first scan starts from now
				t.Fatal(err)
			}
			start := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
			s := storage.Simulation{UserID: owner.ID, Name: "Notified", Scenario: "b2b", Distribution: "linear", StartAt: start,
				EndAt: start.Add(time.Hour), TimeZone: "UTC", TotalRecords: 10, EffectiveTotal: 8, PaceMode: "backfill", TargetKind: storage.TargetSandbox, Seed: 1}
			if err := store.CreateSimulation(ctx, &s); err != nil {
				t.Fatal(err)
			}
			var rows []storage.DLQEntry
			for i := range 4 {
				rows = append(rows, storage.DLQEntry{SimulationID: s.ID, JobType: "records", ObjectType: "contact", RecordIndex: i,
					RecordKey: strconv.Itoa(i), TaskID: strconv.Itoa(i), Payload: "{}", Category: "server", Error: "500", Attempts: 3,
					FirstFailedAt: start, LastFailedAt: start, Status: storage.DLQOpen})
			}
			if err := store.AddDLQEntries(ctx, rows); err != nil {
				t.Fatal(err)
			}
			for _, to := range []string{storage.StatusRunning, storage.StatusCompletedWithFailures} {
				if _, err := store.TransitionSimulation(ctx, s.ID, []string{s.Status}, to, "test"); err != nil {
					t.Fatal(err)
				}
				s.Status = to
			}
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { n.Run(runCtx); close(done) }()
			t.Cleanup(func() { stop(); <-done })

			deadline := time.Now().Add(20 * time.Second)
			var ds []storage.Delivery
			for time.Now().Before(deadline) {
				chans, _ := store.NotificationChannels(ctx, owner.ID)
				ds, _ = store.Deliveries(ctx, chans[0].ID, 10)
				if len(ds) == 2 && ds[0].Status != storage.DeliveryPending && ds[1].Status != storage.DeliveryPending {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			events := map[string]storage.Delivery{}
			for _, d := range ds {
				events[d.Event] = d
			}
			cwf, dlq := events[EventCompletedWithFailures], events[EventDLQGrowth]
			if cwf.ID == 0 || dlq.ID == 0 || len(ds) != 2 {
				t.Fatalf("want completed_with_failures and one dlq delivery (4 rows, threshold 3), got %+v", ds)
			}
			for _, d := range ds {
				if d.Status != storage.DeliveryDelivered || d.LastStatus != 200 || d.LastResponse != "thanks" {
					t.Errorf("%s: want delivered with the last answer 200 thanks, got %s %d %q after %d attempts", d.Event, d.Status, d.LastStatus, d.LastResponse, d.Attempts)
				}
			}
			calls := mine.received()
			if len(calls) != 3 {
				t.Fatalf("receiver: want 3 calls (one 500 retried, then two delivered), got %d", len(calls))
			}
			perEvent := map[string]int{}
			for _, c := range calls {
				perEvent[c.event]++
			}
			if perEvent[calls[0].event] != 2 || events[calls[0].event].Attempts != 2 {
				t.Errorf("the call answered 500 (%s): want it sent again, got %d calls and %d attempts", calls[0].event,
					perEvent[calls[0].event], events[calls[0].event].Attempts)
			}
			for _, c := range calls {
				if !c.verified {
					t.Errorf("%s: the signature does not verify", c.event)
				}
				if c.event == EventCompletedWithFailures && (c.body.Simulation == nil || c.body.Simulation.ID != s.ID ||
					c.body.Simulation.Report != "http://simcrm.test/simulations/"+strconv.FormatInt(s.ID, 10)+"/report") {
					t.Errorf("payload: want the simulation and its report link, got %+v", c.body.Simulation)
				}
			}
			if got := theirs.received(); len(got) != 0 {
				t.Errorf("another user's webhook: want nothing, got %d calls", len(got))
			}
			// A scan later sends nothing again.
			if err := n.Scan(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			if got := len(mine.received()); got != 3 {
				t.Errorf("after another scan: want still 3 calls, got %d", got)
			}
			// A receiver with the wrong secret would not verify.
			if verifySignature([]byte("wrong"), Sign([]byte("whsec_mine"), time.Now(), []byte("{}")), []byte("{}")) {
				t.Error("a signature must not verify under another secret")
			}
		})
	}
}

// Each state change a user hears about maps to its event, whatever the DLQ holds
// (the final states carry that themselves); a pause someone asked for and the
// start of a run are not news.
func TestNotificationEventOfEachStateChange(t *testing.T) {
	for _, c := range []struct{ to, reason, want string }{
		{storage.StatusCompleted, "all done", EventFinished},
		{storage.StatusCompletedWithFailures, "20 failed into the DLQ", EventCompletedWithFailures},
		{storage.StatusFailed, "the target rejected SimCRM's token", EventFailed},
		{storage.StatusAborted, "aborted", EventAborted},
		{storage.StatusPaused, "paused: the target's daily API limit is spent", EventPaused},
		{storage.StatusPaused, reasonPausedByUser, ""},
		{storage.StatusRunning, "", ""},
	} {
		if got := eventOf(storage.SimulationEvent{To: c.to, Reason: c.reason}); got != c.want {
			t.Errorf("%s (%s): want %q, got %q", c.to, c.reason, c.want, got)
		}
	}
}
