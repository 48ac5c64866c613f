package web

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// createConnection probes the form's token and stores it sealed, then opens the
// connection's page; bad input, a refused token or an unreachable URL re-render
// the form with a message beside the field.
func (h *handler) createConnection(c *fiber.Ctx) error {
	u := currentUser(c)
	t := connectionText{Name: strings.Clone(c.FormValue("name")), Token: strings.Clone(c.FormValue("token")),
		Tier: strings.Clone(c.FormValue("tier")), BaseURL: strings.Clone(c.FormValue("baseURL")),
		HistoricalDates: historicalDatesText(strings.Clone(c.FormValue("historicalDates")))}
	conn, fe, err := h.addConnection(c.UserContext(), u, t)
	if err != nil {
		return err
	}
	if len(fe) == 0 {
		return c.Redirect("/connections/"+strconv.FormatInt(conn.ID, 10), fiber.StatusSeeOther)
	}
	conns, err := h.visibleConnections(c)
	if err != nil {
		return err
	}
	v, err := h.connectionsView(c.UserContext(), u, conns, connectionForm(t, fe))
	if err != nil {
		return err
	}
	return render(c, fiber.StatusUnprocessableEntity, views.ConnectionsPage(h.page(c, "Connections", "connections"), v))
}

// addConnection checks the input, probes the token (which also defines SimCRM's
// properties) and stores the connection with the token sealed. A token the target
// refuses or a URL that does not answer is a field error and nothing is stored; a
// token that works without every scope is stored with the missing scopes named.
func (h *handler) addConnection(ctx context.Context, u *storage.User, t connectionText) (storage.Connection, views.FormErrors, error) {
	in, fe := t.parse(targetRule{boss: u.IsBoss(), egress: h.egress()})
	if h.box == nil {
		return storage.Connection{}, nil, errors.New("web: no TOKEN_ENC_SECRET to seal HubSpot tokens")
	}
	if !fe.Has("name") {
		mine, err := h.store.Connections(ctx, u.ID)
		if err != nil {
			return storage.Connection{}, nil, err
		}
		for _, c := range mine {
			if strings.EqualFold(c.Name, in.Name) {
				fe["name"] = "You already have a connection with this name."
			}
		}
	}
	if len(fe) > 0 {
		return storage.Connection{}, fe, nil
	}
	res := h.probeConnection(ctx, in.BaseURL, in.Token)
	if !res.Accepted {
		fe[res.Field] = res.Message
		return storage.Connection{}, fe, nil
	}
	conn := storage.Connection{UserID: u.ID, Name: in.Name, BaseURL: in.BaseURL, Tier: string(in.Tier),
		TokenCiphertext: h.box.Seal([]byte(in.Token)), ValidationOK: res.OK, ValidationMessage: res.Message,
		HistoricalDates: in.HistoricalDates}
	if err := h.store.CreateConnection(ctx, &conn); err != nil {
		return storage.Connection{}, nil, err
	}
	// CreateConnection does not stamp the validation time; SetConnectionValidation does.
	if err := h.store.SetConnectionValidation(ctx, conn.ID, res.OK, res.Message); err != nil {
		return storage.Connection{}, nil, err
	}
	h.log.Info("connection added", "connection", conn.ID, "user", u.ID, "tier", conn.Tier, "ok", res.OK, "missing_scopes", len(res.Scopes))
	return conn, nil, nil
}
