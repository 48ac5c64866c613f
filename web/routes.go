package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/simcrm/simcrm/static"
)

// routes is SimCRM's one route table.
func routes(app *fiber.App, h *handler, metrics *exporter) {
	// Probes and assets.
	app.Get("/healthz", h.showHealthz)
	app.Get("/readyz", h.showReadyz)
	app.Get("/metrics", metrics.handler())
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	app.Get("/fragments/health", h.showHealthStrip)

	// Accounts.
	app.Get("/signup", h.showSignup)
	app.Post("/signup", h.submitSignup)
	app.Get("/login", h.showLogin)
	app.Post("/login", h.submitLogin)
	app.Post("/logout", h.submitLogout)

	// Signed-in pages.
	app.Get("/", h.requireUser, h.showDashboard)

	// Boss pages.
	boss := app.Group("/boss", h.requireUser, h.requireBoss)
	boss.Get("/", h.showBossHome)

	// JSON API (session cookie + CSRF header, or Authorization: Bearer <api token>).
	api := app.Group("/api", h.requireUser)
	api.Get("/me", h.showMe)
	apiBoss := api.Group("", h.requireBoss)
	apiBoss.Get("/users", h.listUsers)
}
