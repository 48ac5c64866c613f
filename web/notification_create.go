package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showNotifications renders the user's channels and the form that adds one.
func (h *handler) showNotifications(c *fiber.Ctx) error {
	v, err := h.notificationsView(c.UserContext(), currentUser(c), channelForm(nil, nil))
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.NotificationsPage(h.page(c, "Notifications", "notifications"), v))
}

// createChannel adds a channel from the form and opens its page (a webhook's with
// its secret, shown this once); bad input re-renders the form.
func (h *handler) createChannel(c *fiber.Ctx) error {
	u := currentUser(c)
	in := channelInput{Kind: strings.Clone(c.FormValue("kind")), URL: strings.Clone(c.FormValue("url")),
		Email: strings.Clone(c.FormValue("email")), Threshold: strings.Clone(c.FormValue("threshold"))}
	for _, e := range c.Request().PostArgs().PeekMulti("events") {
		in.Events = append(in.Events, string(e))
	}
	ch, fe := in.parse(u.ID, h.cfg.SMTPURL != "")
	if len(fe) > 0 {
		v, err := h.notificationsView(c.UserContext(), u, channelForm(&in, fe))
		if err != nil {
			return err
		}
		return render(c, fiber.StatusUnprocessableEntity, views.NotificationsPage(h.page(c, "Notifications", "notifications"), v))
	}
	secret, err := h.addChannel(c.UserContext(), &ch)
	if err != nil {
		return err
	}
	v, err := h.channelView(c.UserContext(), ch)
	if err != nil {
		return err
	}
	v.Secret, v.Notice = secret, "Channel added."
	return render(c, fiber.StatusCreated, views.ChannelPage(h.page(c, "Notifications", "notifications"), v))
}

// showChannel renders a channel with its delivery log.
func (h *handler) showChannel(c *fiber.Ctx) error {
	ch, err := h.channelFor(c)
	if err != nil {
		return err
	}
	v, err := h.channelView(c.UserContext(), ch)
	if err != nil {
		return err
	}
	if c.Query("tested") != "" {
		v.Notice = "A test notification is on its way; its delivery shows below."
	}
	return render(c, fiber.StatusOK, views.ChannelPage(h.page(c, "Notifications", "notifications"), v))
}

// testChannel sends a test notification to a channel.
func (h *handler) testChannel(c *fiber.Ctx) error {
	ch, err := h.channelFor(c)
	if err != nil {
		return err
	}
	if h.notify == nil || h.queue == nil {
		return h.fail(c, fiber.StatusServiceUnavailable, "Notifications are sent through the queue, and this SimCRM runs without Redis.")
	}
	h.notify.SendTest(c.UserContext(), ch)
	if isAPI(c) {
		return c.SendStatus(fiber.StatusAccepted)
	}
	return c.Redirect("/notifications/"+strconv.FormatInt(ch.ID, 10)+"?tested=1", fiber.StatusSeeOther)
}

// deleteChannel removes a channel and its delivery log.
func (h *handler) deleteChannel(c *fiber.Ctx) error {
	ch, err := h.channelFor(c)
	if err != nil {
		return err
	}
	if err := h.store.DeleteNotificationChannel(c.UserContext(), ch.ID); err != nil {
		return err
	}
	switch {
	case isAPI(c):
		return c.SendStatus(fiber.StatusNoContent)
	case isHTMX(c):
		c.Set("HX-Redirect", "/notifications")
		return c.SendStatus(fiber.StatusOK)
	}
	return c.Redirect("/notifications", fiber.StatusSeeOther)
}
