package jobs

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/storage"
)

// Webhook headers. The signature is "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<body>" under the channel's secret>", so a receiver can check both who sent
// it and that it is fresh.
const (
	HeaderSignature = "X-SimCRM-Signature"
	HeaderEvent     = "X-SimCRM-Event"
	HeaderDelivery  = "X-SimCRM-Delivery"
)

// Sign returns the signature header value of a body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// handleDeliver sends one delivery. A failed attempt is logged and, while attempts
// remain, enqueued again after the backoff; the task itself never fails, so the
// delivery log is the one record of what happened.
func (n *Notifier) handleDeliver(ctx context.Context, t *asynq.Task) error {
	var p notifyPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("%w: notify payload: %v", asynq.SkipRetry, err)
	}
	d, err := n.store.Delivery(ctx, p.Delivery)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // its channel was deleted
	}
	if err != nil {
		return err
	}
	if d.Status != storage.DeliveryPending {
		return nil
	}
	c, err := n.store.NotificationChannel(ctx, d.ChannelID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	code, answer, sendErr := n.send(ctx, c, d)
	status := storage.DeliveryDelivered
	if sendErr != nil {
		answer = sendErr.Error()
		status = storage.DeliveryFailed
		if d.Attempts < len(n.backoff) {
			status = storage.DeliveryPending
		}
	}
	if err := n.store.RecordDeliveryAttempt(context.WithoutCancel(ctx), d.ID, status, code, answer); err != nil {
		return err
	}
	if status == storage.DeliveryPending {
		n.enqueue(context.WithoutCancel(ctx), d.ID, n.backoff[d.Attempts])
	}
	n.log.Debug("notification", "delivery", d.ID, "channel", c.ID, "event", d.Event, "status", status, "http", code)
	return nil
}

// send makes one attempt: the HTTP status and the start of the answer, and an
// error unless it was delivered.
func (n *Notifier) send(ctx context.Context, c storage.NotificationChannel, d storage.Delivery) (int, string, error) {
	switch c.Kind {
	case storage.ChannelEmail:
		if n.mail == nil {
			return 0, "", errors.New("e-mail is not set up (SMTP_URL)")
		}
		return 0, "sent", n.mail.Send(ctx, c.Target, d)
	case storage.ChannelWebhook:
	default:
		return 0, "", fmt.Errorf("unknown channel kind %q", c.Kind)
	}
	if n.box == nil {
		return 0, "", errors.New("no TOKEN_ENC_SECRET to open the webhook's secret")
	}
	secret, err := n.box.Open(c.SecretSealed)
	if err != nil {
		return 0, "", errors.New("the webhook's secret cannot be opened (was TOKEN_ENC_SECRET changed?)")
	}
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Target, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SimCRM-Webhook/1")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(HeaderSignature, Sign(secret, time.Now(), body))
	resp, err := n.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, string(answer), fmt.Errorf("%d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), answer)
	}
	return resp.StatusCode, string(answer), nil
}
