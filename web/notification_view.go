package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

var eventLabels = map[string]string{
	jobs.EventFinished: "Finished", jobs.EventCompletedWithFailures: "Completed with failures", jobs.EventFailed: "Failed",
	jobs.EventAborted: "Aborted", jobs.EventPaused: "Paused by a daily limit", jobs.EventDLQGrowth: "DLQ growth",
}

// channelInput is a new channel as typed.
type channelInput struct {
	Kind, URL, Email, Threshold string
	Events                      []string
}

// parse checks a new channel; email says whether e-mail is set up.
func (in channelInput) parse(userID int64, email bool) (storage.NotificationChannel, views.FormErrors) {
	fe := views.FormErrors{}
	c := storage.NotificationChannel{UserID: userID, Kind: in.Kind}
	switch in.Kind {
	case storage.ChannelWebhook:
		u, err := url.Parse(strings.TrimSpace(in.URL))
		switch {
		case strings.TrimSpace(in.URL) == "":
			fe["url"] = "Enter the URL SimCRM should POST to."
		case len(in.URL) > 500:
			fe["url"] = "Use at most 500 characters."
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
			fe["url"] = "Enter an http(s) URL such as https://example.com/hooks/simcrm."
		default:
			c.Target = u.String()
		}
	case storage.ChannelEmail:
		addr := strings.TrimSpace(in.Email)
		switch {
		case !email:
			fe["kind"] = "E-mail is not set up on this SimCRM (SMTP_URL); use a webhook."
		case addr == "" || len(addr) > 254 || !strings.Contains(addr, "@") || strings.ContainsAny(addr, " \r\n,<>"):
			fe["email"] = "Enter an e-mail address."
		default:
			c.Target = addr
		}
	default:
		fe["kind"] = "Choose webhook or e-mail."
	}
	for _, e := range in.Events {
		if !slices.Contains(jobs.NotificationEvents, e) {
			fe["events"] = "Choose among: " + strings.Join(jobs.NotificationEvents, ", ") + "."
		} else if !slices.Contains(c.Events, e) {
			c.Events = append(c.Events, e)
		}
	}
	if len(c.Events) == 0 && !fe.Has("events") {
		fe["events"] = "Choose at least one event."
	}
	if n, ok := whole(in.Threshold, 0, 1_000_000); ok || strings.TrimSpace(in.Threshold) == "" {
		c.DLQThreshold = int(n)
	} else {
		fe["threshold"] = "Enter a whole number from 0 to 1,000,000."
	}
	if slices.Contains(c.Events, jobs.EventDLQGrowth) && c.DLQThreshold == 0 && !fe.Has("threshold") {
		fe["threshold"] = "DLQ growth needs a threshold of at least 1 row."
	}
	return c, fe
}

// addChannel stores a valid channel; a webhook gets a new signing secret, returned
// once.
func (h *handler) addChannel(ctx context.Context, c *storage.NotificationChannel) (string, error) {
	var secret string
	if c.Kind == storage.ChannelWebhook {
		if h.box == nil {
			return "", fiber.NewError(fiber.StatusServiceUnavailable, "Webhooks need TOKEN_ENC_SECRET to keep their secrets.")
		}
		b := make([]byte, 24)
		_, _ = rand.Read(b) // crypto/rand never fails
		secret = "whsec_" + hex.EncodeToString(b)
		c.SecretSealed = h.box.Seal([]byte(secret))
	}
	if err := h.store.CreateNotificationChannel(ctx, c); err != nil {
		return "", err
	}
	h.log.Info("notification channel added", "channel", c.ID, "user", c.UserID, "kind", c.Kind)
	return secret, nil
}

// channelFor loads one of the signed-in user's channels named by :id.
func (h *handler) channelFor(c *fiber.Ctx) (storage.NotificationChannel, error) {
	return ownedRecordFor(c, h.store.NotificationChannel, func(ch storage.NotificationChannel) int64 { return ch.UserID })
}

func channelRow(c storage.NotificationChannel) views.ChannelRow {
	return views.ChannelRow{ID: c.ID, Kind: c.Kind, Target: c.Target, Events: strings.Join(c.Events, ", ")}
}

// notificationsView builds the notifications page.
func (h *handler) notificationsView(ctx context.Context, u *storage.User, form views.ChannelForm) (views.NotificationsView, error) {
	v := views.NotificationsView{Form: form, EmailOn: h.cfg.SMTPURL != "", UserEmail: u.Email}
	chans, err := h.store.NotificationChannels(ctx, u.ID)
	if err != nil {
		return v, err
	}
	for _, c := range chans {
		r := channelRow(c)
		if ds, err := h.store.Deliveries(ctx, c.ID, 1); err == nil && len(ds) > 0 {
			r.LastStatus = ds[0].Event + ": " + ds[0].Status
		}
		v.Rows = append(v.Rows, r)
	}
	return v, nil
}

// channelForm is the add form as typed (nil: the defaults).
func channelForm(in *channelInput, fe views.FormErrors) views.ChannelForm {
	f := views.ChannelForm{Kind: storage.ChannelWebhook, Threshold: "100", Errors: fe}
	chosen := []string{jobs.EventFinished, jobs.EventCompletedWithFailures, jobs.EventFailed, jobs.EventAborted, jobs.EventPaused}
	if in != nil {
		f.Kind, f.URL, f.Email, f.Threshold, chosen = clip(in.Kind, 20), clip(in.URL, 500), clip(in.Email, 254), clip(in.Threshold, 12), in.Events
	}
	for _, e := range jobs.NotificationEvents {
		f.Events = append(f.Events, views.EventChoice{Name: e, Label: eventLabels[e], Checked: slices.Contains(chosen, e)})
	}
	return f
}

// channelView builds a channel's page.
func (h *handler) channelView(ctx context.Context, c storage.NotificationChannel) (views.ChannelView, error) {
	v := views.ChannelView{ChannelRow: channelRow(c), Threshold: c.DLQThreshold}
	ds, err := h.store.Deliveries(ctx, c.ID, 50)
	if err != nil {
		return v, err
	}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, views.DeliveryRow{ID: d.ID, Event: d.Event, Status: d.Status,
			At: clockOf(ctx).DateTime(d.UpdatedAt), Attempts: d.Attempts, LastStatus: d.LastStatus,
			LastResponse: clip(d.LastResponse, 200), Payload: d.Payload})
	}
	return v, nil
}
