package web

import (
	"github.com/gofiber/fiber/v2"
)

type userJSON struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// showMe answers who the caller is.
func (h *handler) showMe(c *fiber.Ctx) error {
	u := currentUser(c)
	return c.JSON(userJSON{ID: u.ID, Email: u.Email, Role: u.Role})
}

// listUsers lists every account (boss only).
func (h *handler) listUsers(c *fiber.Ctx) error {
	users, err := h.store.Users(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, userJSON{ID: u.ID, Email: u.Email, Role: u.Role})
	}
	return c.JSON(fiber.Map{"users": out})
}
