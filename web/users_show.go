package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// accountEventsShown is how many audited account actions the Users page lists.
const accountEventsShown = 100

// showUsers renders the boss's Users page.
func (h *handler) showUsers(c *fiber.Ctx) error {
	v, err := h.usersView(c.UserContext(), currentUser(c), inviteForm(storage.RolePlayer, defaultInviteExpiry, nil))
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.UsersPage(h.page(c, "Users", "users"), v))
}

// usersView builds the Users page: accounts, open invites, the invite form and
// the audit.
func (h *handler) usersView(ctx context.Context, me *storage.User, form views.InviteForm) (views.UsersView, error) {
	clk := clockOf(ctx)
	users, err := h.store.Users(ctx)
	if err != nil {
		return views.UsersView{}, err
	}
	links, err := h.store.AccountLinks(ctx, time.Now().Add(-31*24*time.Hour))
	if err != nil {
		return views.UsersView{}, err
	}
	events, err := h.store.AccountEvents(ctx, accountEventsShown)
	if err != nil {
		return views.UsersView{}, err
	}
	v := views.UsersView{Form: form, Signup: h.cfg.Signup}
	emails := map[int64]string{}
	for _, u := range users {
		emails[u.ID] = u.Email
		v.Rows = append(v.Rows, views.UserRow{ID: u.ID, Email: u.Email, Role: u.Role, Disabled: u.Disabled(),
			Created: clk.Date(u.CreatedAt), You: u.ID == me.ID})
	}
	now := time.Now()
	for _, l := range links {
		if l.Kind == storage.LinkInvite && l.Open(now) {
			v.Invites = append(v.Invites, views.InviteRow{Role: l.Role, By: emails[l.CreatedBy],
				Created: clk.Short(l.CreatedAt), Expires: clk.Short(l.ExpiresAt)})
		}
	}
	for _, e := range events {
		actor := e.ActorEmail
		if e.ActorID == nil {
			actor = "(themselves)"
		}
		v.Events = append(v.Events, views.AccountEventRow{At: clk.Short(e.At), Actor: actor, Action: e.Action,
			Subject: e.SubjectEmail, Detail: e.Detail})
	}
	return v, nil
}

// inviteForm is the invite form with its choices.
func inviteForm(role, expiry string, fe views.FormErrors) views.InviteForm {
	f := views.InviteForm{Role: role, Expiry: expiry, Errors: fe,
		Roles: []views.Option{{Value: storage.RolePlayer, Label: "Player"}, {Value: storage.RoleBoss, Label: "Boss"}}}
	for _, e := range inviteExpiries {
		f.Expires = append(f.Expires, views.Option{Value: e.value, Label: e.label})
	}
	return f
}
