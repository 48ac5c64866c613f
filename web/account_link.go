package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// The pages behind a boss's links: /invite/:token makes an account with the
// invite's role, /reset/:token sets a new password. Each link works once.

// badLinkMessage is the answer to a used, expired or unknown link.
const badLinkMessage = "This link does not work: it was used already, it expired, or it never existed. Ask a boss for a new one."

// showAccountLink renders the form behind an invite (kind LinkInvite) or reset link.
func (h *handler) showAccountLink(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f, ok, err := h.linkForm(c, kind)
		if err != nil || !ok {
			return h.badLink(c, err)
		}
		return render(c, fiber.StatusOK, views.LinkPage(h.page(c, linkTitle(kind), ""), f))
	}
}

// submitAccountLink uses an invite (creating the account and signing it in) or a
// reset link (setting the password, then off to log in).
func (h *handler) submitAccountLink(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		f, ok, err := h.linkForm(c, kind)
		if err != nil || !ok {
			return h.badLink(c, err)
		}
		f.Errors = views.FormErrors{}
		password, confirm := c.FormValue("password"), c.FormValue("confirm")
		if f.Invite {
			f.Email = normaliseEmail(c.FormValue("email"))
			if msg := checkEmail(f.Email); msg != "" {
				f.Errors["email"] = msg
			}
			if len(f.Email) > maxEmailLen {
				f.Email = ""
			}
		}
		if msg := checkNewPassword(password); msg != "" {
			f.Errors["password"] = msg
		} else if confirm != password {
			f.Errors["confirm"] = "The two passwords differ."
		}
		if f.Errors.Any() {
			return render(c, fiber.StatusUnprocessableEntity, views.LinkPage(h.page(c, linkTitle(kind), ""), f))
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		token := auth.HashToken(strings.Clone(c.Params("token")))
		var u storage.User
		if f.Invite {
			u, err = h.store.AcceptInvite(ctx, token, f.Email, hash)
		} else {
			u, err = h.store.ResetPassword(ctx, token, hash)
		}
		switch {
		case errors.Is(err, storage.ErrDuplicate):
			f.Errors["email"] = "An account with this email already exists. Log in instead."
			return render(c, fiber.StatusConflict, views.LinkPage(h.page(c, linkTitle(kind), ""), f))
		case errors.Is(err, storage.ErrNotFound):
			return h.badLink(c, nil) // used by a request that came first
		case err != nil:
			return err
		}
		if !f.Invite {
			if err := h.audit(ctx, nil, storage.AuditResetDone, u.Email, "new password set"); err != nil {
				return err
			}
			return c.Redirect("/login", fiber.StatusSeeOther)
		}
		if err := h.audit(ctx, nil, storage.AuditJoin, u.Email, "joined as "+u.Role); err != nil {
			return err
		}
		h.log.Info("account created", "user", u.ID, "role", u.Role, "by", "invite")
		if err := h.startSession(c, u.ID); err != nil {
			return err
		}
		return c.Redirect("/", fiber.StatusSeeOther)
	}
}

// badLink answers a link that does not work with a 404 that says so (or err).
func (h *handler) badLink(c *fiber.Ctx, err error) error {
	if err != nil {
		return err
	}
	return h.fail(c, fiber.StatusNotFound, badLinkMessage)
}

// linkForm is the form of the open link in the address; ok is false for any
// other link.
func (h *handler) linkForm(c *fiber.Ctx, kind string) (views.LinkForm, bool, error) {
	token := strings.Clone(c.Params("token"))
	l, err := h.store.OpenAccountLink(c.UserContext(), kind, auth.HashToken(token))
	if errors.Is(err, storage.ErrNotFound) {
		return views.LinkForm{}, false, nil
	}
	if err != nil {
		return views.LinkForm{}, false, err
	}
	f := views.LinkForm{Action: "/" + kind + "/" + token, Invite: kind == storage.LinkInvite, Role: l.Role}
	if !f.Invite {
		u, err := h.store.User(c.UserContext(), *l.UserID)
		if err != nil {
			return views.LinkForm{}, false, err
		}
		f.Email = u.Email
	}
	return f, true, nil
}

func linkTitle(kind string) string {
	if kind == storage.LinkInvite {
		return "Join SimCRM"
	}
	return "New password"
}
