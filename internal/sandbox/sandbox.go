// Package sandbox is SimCRM's built-in HubSpot-compatible API: CRM v3 objects (single,
// batch, search), v4 associations, owners, pipelines and properties, served from
// SimCRM's own database so that records survive restarts and can be browsed.
//
// It behaves like HubSpot where HubSpot's OpenAPI specs and the shared HubSpot notes
// say so: bearer auth, unique contact email, upserts, property validation, the
// rolling ten-second and daily rate limits with HubSpot's headers and 429 bodies.
// Faults (5xx, latency, timeouts, forced 401/403) can be injected for tests and
// demos. The app mounts it at MountPath; `simcrm sandbox` serves it alone.
//
// Known limits, by design:
//   - Search filters on unique properties (email, simcrm_record_key, custom
//     hasUniqueValue ones), on simcrm_simulation_id and on hs_object_id /
//     createdate / lastmodifieddate use indexes; filters and sorts on other
//     properties read the JSON of every record of the type the indexed filters
//     leave, so they stay exact but cost a scan on types with millions of records.
//     As in HubSpot, one query pages through at most 10,000 results and sorts by one
//     property.
//   - Rate limits and faults live in the process: each replica that mounts the
//     sandbox counts its own calls (the in-app sandbox of one process is the case
//     the limits model).
//   - No property history (propertiesWithHistory returns the current value), no
//     USER_DEFINED association labels, no merges or GDPR deletes.
//   - Mounted in the app, the app's request body limit (2 MB) applies.
package sandbox

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/simcrm/simcrm/storage/sandboxstore"
)

// MountPath is where the app serves the sandbox; a client's base URL is the app's
// address followed by it (http://host:8080/sandbox/hubspot).
const MountPath = "/sandbox/hubspot"

// Limits are the sandbox's rate limits per token. Zero turns a limit off.
type Limits struct {
	Burst           int // calls per rolling 10 s (HubSpot's TEN_SECONDLY_ROLLING)
	Daily           int // calls per day, reset at midnight UTC (DAILY)
	SearchPerSecond int // search calls per second (SECONDLY); search is exempt from Burst
}

// DefaultLimits are HubSpot's Free/Starter limits.
func DefaultLimits() Limits { return Limits{Burst: 100, Daily: 250_000, SearchPerSecond: 5} }

// Validate reports a negative limit.
func (l Limits) Validate() error {
	if l.Burst < 0 || l.Daily < 0 || l.SearchPerSecond < 0 {
		return fmt.Errorf("sandbox: limits must be 0 (off) or positive, got burst %d, daily %d, search %d/s", l.Burst, l.Daily, l.SearchPerSecond)
	}
	return nil
}

// Faults are failures the sandbox injects, for tests and demos. The zero value
// injects nothing.
type Faults struct {
	ErrorRate    float64       // share of calls (0–1) answered 500, 502, 503 or 504
	Latency      time.Duration // added before every answer
	TimeoutRate  float64       // share of calls (0–1) that hang, then answer 504
	TimeoutAfter time.Duration // how long a hanging call hangs (0: DefaultTimeoutAfter)
	Force401     bool          // answer every call 401 INVALID_AUTHENTICATION
	Force403     bool          // answer every authenticated call 403 MISSING_SCOPES
}

// DefaultTimeoutAfter is how long a call picked by TimeoutRate hangs: longer than
// any client waits.
const DefaultTimeoutAfter = 2 * time.Minute

// Validate reports rates outside 0–1 and negative durations.
func (f Faults) Validate() error {
	switch {
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return fmt.Errorf("sandbox: error rate must be between 0 and 1, got %v", f.ErrorRate)
	case f.TimeoutRate < 0 || f.TimeoutRate > 1:
		return fmt.Errorf("sandbox: timeout rate must be between 0 and 1, got %v", f.TimeoutRate)
	case f.Latency < 0 || f.TimeoutAfter < 0:
		return errors.New("sandbox: latency and timeout durations must not be negative")
	}
	return nil
}

// Options configure a Server.
type Options struct {
	Token  string // the bearer token clients must send (required)
	Limits Limits
	Faults Faults
	Log    *slog.Logger
	Now    func() time.Time // clock of the rate limits (tests)
}

// Server is one sandbox: its API app, limits and faults. It is safe for concurrent use.
type Server struct {
	store  *sandboxstore.Store
	token  []byte
	log    *slog.Logger
	app    *fiber.App
	now    func() time.Time
	faults atomic.Pointer[Faults]
	limits *limiter
	props  propertyCache
}

// New builds a sandbox on a migrated store. It panics on an empty token or invalid
// limits or faults, which are programming errors (flags and settings validate first).
func New(store *sandboxstore.Store, opts Options) *Server {
	if opts.Token == "" {
		panic("sandbox: empty token")
	}
	if err := opts.Limits.Validate(); err != nil {
		panic(err)
	}
	if err := opts.Faults.Validate(); err != nil {
		panic(err)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		store:  store,
		token:  []byte(opts.Token),
		log:    opts.Log,
		now:    opts.Now,
		limits: newLimiter(opts.Limits),
		props:  propertyCache{store: store, ttl: 5 * time.Second, now: opts.Now},
	}
	f := opts.Faults
	s.faults.Store(&f)
	s.app = fiber.New(fiber.Config{
		AppName:               "SimCRM sandbox",
		DisableStartupMessage: true,
		ErrorHandler:          s.handleError,
		BodyLimit:             16 << 20,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          DefaultTimeoutAfter + 30*time.Second,
		IdleTimeout:           120 * time.Second,
	})
	s.routes(s.app)
	return s
}

// Handler returns the sandbox's Fiber app, with its routes at /crm/…: serve it
// alone, or mount it in another app with app.Mount(MountPath, s.Handler()).
func (s *Server) Handler() *fiber.App { return s.app }

// Token returns the bearer token clients must send.
func (s *Server) Token() string { return string(s.token) }

// SetFaults replaces the injected faults.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.faults.Store(&f)
	return nil
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults { return *s.faults.Load() }

// SetLimits replaces the rate limits; calls already counted stay counted.
func (s *Server) SetLimits(l Limits) error {
	if err := l.Validate(); err != nil {
		return err
	}
	s.limits.setLimits(l)
	return nil
}

// Limits returns the rate limits.
func (s *Server) Limits() Limits { return s.limits.get() }

// Usage is a token's use of its rate limits.
type Usage struct {
	Limits
	WindowUsed int // calls in the last 10 s
	DailyUsed  int // calls today (UTC)
}

// Usage returns how much of its limits the sandbox's token has used.
func (s *Server) Usage() Usage { return s.limits.usage(string(s.token), s.now()) }

// Counts returns how many live records each object type holds.
func (s *Server) Counts(ctx context.Context) (map[string]int, error) {
	return s.store.Counts(ctx)
}

// Reset deletes every record, association and custom property, and forgets the
// rate-limit counts. SimCRM's own properties stay defined.
func (s *Server) Reset(ctx context.Context) error {
	if err := s.store.Reset(ctx); err != nil {
		return err
	}
	s.props.invalidate()
	s.limits.reset()
	return nil
}

// Locals keys.
const (
	localCorrelation = "sandbox.correlation"
	localToken       = "sandbox.token"
)

// authenticate checks the bearer token: a missing or wrong one is HubSpot's 401
// with its X-HubSpot-Auth-Failure header.
func (s *Server) authenticate(c *fiber.Ctx) error {
	f := s.faults.Load()
	authz := c.Get(fiber.HeaderAuthorization)
	token, ok := strings.CutPrefix(authz, "Bearer ")
	switch {
	case f.Force401:
		return unauthorized(c, "The OAuth token used to make this call expired or is not valid (fault injected by the sandbox).")
	case authz == "" || !ok:
		return unauthorized(c, "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
	case subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), s.token) != 1:
		return unauthorized(c, "The access token used to make this call is not valid. Check that it is the sandbox's token.")
	}
	c.Locals(localToken, string(s.token))
	if f.Force403 {
		return forbidden(c, requiredScopes(c))
	}
	return c.Next()
}

func unauthorized(c *fiber.Ctx, msg string) error {
	c.Set("X-HubSpot-Auth-Failure", "401 Unauthorized")
	return writeError(c, newError(fiber.StatusUnauthorized, catAuthentication, "%s", msg))
}

func forbidden(c *fiber.Ctx, required []string) error {
	e := newError(fiber.StatusForbidden, catMissingScopes,
		"This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.")
	e.Details = []errorDetail{{Message: "One or more of the following scopes are required.", Context: map[string][]string{"requiredScopes": required}}}
	e.Links = map[string]string{"scopes": "https://developers.hubspot.com/scopes"}
	return writeError(c, e)
}

// requiredScopes names the scopes a request's path needs (for 403 bodies).
func requiredScopes(c *fiber.Ctx) []string {
	path := strings.TrimPrefix(c.Path(), MountPath)
	write := c.Method() != fiber.MethodGet
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 4 && parts[0] == "crm" && parts[2] == "objects":
		if strings.HasSuffix(path, "/search") || strings.HasSuffix(path, "/batch/read") {
			write = false
		}
		if t, ok := parseType(parts[3]); ok {
			return scopes(t, write)
		}
	case len(parts) >= 4 && parts[0] == "crm" && parts[2] == "associations":
		if t, ok := parseType(parts[3]); ok {
			return scopes(t, write)
		}
	case len(parts) >= 3 && parts[2] == "owners":
		return []string{"crm.objects.owners.read"}
	case len(parts) >= 4 && (parts[2] == "pipelines" || parts[2] == "properties"):
		if t, ok := parseType(parts[3]); ok {
			if parts[2] == "properties" {
				rw := ".read"
				if write {
					rw = ".write"
				}
				return []string{"crm.schemas." + string(t) + rw}
			}
			return scopes(t, false)
		}
	}
	return []string{"crm.objects.contacts.read"}
}

// isSearch reports the search endpoints, which HubSpot exempts from the ten-secondly
// window (they have their own per-second limit and send no rate-limit headers).
func isSearch(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodPost && strings.HasSuffix(c.Path(), "/search")
}

// recoverer turns a panic into a HubSpot 500 body.
func (s *Server) recoverer() fiber.Handler {
	return recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic in sandbox handler", "path", c.Path(), "panic", e)
	}})
}

// propertyCache holds custom property definitions per type, read again from the
// database after ttl so that definitions made by another process show up.
type propertyCache struct {
	store *sandboxstore.Store
	ttl   time.Duration
	now   func() time.Time

	mu       sync.Mutex
	loadedAt time.Time
	byType   map[string]map[string]*propertyDef
}

func (pc *propertyCache) invalidate() {
	pc.mu.Lock()
	pc.byType = nil
	pc.mu.Unlock()
}
