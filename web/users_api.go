package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/storage"
)

type userJSON struct {
	ID       int64  `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

func userJSONOf(u storage.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Role: u.Role, Disabled: u.Disabled()}
}

// showMe answers who the caller is.
func (h *handler) showMe(c *fiber.Ctx) error {
	return c.JSON(userJSONOf(*currentUser(c)))
}

// listUsers lists every account (boss only).
func (h *handler) listUsers(c *fiber.Ctx) error {
	users, err := h.store.Users(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, userJSONOf(u))
	}
	return c.JSON(fiber.Map{"users": out})
}

// updateUserAPI changes an account (action: role with {"role"}, disable, enable)
// and answers it; 409 for the last boss.
func (h *handler) updateUserAPI(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in struct {
			Role string `json:"role"`
		}
		if action == "role" {
			if err := readJSON(c, &in, `a JSON object with "role": "boss" or "player"`); err != nil {
				return err
			}
		}
		u, err := h.updateAccount(c, action, in.Role)
		if err != nil {
			return err
		}
		return c.JSON(userJSONOf(u))
	}
}

// createInviteAPI makes an invite link from {"role", "expiry": "1d"|"7d"|"30d"}.
func (h *handler) createInviteAPI(c *fiber.Ctx) error {
	in := struct {
		Role   string `json:"role"`
		Expiry string `json:"expiry"`
	}{Role: storage.RolePlayer, Expiry: defaultInviteExpiry}
	if err := readOptionalJSON(c, &in, `a JSON object with "role" and "expiry" (1d, 7d or 30d)`); err != nil {
		return err
	}
	path, fe, err := h.makeInvite(c.UserContext(), currentUser(c), in.Role, in.Expiry)
	if err != nil {
		return err
	}
	if fe.Any() {
		return failFields(c, "invite", fe)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"url": c.BaseURL() + path, "role": in.Role})
}

// createResetLinkAPI makes a password-reset link for an account.
func (h *handler) createResetLinkAPI(c *fiber.Ctx) error {
	u, path, err := h.makeResetLink(c)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"url": c.BaseURL() + path, "user": userJSONOf(u),
		"expiresAt": time.Now().Add(resetLinkTTL).UTC().Format(time.RFC3339)})
}
