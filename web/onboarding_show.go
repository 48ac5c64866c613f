package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/views"
)

// showOnboarding renders the "Getting started" walkthrough (signed in or not).
func (h *handler) showOnboarding(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, views.OnboardingPage(h.page(c, "Getting started", "onboarding"), currentUser(c) != nil))
}
