package web

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/format"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// What a boss does to accounts, one way for the Users page and the API: change a
// role, disable or enable, make an invite or a password-reset link. Every action
// is audited.

// resetLinkTTL is how long a password-reset link works.
const resetLinkTTL = 24 * time.Hour

// inviteExpiry is one choice of how long an invite link works.
type inviteExpiry struct {
	value, label string
	ttl          time.Duration
}

var inviteExpiries = []inviteExpiry{
	{"1d", "1 day", 24 * time.Hour},
	{"7d", "7 days", 7 * 24 * time.Hour},
	{"30d", "30 days", 30 * 24 * time.Hour},
}

// defaultInviteExpiry is the form's preselected expiry.
const defaultInviteExpiry = "7d"

// updateAccount applies an action ("role", "disable" or "enable") to the account
// :id names. A refused change is a *fiber.Error: 404 unknown account, 422 bad
// role, 409 the last boss.
func (h *handler) updateAccount(c *fiber.Ctx, action, role string) (storage.User, error) {
	ctx := c.UserContext()
	boss := currentUser(c)
	u, err := recordFor(c, h.store.User)
	if err != nil {
		return storage.User{}, err
	}
	var detail string
	switch action {
	case "role":
		if role != storage.RoleBoss && role != storage.RolePlayer {
			return u, fiber.NewError(fiber.StatusUnprocessableEntity, "The role must be boss or player.")
		}
		detail = u.Role + " → " + role
		err = h.store.SetUserRole(ctx, u.ID, role)
	case "disable", "enable":
		err = h.store.SetUserDisabled(ctx, u.ID, action == "disable")
	}
	if errors.Is(err, storage.ErrLastBoss) {
		return u, fiber.NewError(fiber.StatusConflict, "The last enabled boss cannot be demoted or disabled. Make someone else a boss first.")
	}
	if errors.Is(err, storage.ErrNotFound) {
		return u, fiber.ErrNotFound
	}
	if err != nil {
		return u, err
	}
	auditAction := map[string]string{"role": storage.AuditRole, "disable": storage.AuditDisable, "enable": storage.AuditEnable}[action]
	if err := h.audit(ctx, boss, auditAction, u.Email, detail); err != nil {
		return u, err
	}
	h.log.Info("account changed", "by", boss.ID, "user", u.ID, "action", action, "role", role)
	return h.store.User(ctx, u.ID)
}

// makeInvite stores a single-use invite link with a role and an expiry and
// returns its address (path only). Bad choices are messages per field.
func (h *handler) makeInvite(ctx context.Context, boss *storage.User, role, expiry string) (string, views.FormErrors, error) {
	fe := views.FormErrors{}
	if role != storage.RoleBoss && role != storage.RolePlayer {
		fe["role"] = "Choose boss or player."
	}
	var ttl time.Duration
	for _, e := range inviteExpiries {
		if e.value == expiry {
			ttl = e.ttl
		}
	}
	if ttl == 0 {
		fe["expiry"] = "Choose 1 day, 7 days or 30 days."
	}
	if fe.Any() {
		return "", fe, nil
	}
	token := auth.NewToken()
	l := storage.AccountLink{Kind: storage.LinkInvite, Role: role, CreatedBy: boss.ID, ExpiresAt: time.Now().Add(ttl)}
	if err := h.store.CreateAccountLink(ctx, &l, auth.HashToken(token)); err != nil {
		return "", nil, err
	}
	if err := h.audit(ctx, boss, storage.AuditInvite, "", "invite as "+role+", valid until "+format.Clock{Loc: time.UTC}.DateTime(l.ExpiresAt)); err != nil {
		return "", nil, err
	}
	return "/invite/" + token, nil, nil
}

// makeResetLink stores a single-use password-reset link for the account :id
// names and returns its address (path only).
func (h *handler) makeResetLink(c *fiber.Ctx) (storage.User, string, error) {
	ctx := c.UserContext()
	boss := currentUser(c)
	u, err := recordFor(c, h.store.User)
	if err != nil {
		return u, "", err
	}
	token := auth.NewToken()
	l := storage.AccountLink{Kind: storage.LinkReset, UserID: &u.ID, CreatedBy: boss.ID, ExpiresAt: time.Now().Add(resetLinkTTL)}
	if err := h.store.CreateAccountLink(ctx, &l, auth.HashToken(token)); err != nil {
		return u, "", err
	}
	if err := h.audit(ctx, boss, storage.AuditResetLink, u.Email, "valid until "+format.Clock{Loc: time.UTC}.DateTime(l.ExpiresAt)); err != nil {
		return u, "", err
	}
	return u, "/reset/" + token, nil
}

// audit appends an account action; actor nil is the subject acting alone.
func (h *handler) audit(ctx context.Context, actor *storage.User, action, subject, detail string) error {
	e := storage.AccountEvent{Action: action, SubjectEmail: subject, Detail: detail}
	if actor != nil {
		e.ActorID, e.ActorEmail = &actor.ID, actor.Email
	}
	return h.store.AddAccountEvent(ctx, e)
}
