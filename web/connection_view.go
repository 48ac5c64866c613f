package web

import (
	"context"
	"errors"
	"github.com/simcrm/simcrm/internal/format"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/ratelimit"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// visibleConnections lists the caller's connections; a boss sees everyone's.
func (h *handler) visibleConnections(c *fiber.Ctx) ([]storage.Connection, error) {
	u := currentUser(c)
	if u.IsBoss() {
		return h.store.Connections(c.UserContext(), 0)
	}
	return h.store.Connections(c.UserContext(), u.ID)
}

// The scopes a private app needs for everything SimCRM does.
var connectionScopes = []string{
	"crm.objects.contacts.read", "crm.objects.contacts.write",
	"crm.objects.companies.read", "crm.objects.companies.write",
	"crm.objects.deals.read", "crm.objects.deals.write",
	"tickets", "crm.objects.owners.read",
	"crm.schemas.contacts.read", "crm.schemas.contacts.write",
	"crm.schemas.companies.read", "crm.schemas.companies.write",
	"crm.schemas.deals.read", "crm.schemas.deals.write",
}

// connectionsView is the connections page's model.
func (h *handler) connectionsView(ctx context.Context, u *storage.User, conns []storage.Connection, form views.ConnectionForm) (views.ConnectionsView, error) {
	clk := clockOf(ctx)
	v := views.ConnectionsView{Form: form, ShowOwner: u.IsBoss(), Scopes: connectionScopes}
	owners := map[int64]string{}
	if u.IsBoss() {
		users, err := h.store.Users(ctx)
		if err != nil {
			return v, err
		}
		for _, o := range users {
			owners[o.ID] = o.Email
		}
	}
	for _, c := range conns {
		row := views.ConnectionRow{ID: c.ID, Name: c.Name, BaseURL: c.BaseURL, Tier: c.Tier, Status: connectionStatus(c)}
		if c.ValidatedAt != nil {
			row.ValidatedAt = clk.Short(*c.ValidatedAt)
		}
		if u.IsBoss() && c.UserID != u.ID {
			row.Owner = owners[c.UserID]
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

// connectionView is one connection's page model.
func (h *handler) connectionView(ctx context.Context, u *storage.User, c storage.Connection) (views.ConnectionView, error) {
	clk := clockOf(ctx)
	v := views.ConnectionView{ID: c.ID, Name: c.Name, BaseURL: c.BaseURL, Tier: c.Tier, Status: connectionStatus(c),
		ValidatedAt: timeText(clk, c.ValidatedAt), Message: withoutScopes(c.ValidationMessage), MissingScopes: missingScopesIn(c.ValidationMessage),
		CreatedAt: clk.DateTime(c.CreatedAt), HistoricalDates: "off", HistoricalOptions: historicalDatesOptions}
	if c.HistoricalDates {
		v.HistoricalDates = "on"
	}
	if tier, err := ratelimit.ParseTier(c.Tier); err == nil {
		v.Tier = tierLabel(tier)
		v.TierLimits = limitsText(ratelimit.LimitsFor(tier))
	}
	if c.UserID != u.ID {
		owner, err := h.store.User(ctx, c.UserID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return v, err
		}
		v.Owner = owner.Email
	}
	return v, nil
}

func timeText(clk format.Clock, t *time.Time) string {
	if t == nil {
		return ""
	}
	return clk.DateTime(*t)
}

// tokenRefusedLead starts the message of a 401 (see probeFailure).
const tokenRefusedLead = "HubSpot refused the token"

// connectionStatus is the badge of a connection's last validation.
func connectionStatus(c storage.Connection) views.ConnectionStatus {
	switch {
	case c.ValidatedAt == nil:
		return views.ConnectionStatus{Label: "Not validated", Class: "badge-muted"}
	case c.ValidationOK:
		return views.ConnectionStatus{Label: "Ready", Class: "badge-ok"}
	case strings.HasPrefix(c.ValidationMessage, tokenRefusedLead):
		return views.ConnectionStatus{Label: "Token refused", Class: "badge-bad"}
	case len(missingScopesIn(c.ValidationMessage)) > 0:
		return views.ConnectionStatus{Label: "Missing scopes", Class: "badge-warn"}
	}
	return views.ConnectionStatus{Label: "Problem", Class: "badge-bad"}
}
