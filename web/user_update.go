package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// updateUser changes an account from the Users page (action: role, disable or
// enable) and shows the page again with what happened.
func (h *handler) updateUser(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := h.updateAccount(c, action, strings.Clone(c.FormValue("role")))
		var fe *fiber.Error
		if errors.As(err, &fe) && fe.Code != fiber.StatusNotFound {
			return h.renderUsers(c, fe.Code, fe.Message, "error", "")
		}
		if err != nil {
			return err
		}
		notice := u.Email + " is now a " + u.Role + "."
		switch action {
		case "disable":
			notice = u.Email + " is disabled: its sessions and API tokens no longer work."
		case "enable":
			notice = u.Email + " is enabled again."
		}
		return h.renderUsers(c, fiber.StatusOK, notice, "ok", "")
	}
}

// createResetLink makes a password-reset link for an account and shows it once.
func (h *handler) createResetLink(c *fiber.Ctx) error {
	u, path, err := h.makeResetLink(c)
	if err != nil {
		return err
	}
	return h.renderUsers(c, fiber.StatusOK, "Password-reset link for "+u.Email+", valid for 24 hours:", "ok", c.BaseURL()+path)
}

// createInvite makes an invite link from the form and shows it once.
func (h *handler) createInvite(c *fiber.Ctx) error {
	role, expiry := strings.Clone(c.FormValue("role")), strings.Clone(c.FormValue("expiry"))
	path, fe, err := h.makeInvite(c.UserContext(), currentUser(c), role, expiry)
	if err != nil {
		return err
	}
	if fe.Any() {
		v, err := h.usersView(c.UserContext(), currentUser(c), inviteForm(clip(role, 20), clip(expiry, 20), fe))
		if err != nil {
			return err
		}
		return render(c, fiber.StatusUnprocessableEntity, views.UsersPage(h.page(c, "Users", "users"), v))
	}
	return h.renderUsers(c, fiber.StatusOK, "Invite link for a new "+role+":", "ok", c.BaseURL()+path)
}

// renderUsers shows the Users page with a notice (and a fresh link).
func (h *handler) renderUsers(c *fiber.Ctx, status int, notice, kind, link string) error {
	v, err := h.usersView(c.UserContext(), currentUser(c), inviteForm(storage.RolePlayer, defaultInviteExpiry, nil))
	if err != nil {
		return err
	}
	v.Notice, v.NoticeKind, v.Link = notice, kind, link
	return render(c, status, views.UsersPage(h.page(c, "Users", "users"), v))
}
