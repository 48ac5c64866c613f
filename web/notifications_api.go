package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

type channelJSON struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	Target       string    `json:"target"`
	Events       []string  `json:"events"`
	DLQThreshold int       `json:"dlqThreshold"`
	Secret       string    `json:"secret,omitempty"` // only in the answer that created it
	CreatedAt    time.Time `json:"createdAt"`
}

type deliveryJSON struct {
	ID           int64     `json:"id"`
	Event        string    `json:"event"`
	SimulationID *int64    `json:"simulationId,omitempty"`
	Status       string    `json:"status"`
	Attempts     int       `json:"attempts"`
	LastStatus   int       `json:"lastStatus"`
	LastResponse string    `json:"lastResponse"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

func channelJSONOf(c storage.NotificationChannel) channelJSON {
	return channelJSON{ID: c.ID, Kind: c.Kind, Target: c.Target, Events: c.Events, DLQThreshold: c.DLQThreshold, CreatedAt: c.CreatedAt}
}

// listChannelsAPI lists the caller's notification channels.
func (h *handler) listChannelsAPI(c *fiber.Ctx) error {
	chans, err := h.store.NotificationChannels(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	out := make([]channelJSON, 0, len(chans))
	for _, ch := range chans {
		out = append(out, channelJSONOf(ch))
	}
	return c.JSON(fiber.Map{"channels": out})
}

// createChannelAPI adds {"kind", "url" or "email", "events", "dlqThreshold"}: 201
// with the channel (and a webhook's secret, this once), 422 per field.
func (h *handler) createChannelAPI(c *fiber.Ctx) error {
	var req struct {
		Kind         string   `json:"kind"`
		URL          string   `json:"url"`
		Email        string   `json:"email"`
		Events       []string `json:"events"`
		DLQThreshold int      `json:"dlqThreshold"`
	}
	if err := readJSON(c, &req, `{"kind": "webhook", "url": "https://…", "events": ["finished", …], "dlqThreshold": 100}`); err != nil {
		return err
	}
	in := channelInput{Kind: req.Kind, URL: req.URL, Email: req.Email, Events: req.Events, Threshold: strconv.Itoa(req.DLQThreshold)}
	ch, fe := in.parse(currentUser(c).ID, h.cfg.SMTPURL != "")
	if len(fe) > 0 {
		return failFields(c, "channel", fe)
	}
	secret, err := h.addChannel(c.UserContext(), &ch)
	if err != nil {
		return err
	}
	out := channelJSONOf(ch)
	out.Secret = secret
	return c.Status(fiber.StatusCreated).JSON(out)
}

// listDeliveriesAPI is a channel's delivery log, newest first.
func (h *handler) listDeliveriesAPI(c *fiber.Ctx) error {
	ch, err := h.channelFor(c)
	if err != nil {
		return err
	}
	ds, err := h.store.Deliveries(c.UserContext(), ch.ID, 100)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryJSON{ID: d.ID, Event: d.Event, SimulationID: d.SimulationID, Status: d.Status, Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastResponse: d.LastResponse, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt})
	}
	return c.JSON(fiber.Map{"deliveries": out})
}
