package views

import "strconv"

// NotificationsView is the user's notification channels and the form that adds one.
type NotificationsView struct {
	Rows      []ChannelRow
	Form      ChannelForm
	EmailOn   bool // SMTP_URL is set
	UserEmail string
}

// ChannelRow is one channel in the list.
type ChannelRow struct {
	ID                   int64
	Kind, Target, Events string
	LastStatus           string // of the newest delivery, "" for none
}

// URL is the channel's page with its delivery log.
func (r ChannelRow) URL() string { return "/notifications/" + strconv.FormatInt(r.ID, 10) }

// ChannelForm adds a channel: the values typed and a message per field.
type ChannelForm struct {
	Kind, URL, Email, Threshold string
	Events                      []EventChoice
	Errors                      FormErrors
}

// EventChoice is one event's checkbox.
type EventChoice struct {
	Name, Label string
	Checked     bool
}

// ChannelView is one channel's page: settings, the secret right after creation,
// and the delivery log.
type ChannelView struct {
	ChannelRow
	Threshold  int
	Secret     string // shown once, right after the webhook is added
	Notice     string
	Deliveries []DeliveryRow
}

// DeliveryRow is one delivery in the log.
type DeliveryRow struct {
	ID                    int64
	Event, Status, At     string
	Attempts              int
	LastStatus            int
	LastResponse, Payload string
}
