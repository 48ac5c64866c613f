package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Notification channel kinds.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // out of attempts
)

// NotificationChannel is where a user wants to hear about their simulations: a
// webhook URL (signed with a secret kept sealed) or an e-mail address.
type NotificationChannel struct {
	ID           int64
	UserID       int64
	Kind         string
	Target       string // URL or e-mail address
	SecretSealed []byte // webhooks: the signing secret, sealed under TOKEN_ENC_SECRET
	Events       []string
	DLQThreshold int // notify when a simulation's DLQ grows past each multiple; 0: never
	CreatedAt    time.Time
}

// Wants reports whether the channel subscribed to an event.
func (c NotificationChannel) Wants(event string) bool {
	for _, e := range c.Events {
		if e == event {
			return true
		}
	}
	return false
}

const channelColumns = `id, user_id, kind, target, secret_sealed, events, dlq_threshold, created_at`

func scanChannel(r rowScanner) (NotificationChannel, error) {
	var (
		c      NotificationChannel
		events string
	)
	err := r.Scan(&c.ID, &c.UserID, &c.Kind, &c.Target, &c.SecretSealed, &events, &c.DLQThreshold, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("storage: notification channel: %w", err)
	}
	if events != "" {
		c.Events = strings.Split(events, ",")
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// CreateNotificationChannel stores a channel and fills in its id.
func (s *Store) CreateNotificationChannel(ctx context.Context, c *NotificationChannel) error {
	c.CreatedAt = now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO notification_channels (user_id, kind, target, secret_sealed, events, dlq_threshold, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.UserID, c.Kind, c.Target, c.SecretSealed, strings.Join(c.Events, ","), c.DLQThreshold, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("storage: create notification channel: %w", err)
	}
	c.ID, err = res.LastInsertId()
	return err
}

// NotificationChannel returns one channel.
func (s *Store) NotificationChannel(ctx context.Context, id int64) (NotificationChannel, error) {
	return scanChannel(s.db.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM notification_channels WHERE id = ?`, id))
}

// NotificationChannels lists a user's channels (every user's for 0), oldest first.
func (s *Store) NotificationChannels(ctx context.Context, userID int64) ([]NotificationChannel, error) {
	if userID == 0 {
		return scanAll(ctx, s.db, "notification channels", scanChannel, `SELECT `+channelColumns+` FROM notification_channels ORDER BY id`)
	}
	return scanAll(ctx, s.db, "notification channels", scanChannel, `SELECT `+channelColumns+` FROM notification_channels WHERE user_id = ? ORDER BY id`, userID)
}

// DeleteNotificationChannel removes a channel and its delivery log.
func (s *Store) DeleteNotificationChannel(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM notification_channels WHERE id = ?`, id); err != nil {
		return fmt.Errorf("storage: delete notification channel: %w", err)
	}
	return nil
}

// Delivery is one notification sent (or being sent) to one channel.
type Delivery struct {
	ID           int64
	ChannelID    int64
	EventKey     string // unique per channel: the same event is never delivered twice
	Event        string
	SimulationID *int64
	Payload      string // JSON body
	Status       string
	Attempts     int
	LastStatus   int    // HTTP status of the last attempt; 0 for none or an e-mail
	LastResponse string // the start of the last answer, or the error
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const deliveryColumns = `id, channel_id, event_key, event, simulation_id, payload, status, attempts, last_status, last_response, created_at, updated_at`

func scanDelivery(r rowScanner) (Delivery, error) {
	var (
		d   Delivery
		sim sql.NullInt64
	)
	err := r.Scan(&d.ID, &d.ChannelID, &d.EventKey, &d.Event, &sim, &d.Payload, &d.Status, &d.Attempts, &d.LastStatus,
		&d.LastResponse, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("storage: delivery: %w", err)
	}
	if sim.Valid {
		d.SimulationID = &sim.Int64
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// AddDelivery records a pending delivery unless the channel already has one for
// the event key; added reports which, and d holds the stored row either way.
func (s *Store) AddDelivery(ctx context.Context, d *Delivery) (added bool, err error) {
	at := now()
	res, err := s.db.ExecContext(ctx, s.insertIgnore()+` notification_deliveries (channel_id, event_key, event, simulation_id, payload,
		status, attempts, last_status, last_response, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0, '', ?, ?)`,
		d.ChannelID, d.EventKey, d.Event, d.SimulationID, d.Payload, DeliveryPending, at, at)
	if err != nil {
		return false, fmt.Errorf("storage: add delivery: %w", err)
	}
	n, _ := res.RowsAffected()
	stored, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries
		WHERE channel_id = ? AND event_key = ?`, d.ChannelID, d.EventKey))
	if err != nil {
		return false, err
	}
	*d = stored
	return n > 0, nil
}

// Delivery returns one delivery.
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	return scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notification_deliveries WHERE id = ?`, id))
}

// Deliveries lists a channel's latest deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, channelID int64, limit int) ([]Delivery, error) {
	return scanAll(ctx, s.db, "deliveries", scanDelivery, `SELECT `+deliveryColumns+` FROM notification_deliveries
		WHERE channel_id = ? ORDER BY id DESC LIMIT ?`, channelID, limit)
}

// PendingDeliveries lists deliveries still to be sent, oldest first.
func (s *Store) PendingDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	return scanAll(ctx, s.db, "deliveries", scanDelivery, `SELECT `+deliveryColumns+` FROM notification_deliveries
		WHERE status = ? ORDER BY id LIMIT ?`, DeliveryPending, limit)
}

// RecordDeliveryAttempt stores one attempt's outcome: the new status, the HTTP
// status (0 for none) and the start of the answer or the error.
func (s *Store) RecordDeliveryAttempt(ctx context.Context, id int64, status string, httpStatus int, response string) error {
	if len(response) > 1000 {
		response = response[:1000]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE notification_deliveries SET status = ?, attempts = attempts + 1, last_status = ?,
		last_response = ?, updated_at = ? WHERE id = ?`, status, httpStatus, strings.ToValidUTF8(response, "?"), now(), id)
	if err != nil {
		return fmt.Errorf("storage: delivery attempt: %w", err)
	}
	return nil
}

// NotificationCursor returns a named read position (0 before the first).
func (s *Store) NotificationCursor(ctx context.Context, name string) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, `SELECT value FROM notification_cursor WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("storage: notification cursor: %w", err)
	}
	return v, nil
}

// SetNotificationCursor stores a named read position.
func (s *Store) SetNotificationCursor(ctx context.Context, name string, v int64) error {
	q := `INSERT INTO notification_cursor (name, value) VALUES (?, ?) `
	if s.dialect == MySQL {
		q += `ON DUPLICATE KEY UPDATE value = VALUES(value)`
	} else {
		q += `ON CONFLICT (name) DO UPDATE SET value = excluded.value`
	}
	if _, err := s.db.ExecContext(ctx, q, name, v); err != nil {
		return fmt.Errorf("storage: notification cursor: %w", err)
	}
	return nil
}

// SimulationEvent is a recorded state change with its simulation's owner and name.
type SimulationEvent struct {
	ID           int64 // the transition's id, increasing
	SimulationID int64
	UserID       int64
	Name         string
	From, To     string
	Reason       string
	At           time.Time
}

// SimulationEventsAfter lists state changes with id > after, oldest first (those of
// deleted simulations are gone with them).
func (s *Store) SimulationEventsAfter(ctx context.Context, after int64, limit int) ([]SimulationEvent, error) {
	return scanAll(ctx, s.db, "simulation events", func(r rowScanner) (SimulationEvent, error) {
		var e SimulationEvent
		if err := r.Scan(&e.ID, &e.SimulationID, &e.UserID, &e.Name, &e.From, &e.To, &e.Reason, &e.At); err != nil {
			return e, fmt.Errorf("storage: simulation events: %w", err)
		}
		e.At = e.At.UTC()
		return e, nil
	}, `SELECT t.id, t.simulation_id, s.user_id, s.name, t.from_status, t.to_status, t.reason, t.at
		FROM simulation_transitions t JOIN simulations s ON s.id = t.simulation_id
		WHERE t.id > ? ORDER BY t.id LIMIT ?`, after, limit)
}

// LastTransitionID is the newest transition's id (0 when none).
func (s *Store) LastTransitionID(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(id) FROM simulation_transitions`).Scan(&v); err != nil {
		return 0, fmt.Errorf("storage: last transition: %w", err)
	}
	return v.Int64, nil
}

// DLQTotalsByUser counts every DLQ row (any status) per simulation of a user.
func (s *Store) DLQTotalsByUser(ctx context.Context, userID int64) (map[int64]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.simulation_id, COUNT(*) FROM dlq_entries d
		JOIN simulations s ON s.id = d.simulation_id WHERE s.user_id = ? GROUP BY d.simulation_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("storage: dlq totals: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("storage: dlq totals: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}
