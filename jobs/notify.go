package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/hubspot"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/storage"
)

// Notification events a channel can subscribe to.
const (
	EventFinished              = "finished"                // completed with nothing in the DLQ
	EventCompletedWithFailures = "completed_with_failures" // completed, some work in the DLQ
	EventFailed                = "failed"
	EventAborted               = "aborted" // stopped for good by a person (its owner or a boss)
	EventPaused                = "paused"  // paused by SimCRM (a daily limit), not by a person
	EventDLQGrowth             = "dlq"     // the DLQ grew past a multiple of the channel's threshold
	EventTest                  = "test"    // sent from the notifications page
)

// NotificationEvents lists the events a channel can subscribe to.
var NotificationEvents = []string{EventFinished, EventCompletedWithFailures, EventFailed, EventAborted, EventPaused, EventDLQGrowth}

// TypeNotify delivers one notification.
const TypeNotify = "notify:deliver"

// notifyBackoff is the wait before each further attempt; its length + 1 is the
// number of attempts.
var notifyBackoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute}

// Notifier turns simulation state changes and DLQ growth into deliveries, one per
// subscribed channel, and sends them through the queue: webhooks as HMAC-signed
// JSON, e-mails through SMTP_URL. Every delivery and its last answer is logged in
// the database; a failed attempt is retried with backoff by enqueuing again.
type Notifier struct {
	store    *storage.Store
	queue    *asynq.Client
	box      *secret.Box
	http     *http.Client
	mail     *Mailer // nil without SMTP_URL
	baseURL  string  // for links in payloads, e.g. http://simcrm.example.com
	log      *slog.Logger
	interval time.Duration
	backoff  []time.Duration
}

// NotifierOptions builds a Notifier.
type NotifierOptions struct {
	Store    *storage.Store
	Queue    *asynq.Client // nil: nothing is sent (Redis off)
	Box      *secret.Box   // opens webhook secrets
	HTTP     *http.Client  // checks where webhooks may go; nil: a 10 s client to public addresses only
	Mail     *Mailer
	BaseURL  string
	Log      *slog.Logger
	Egress   hubspot.Egress  // which addresses webhooks may reach (public ones unless private targets are allowed)
	Interval time.Duration   // how often to look for events; 0: 2 s
	Backoff  []time.Duration // waits between attempts; nil: 1 s, 5 s, 30 s, 2 min, 10 min
}

// NewNotifier builds a Notifier.
func NewNotifier(o NotifierOptions) *Notifier {
	n := &Notifier{store: o.Store, queue: o.Queue, box: o.Box, http: o.HTTP, mail: o.Mail, baseURL: o.BaseURL, log: o.Log,
		interval: o.Interval, backoff: o.Backoff}
	if n.http == nil {
		n.http = o.Egress.HTTPClient(10 * time.Second)
	}
	if n.interval <= 0 {
		n.interval = 2 * time.Second
	}
	if n.backoff == nil {
		n.backoff = notifyBackoff
	}
	return n
}

// Register adds the delivery handler to a worker's mux.
func (n *Notifier) Register(mux *asynq.ServeMux) { mux.HandleFunc(TypeNotify, n.handleDeliver) }

// Run looks for events every interval until ctx ends. Its read position is in the
// database, so no event is lost or sent twice across restarts.
func (n *Notifier) Run(ctx context.Context) {
	t := time.NewTicker(n.interval)
	defer t.Stop()
	for {
		if err := n.Scan(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("notifications", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const transitionsCursor = "transitions"

// Scan turns new state changes and DLQ growth into deliveries and enqueues every
// pending one (a delivery whose enqueue was lost is sent on a later scan).
func (n *Notifier) Scan(ctx context.Context) error {
	channels, err := n.store.NotificationChannels(ctx, 0)
	if err != nil {
		return err
	}
	byUser := map[int64][]storage.NotificationChannel{}
	for _, c := range channels {
		byUser[c.UserID] = append(byUser[c.UserID], c)
	}
	if err := n.scanTransitions(ctx, byUser); err != nil {
		return err
	}
	if err := n.scanDLQ(ctx, byUser); err != nil {
		return err
	}
	pending, err := n.store.PendingDeliveries(ctx, 500)
	if err != nil {
		return err
	}
	stale := n.backoff[len(n.backoff)-1] + 5*time.Minute
	for _, d := range pending {
		if time.Since(d.UpdatedAt) > stale { // its task was lost (Redis flushed): send it again
			n.enqueue(ctx, d.ID, 0)
		}
	}
	return nil
}

func (n *Notifier) scanTransitions(ctx context.Context, byUser map[int64][]storage.NotificationChannel) error {
	after, err := n.store.NotificationCursor(ctx, transitionsCursor)
	if err != nil {
		return err
	}
	if after == 0 { // first run: only what happens from now on
		if after, err = n.store.LastTransitionID(ctx); err != nil {
			return err
		}
		return n.store.SetNotificationCursor(ctx, transitionsCursor, max(after, 1))
	}
	for {
		events, err := n.store.SimulationEventsAfter(ctx, after, 200)
		if err != nil || len(events) == 0 {
			return err
		}
		for _, e := range events {
			if event := eventOf(e); event != "" {
				for _, c := range byUser[e.UserID] {
					if c.Wants(event) {
						n.add(ctx, c, "transition:"+strconv.FormatInt(e.ID, 10), event, e.SimulationID, e.Name, e.To, e.Reason, nil)
					}
				}
			}
			after = e.ID
		}
		if err := n.store.SetNotificationCursor(ctx, transitionsCursor, after); err != nil {
			return err
		}
	}
}

// eventOf names the notification a state change is, "" for none. The final
// states say themselves whether work is left in the DLQ: completed means none
// (a replay that emptied it moves completed_with_failures to completed).
func eventOf(e storage.SimulationEvent) string {
	switch e.To {
	case storage.StatusCompleted:
		return EventFinished
	case storage.StatusCompletedWithFailures:
		return EventCompletedWithFailures
	case storage.StatusFailed:
		return EventFailed
	case storage.StatusAborted:
		return EventAborted
	case storage.StatusPaused:
		if e.Reason != reasonPausedByUser {
			return EventPaused
		}
	}
	return ""
}

// reasonPausedByUser is the reason of a pause someone asked for (Engine.Pause).
const reasonPausedByUser = "paused"

func (n *Notifier) scanDLQ(ctx context.Context, byUser map[int64][]storage.NotificationChannel) error {
	for user, chans := range byUser {
		var watching []storage.NotificationChannel
		for _, c := range chans {
			if c.DLQThreshold > 0 && c.Wants(EventDLQGrowth) {
				watching = append(watching, c)
			}
		}
		if len(watching) == 0 {
			continue
		}
		totals, err := n.store.DLQTotalsByUser(ctx, user)
		if err != nil {
			return err
		}
		for simID, total := range totals {
			for _, c := range watching {
				if step := total / int64(c.DLQThreshold); step > 0 {
					// One delivery per multiple crossed: 100, 200, … rows for a threshold of 100.
					key := fmt.Sprintf("dlq:%d:%d", simID, step*int64(c.DLQThreshold))
					n.add(ctx, c, key, EventDLQGrowth, simID, "", "", "", map[string]int64{"total": total, "threshold": int64(c.DLQThreshold)})
				}
			}
		}
	}
	return nil
}

// Payload is the JSON body of a notification.
type Payload struct {
	Event      string           `json:"event"`
	At         time.Time        `json:"at"`
	Simulation *PayloadSim      `json:"simulation,omitempty"`
	DLQ        map[string]int64 `json:"dlq,omitempty"`
}

// PayloadSim is the simulation a notification is about.
type PayloadSim struct {
	ID     int64  `json:"id"`
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
	Reason string `json:"reason,omitempty"`
	URL    string `json:"url"`
	Report string `json:"report"`
}

// add records a delivery for a channel (once per event key) and enqueues it.
func (n *Notifier) add(ctx context.Context, c storage.NotificationChannel, key, event string, simID int64, name, status, reason string, dlq map[string]int64) {
	p := Payload{Event: event, At: time.Now().UTC(), DLQ: dlq}
	if simID != 0 {
		if name == "" || status == "" {
			if s, err := n.store.Simulation(ctx, simID); err == nil {
				name, status = s.Name, s.Status
			}
		}
		u := n.baseURL + "/simulations/" + strconv.FormatInt(simID, 10)
		p.Simulation = &PayloadSim{ID: simID, Name: name, Status: status, Reason: reason, URL: u, Report: u + "/report"}
	}
	body, _ := json.Marshal(p) // plain values always encode
	d := storage.Delivery{ChannelID: c.ID, EventKey: key, Event: event, Payload: string(body)}
	if simID != 0 {
		d.SimulationID = &simID
	}
	added, err := n.store.AddDelivery(ctx, &d)
	if err != nil {
		n.log.Warn("notification not recorded", "channel", c.ID, "event", event, "err", err)
		return
	}
	if added {
		n.enqueue(ctx, d.ID, 0)
	}
}

// SendTest records and enqueues a test notification to a channel.
func (n *Notifier) SendTest(ctx context.Context, c storage.NotificationChannel) {
	n.add(ctx, c, "test:"+strconv.FormatInt(time.Now().UnixNano(), 10), EventTest, 0, "", "", "", nil)
}

type notifyPayload struct {
	Delivery int64 `json:"delivery"`
}

func (n *Notifier) enqueue(ctx context.Context, id int64, wait time.Duration) {
	if n.queue == nil {
		return
	}
	b, _ := json.Marshal(notifyPayload{Delivery: id})
	if _, err := n.queue.EnqueueContext(ctx, asynq.NewTask(TypeNotify, b), asynq.Queue(ControlQueue), asynq.MaxRetry(0),
		asynq.ProcessIn(wait), asynq.Timeout(time.Minute)); err != nil {
		n.log.Warn("notification not queued", "delivery", id, "err", err)
	}
}
