package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/static"
	"github.com/simcrm/simcrm/storage"
)

// routes is SimCRM's one route table.
func routes(app *fiber.App, h *handler) {
	// Probes and assets.
	app.Get("/healthz", h.showHealthz)
	app.Get("/readyz", h.showReadyz)
	app.Get("/metrics", h.requireMetricsReader, h.metrics.fiberHandler()) // METRICS_TOKEN or a boss
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	app.Get("/favicon.ico", h.showFavicon)
	app.Get("/fragments/health", h.showHealthStrip)

	// Accounts.
	app.Get("/signup", h.showSignup)
	app.Post("/signup", h.submitSignup)
	app.Get("/login", h.showLogin)
	app.Post("/login", h.submitLogin)
	app.Post("/logout", h.submitLogout)
	// A boss's single-use links: an invite makes an account, a reset sets a password.
	app.Get("/invite/:token", h.showAccountLink(storage.LinkInvite))
	app.Post("/invite/:token", h.submitAccountLink(storage.LinkInvite))
	app.Get("/reset/:token", h.showAccountLink(storage.LinkReset))
	app.Post("/reset/:token", h.submitAccountLink(storage.LinkReset))

	// Signed-in pages.
	app.Get("/", h.requireUser, h.showDashboard)
	app.Get("/fragments/simulations", h.requireUser, h.showSimulationList)
	app.Get("/onboarding", h.showOnboarding) // open to everyone

	// Simulations: pages, form posts, and the fragments htmx swaps in.
	app.Get("/simulations/new", h.requireUser, h.showNewSimulation)
	app.Post("/simulations", h.requireUser, h.createSimulation)
	app.Get("/simulations/:id", h.requireUser, h.showSimulation)
	app.Post("/simulations/:id/start", h.requireUser, h.controlSimulation("start"))
	app.Post("/simulations/:id/pause", h.requireUser, h.controlSimulation("pause"))
	app.Post("/simulations/:id/resume", h.requireUser, h.controlSimulation("resume"))
	app.Post("/simulations/:id/abort", h.requireUser, h.controlSimulation("abort"))
	// After the run: the report and the download of every created object.
	app.Get("/simulations/:id/report", h.requireUser, h.showReport)
	app.Get("/simulations/:id/export.:format", h.requireUser, h.exportReport)
	app.Post("/simulations/:id/delete", h.requireUser, h.deleteSimulation)
	app.Post("/simulations/:id/cleanup", h.requireUser, h.startCleanup)
	app.Get("/fragments/simulations/:id/cleanup", h.requireUser, h.showCleanupPanel)
	app.Get("/simulations/:id/clone", h.requireUser, h.showCloneSimulation)
	// Notifications: a user's webhooks and e-mail addresses, with delivery logs.
	app.Get("/notifications", h.requireUser, h.showNotifications)
	app.Post("/notifications", h.requireUser, h.createChannel)
	app.Get("/notifications/:id", h.requireUser, h.showChannel)
	app.Post("/notifications/:id/test", h.requireUser, h.testChannel)
	app.Post("/notifications/:id/delete", h.requireUser, h.deleteChannel)
	// Saved profiles: named form settings to start new simulations from.
	app.Post("/profiles", h.requireUser, h.saveProfile)
	app.Post("/profiles/:id/delete", h.requireUser, h.deleteProfile)
	app.Post("/fragments/simulations/preview", h.requireUser, h.previewSimulation)
	app.Get("/fragments/simulations/window", h.requireUser, h.showSimulationWindow)
	app.Get("/fragments/simulations/:id/metrics", h.requireUser, h.showSimulationMetrics)
	app.Get("/fragments/simulations/:id/segments", h.requireUser, h.showSimulationSegments)
	// The simulation page's DLQ and thinning panels are for bosses only.
	app.Get("/fragments/simulations/:id/dlq", h.requireUser, h.requireBoss, h.showDLQPanel)
	app.Get("/fragments/simulations/:id/thinning", h.requireUser, h.requireBoss, h.showThinningPanel)

	// The built-in HubSpot sandbox: HubSpot's API paths below /sandbox/hubspot, with
	// its own bearer token, rate limits and error bodies (internal/sandbox).
	if h.sandbox != nil {
		app.Mount(sandbox.MountPath, h.sandbox.Handler())
	}

	// HubSpot connections: a player's own (a boss sees everyone's). Tokens go in,
	// sealed, and never come back out.
	app.Get("/connections", h.requireUser, h.listConnections)
	app.Post("/connections", h.requireUser, h.createConnection)
	app.Get("/connections/:id", h.requireUser, h.showConnection)
	app.Post("/connections/:id/validate", h.requireUser, h.validateConnection)
	app.Post("/connections/:id/settings", h.requireUser, h.updateConnectionSettings)
	app.Post("/connections/:id/delete", h.requireUser, h.deleteConnection)

	// Sandbox browser (a player sees their own simulations' records); reset and
	// settings (address, token, limits, faults) for the boss.
	app.Get("/sandbox", h.requireUser, h.needSandbox, h.showSandbox)
	app.Get("/sandbox/records/:type/:id", h.requireUser, h.needSandbox, h.showSandboxRecord)
	app.Post("/sandbox/reset", h.requireUser, h.requireBoss, h.needSandbox, h.resetSandbox)
	app.Get("/sandbox/settings", h.requireUser, h.requireBoss, h.needSandbox, h.showSandboxSettings)
	app.Post("/sandbox/settings/limits", h.requireUser, h.requireBoss, h.needSandbox, h.updateSandboxLimits)
	app.Post("/sandbox/settings/faults", h.requireUser, h.requireBoss, h.needSandbox, h.updateSandboxFaults)

	// Boss pages.
	boss := app.Group("/boss", h.requireUser, h.requireBoss)
	boss.Get("/", h.showBossHome)
	// DLQ triage: filter, page, dry run, replay, resolve or discard, audit log.
	boss.Get("/dlq", h.showDLQ)
	boss.Get("/dlq/audit", h.showDLQAudit)
	boss.Get("/dlq/:id", h.showDLQEntry)
	boss.Post("/dlq/replay", h.submitDLQReplay)
	boss.Post("/dlq/close", h.submitDLQClose)
	// Users: accounts, roles, disable/enable, invite and reset links, audit.
	boss.Get("/users", h.showUsers)
	boss.Post("/users/invites", h.createInvite)
	boss.Post("/users/:id/role", h.updateUser("role"))
	boss.Post("/users/:id/disable", h.updateUser("disable"))
	boss.Post("/users/:id/enable", h.updateUser("enable"))
	boss.Post("/users/:id/reset", h.createResetLink)
	// Scenario editor: parameters, versions with who/when and a diff, roll back.
	boss.Get("/scenarios", h.showScenarios)
	boss.Get("/scenarios/:name", h.showScenario)
	boss.Post("/scenarios/:name", h.updateScenario)
	boss.Post("/scenarios/:name/rollback", h.rollbackScenario)

	// JSON API (session cookie + CSRF header, or Authorization: Bearer <api token>).
	api := app.Group("/api", h.requireUser)
	api.Get("/me", h.showMe)
	api.Get("/simulations", h.listSimulationsAPI)
	api.Post("/simulations", h.createSimulationAPI)
	api.Get("/simulations/:id", h.showSimulationAPI)
	api.Get("/simulations/:id/metrics", h.showSimulationMetricsAPI)
	api.Get("/simulations/:id/segments", h.showSimulationSegmentsAPI)
	api.Post("/simulations/:id/start", h.controlSimulation("start"))
	api.Post("/simulations/:id/pause", h.controlSimulation("pause"))
	api.Post("/simulations/:id/resume", h.controlSimulation("resume"))
	api.Post("/simulations/:id/abort", h.controlSimulation("abort"))
	api.Get("/simulations/:id/report", h.showReportAPI)
	api.Get("/simulations/:id/export.:format", h.exportReport)
	api.Delete("/simulations/:id", h.deleteSimulation)
	api.Get("/simulations/:id/cleanup", h.showCleanupAPI)
	api.Post("/simulations/:id/cleanup", h.startCleanup)
	api.Post("/simulations/:id/rerun", h.rerunSimulationAPI)
	api.Get("/profiles", h.listProfilesAPI)
	api.Post("/profiles", h.saveProfileAPI)
	api.Delete("/profiles/:id", h.deleteProfile)
	api.Get("/notifications", h.listChannelsAPI)
	api.Post("/notifications", h.createChannelAPI)
	api.Get("/notifications/:id/deliveries", h.listDeliveriesAPI)
	api.Post("/notifications/:id/test", h.testChannel)
	api.Delete("/notifications/:id", h.deleteChannel)
	api.Get("/connections", h.listConnectionsAPI)
	api.Post("/connections", h.createConnectionAPI)
	api.Get("/connections/:id", h.showConnectionAPI)
	api.Post("/connections/:id/validate", h.validateConnectionAPI)
	api.Post("/connections/:id/settings", h.updateConnectionSettingsAPI)
	api.Delete("/connections/:id", h.deleteConnectionAPI)
	// The boss group's middleware guards every /api route registered after it: player routes go above.
	apiBoss := api.Group("", h.requireBoss)
	apiBoss.Get("/users", h.listUsers)
	apiBoss.Post("/users/invites", h.createInviteAPI)
	apiBoss.Post("/users/:id/role", h.updateUserAPI("role"))
	apiBoss.Post("/users/:id/disable", h.updateUserAPI("disable"))
	apiBoss.Post("/users/:id/enable", h.updateUserAPI("enable"))
	apiBoss.Post("/users/:id/reset", h.createResetLinkAPI)
	apiBoss.Get("/sandbox", h.needSandbox, h.showSandboxAPI)
	apiBoss.Put("/sandbox/limits", h.needSandbox, h.updateSandboxLimitsAPI)
	apiBoss.Put("/sandbox/faults", h.needSandbox, h.updateSandboxFaultsAPI)
	apiBoss.Post("/sandbox/reset", h.needSandbox, h.resetSandboxAPI)
	apiBoss.Get("/dlq/summary", h.showDLQSummaryAPI)
	apiBoss.Get("/dlq/audit", h.listDLQAuditAPI)
	apiBoss.Get("/dlq/:id", h.showDLQEntryAPI)
	apiBoss.Post("/dlq/replay", h.replayDLQAPI)
	apiBoss.Post("/dlq/close", h.closeDLQAPI)
	apiBoss.Get("/simulations/:id/dlq", h.listSimulationDLQAPI)
	apiBoss.Post("/simulations/:id/dlq/replay", h.replaySimulationDLQAPI)
	apiBoss.Get("/simulations/:id/thinning-events", h.listThinningEventsAPI)
	apiBoss.Get("/scenarios", h.listScenariosAPI)
	apiBoss.Get("/scenarios/:name", h.showScenarioAPI)
	apiBoss.Put("/scenarios/:name", h.updateScenarioAPI)
	apiBoss.Post("/scenarios/:name/rollback", h.rollbackScenario)
}
