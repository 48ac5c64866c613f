package web

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/internal/sandbox"
	"github.com/simcrm/simcrm/storage"
)

const (
	sessionCookie = "simcrm_session"
	csrfCookie    = "simcrm_csrf"
	sessionTTL    = 30 * 24 * time.Hour
	localUser     = "user"
	localBearer   = "bearer"
	localCSRF     = "csrf"
	localMetrics  = "metrics" // the request carries METRICS_TOKEN
)

// currentUser is the signed-in user, or nil.
func currentUser(c *fiber.Ctx) *storage.User {
	u, _ := c.Locals(localUser).(*storage.User)
	return u
}

// authenticate finds the user from an API bearer token or the session cookie
// (on /metrics, METRICS_TOKEN counts too).
func (h *handler) authenticate(c *fiber.Ctx) error {
	switch p := c.Path(); {
	case strings.HasPrefix(p, "/static/"), p == "/healthz", p == "/readyz", p == "/fragments/health":
		// Probes and the health strip need no user, and must answer while the
		// database (where sessions live) does not.
		return c.Next()
	}
	ctx := c.UserContext()
	authz := c.Get(fiber.HeaderAuthorization)
	if c.Path() == "/metrics" && bearerIs(authz, h.cfg.MetricsToken) {
		c.Locals(localMetrics, true)
		return c.Next()
	}
	if strings.HasPrefix(authz, "Bearer ") && !strings.HasPrefix(c.Path(), "/sandbox/hubspot/") {
		u, err := h.store.APITokenUser(ctx, auth.HashToken(strings.TrimSpace(authz[len("Bearer "):])))
		if errors.Is(err, storage.ErrNotFound) {
			return failJSON(c, fiber.StatusUnauthorized, "invalid API token", nil)
		}
		if err != nil {
			return err
		}
		c.Locals(localUser, &u)
		c.Locals(localBearer, true)
		return c.Next()
	}
	if sid := c.Cookies(sessionCookie); sid != "" {
		u, err := h.store.SessionUser(ctx, auth.HashToken(sid))
		switch {
		case err == nil:
			c.Locals(localUser, &u)
		case errors.Is(err, storage.ErrNotFound):
			c.ClearCookie(sessionCookie)
		default:
			return err
		}
	}
	return c.Next()
}

// checkUTF8 refuses query and form text that is not UTF-8 with a 400 before any
// handler reads it: no browser sends such bytes, and MySQL refuses to store them.
// JSON bodies need no check (decoding replaces bad bytes); the sandbox's HubSpot
// API answers for itself.
func (h *handler) checkUTF8(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), sandbox.MountPath+"/") {
		return c.Next()
	}
	bad := ""
	check := func(k, v []byte) {
		if bad == "" && (!utf8.Valid(k) || !utf8.Valid(v)) {
			bad = strconv.Quote(clip(strings.ToValidUTF8(string(k), "\uFFFD"), 40))
		}
	}
	c.Request().URI().QueryArgs().VisitAll(check)
	switch ct := c.Get(fiber.HeaderContentType); {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Request().PostArgs().VisitAll(check)
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if form, err := c.MultipartForm(); err == nil {
			for k, vs := range form.Value {
				for _, v := range vs {
					check([]byte(k), []byte(v))
				}
			}
		}
	}
	if bad != "" {
		return h.fail(c, fiber.StatusBadRequest, "The field "+bad+" holds bytes that are not UTF-8 text.")
	}
	return c.Next()
}

// csrfToken returns the form token of this browser, setting its cookie first if the
// browser has none yet.
func csrfToken(c *fiber.Ctx, secret []byte) string {
	if t, ok := c.Locals(localCSRF).(string); ok {
		return t
	}
	v := c.Cookies(csrfCookie)
	if v == "" {
		v = auth.NewToken()
		c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: v, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
			Secure: isHTTPS(c), Expires: time.Now().Add(365 * 24 * time.Hour)})
	}
	t := auth.CSRFToken(secret, v)
	c.Locals(localCSRF, t)
	return t
}

// checkCSRF refuses state-changing requests that do not carry this browser's token
// (form field _csrf or header X-CSRF-Token). API calls with a bearer token carry no
// cookies and need none; the sandbox API has its own bearer auth.
func (h *handler) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if c.Locals(localBearer) == true || strings.HasPrefix(c.Path(), "/sandbox/hubspot/") {
		return c.Next()
	}
	submitted := c.Get("X-CSRF-Token")
	if submitted == "" {
		submitted = c.FormValue("_csrf")
	}
	if !auth.CheckCSRF(h.cfg.SessionSecret, c.Cookies(csrfCookie), submitted) {
		return h.fail(c, fiber.StatusForbidden, "This form has expired or did not come from SimCRM. Reload the page and try again.")
	}
	return c.Next()
}

// requireUser sends signed-out browsers to the log-in page (401 for the API).
func (h *handler) requireUser(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Next()
	}
	if isAPI(c) {
		return failJSON(c, fiber.StatusUnauthorized, "sign in or send Authorization: Bearer <api token>", nil)
	}
	if isHTMX(c) {
		c.Set("HX-Redirect", "/login")
		return c.SendStatus(fiber.StatusUnauthorized)
	}
	// A new installation has no account yet: its first visitor signs up (and
	// becomes the boss) rather than meeting a log-in form, unless only invites
	// (and the command line) make accounts.
	if n, err := h.store.UserCount(c.UserContext()); err == nil && n == 0 && h.cfg.Signup != config.SignupInvite {
		return c.Redirect("/signup", fiber.StatusSeeOther)
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// requireBoss answers 403 to anyone but a boss.
func (h *handler) requireBoss(c *fiber.Ctx) error {
	u := currentUser(c)
	if u != nil && u.IsBoss() {
		return c.Next()
	}
	if isAPI(c) {
		return failJSON(c, fiber.StatusForbidden, "this needs the boss role", fiber.Map{"requiredRole": storage.RoleBoss})
	}
	return h.fail(c, fiber.StatusForbidden, "Only a boss can open this page.")
}
