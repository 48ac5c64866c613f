// Package web is SimCRM's HTTP side: one route table (routes.go), middleware, and
// one small file per page action. Handlers parse, call storage or jobs, build a
// view model and render it through one helper.
package web

import (
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/hibiken/asynq"

	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/internal/secret"
	"github.com/simcrm/simcrm/jobs"
	"github.com/simcrm/simcrm/storage"
)

// Deps is what the web side needs from the process.
type Deps struct {
	Config config.Config
	Store  *storage.Store
	Redis  *storage.Redis
	Queue  *asynq.Client // nil when Redis is off
	// Lifecycle creates and drives simulations; Progress reads their live state.
	Lifecycle *jobs.Lifecycle
	Progress  *jobs.Progress
	// Notifier sends the notifications page's test deliveries; nil sends none.
	Notifier *jobs.Notifier
	Log      *slog.Logger
	// Sandbox is the built-in HubSpot sandbox, served at sandbox.MountPath; nil
	// serves none.
	Sandbox *sandbox.Server
	// Metrics is the Prometheus exporter (also served on METRICS_ADDR by main);
	// nil builds one.
	Metrics *Metrics
}

// handler carries the dependencies every page action uses.
type handler struct {
	cfg       config.Config
	store     *storage.Store
	redis     *storage.Redis
	queue     *asynq.Client
	lifecycle *jobs.Lifecycle
	progress  *jobs.Progress
	notify    *jobs.Notifier
	log       *slog.Logger

	sandbox *sandbox.Server
	box     *secret.Box // seals HubSpot tokens under TOKEN_ENC_SECRET; nil without a key

	metrics *Metrics
	proxies []netip.Prefix // TRUSTED_PROXIES
}

// New builds the Fiber app with every route.
func New(d Deps) *fiber.App {
	h := &handler{cfg: d.Config, store: d.Store, redis: d.Redis, queue: d.Queue, lifecycle: d.Lifecycle, progress: d.Progress,
		notify: d.Notifier, log: d.Log, sandbox: d.Sandbox, metrics: d.Metrics}
	if h.metrics == nil {
		h.metrics = NewMetrics(d.Store, d.Redis, d.Log)
	}
	if box, err := secret.NewBox(d.Config.TokenEncSecret); err == nil {
		h.box = box
	}
	for _, p := range d.Config.TrustedProxies {
		h.proxies = append(h.proxies, netip.MustParsePrefix(p)) // checked by config
	}
	app := fiber.New(fiber.Config{
		AppName:               "SimCRM",
		DisableStartupMessage: true,
		ErrorHandler:          h.handleError,
		BodyLimit:             2 << 20,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		// X-Forwarded-Proto (and so secure cookies and HSTS) is believed only from
		// TRUSTED_PROXIES; clientIP reads X-Forwarded-For under the same rule.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          d.Config.TrustedProxies,
	})
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		h.log.Error("panic in handler", "path", c.Path(), "panic", e)
	}}))
	app.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy:     "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
		CrossOriginEmbedderPolicy: "unsafe-none",
		// Sent only on https (helmet checks c.Protocol()); subdomains may serve other apps.
		HSTSMaxAge:            365 * 24 * 3600,
		HSTSExcludeSubdomains: true,
	}))
	app.Use(h.metrics.observe)
	app.Use(h.checkUTF8)
	app.Use(withReaderClock)
	app.Use(h.authenticate)
	app.Use(h.checkCSRF)
	routes(app, h)
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

// handleError renders any error that reaches Fiber: a JSON body under /api, the
// app's error page elsewhere. Unknown errors are logged and shown as 500, or as
// 503 "database unreachable" when the database does not answer.
func (h *handler) handleError(c *fiber.Ctx, err error) error {
	status := fiber.StatusInternalServerError
	msg := "Something went wrong on our side. It has been logged."
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status = fe.Code
		msg = fe.Message
		switch status {
		case fiber.StatusNotFound:
			msg = "There is nothing at this address."
		case fiber.StatusRequestEntityTooLarge:
			msg = "The request body is too large."
		}
	}
	if status == fiber.StatusInternalServerError && h.store.Ping(c.UserContext()) != nil {
		// Not a fault of the request or of the code: the database is away.
		status, msg = fiber.StatusServiceUnavailable, "The database is unreachable. SimCRM carries on by itself when it answers again; try again in a moment."
		h.log.Warn("request failed: database unreachable", "method", c.Method(), "path", c.Path(), "err", err)
		return h.fail(c, status, msg)
	}
	if status >= 500 {
		h.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	return h.fail(c, status, msg)
}
