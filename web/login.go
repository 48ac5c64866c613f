package web

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// Log-in throttling, checked and recorded in the database before a password is
// compared (storage.AdmitLogin), so it holds across replicas and without Redis:
//   - per account and address pair: 5 tries, then each next one waits twice as
//     long as the last (1 s, 2 s, 4 s …); the count starts again an hour later;
//   - per account, from anywhere: 20 tries a minute, so many addresses together
//     cannot guess fast, while the owner waits a minute at most;
//   - per client address, over every account: 100 tries in 15 minutes.
//
// An attacker's tries from one address never lock the owner out elsewhere.
const (
	loginPairFree      = 5
	loginPairBackoff   = time.Second
	loginPairWindow    = time.Hour
	loginAccountMax    = 20
	loginAccountWindow = time.Minute
	loginAddressMax    = 100
	loginAddressWindow = 15 * time.Minute
)

// loginRules are the throttle rules for a log-in of an email from an address.
func loginRules(email, ip string) []storage.LoginRule {
	return []storage.LoginRule{
		{Key: loginPairKey(email, ip), Max: loginPairFree, Window: loginPairWindow, Backoff: loginPairBackoff},
		{Key: "account:" + email, Max: loginAccountMax, Window: loginAccountWindow},
		{Key: "address:" + ip, Max: loginAddressMax, Window: loginAddressWindow},
	}
}

func loginPairKey(email, ip string) string { return "pair:" + ip + " " + email }

// unknownUserHash is compared when no account has the email, so that a log-in
// takes as long whether or not the account exists.
var unknownUserHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword(auth.NewToken())
	return h
})

// showLogin renders the log-in form.
func (h *handler) showLogin(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	closed, err := h.signupClosed(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.LoginPage(h.page(c, "Log in", "login"), views.AuthForm{Closed: closed}))
}

// submitLogin checks a password and starts a session.
func (h *handler) submitLogin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	form := views.AuthForm{Email: normaliseEmail(c.FormValue("email")), Errors: views.FormErrors{}}
	password := c.FormValue("password")
	if len(form.Email) > maxEmailLen {
		form.Email = ""
	}
	if form.Email == "" {
		form.Errors["email"] = "Enter your email address."
	}
	if password == "" {
		form.Errors["password"] = "Enter your password."
	}
	if form.Errors.Any() {
		return render(c, fiber.StatusUnprocessableEntity, views.LoginPage(h.page(c, "Log in", "login"), form))
	}
	ip := h.clientIP(c)
	wait, err := h.store.AdmitLogin(ctx, loginRules(form.Email, ip))
	if err != nil {
		return err
	}
	if wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(secs))
		form.Errors[""] = fmt.Sprintf("Too many log-in attempts. Try again in %s.", waitText(secs))
		return render(c, fiber.StatusTooManyRequests, views.LoginPage(h.page(c, "Log in", "login"), form))
	}
	h.metrics.loginChecks.Inc()
	u, err := h.store.UserByEmail(ctx, form.Email)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		_ = auth.CheckPassword(unknownUserHash(), password)
	case err != nil:
		return err
	case len(password) > maxPasswordLen:
		err = auth.ErrMismatch
	default:
		err = auth.CheckPassword(u.PasswordHash, password)
	}
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, auth.ErrMismatch) {
		form.Errors[""] = "Wrong email or password."
		return render(c, fiber.StatusUnauthorized, views.LoginPage(h.page(c, "Log in", "login"), form))
	}
	if err != nil {
		return err
	}
	if u.Disabled() {
		form.Errors[""] = "This account is disabled. Ask a boss to enable it."
		return render(c, fiber.StatusForbidden, views.LoginPage(h.page(c, "Log in", "login"), form))
	}
	if err := h.store.ForgetLogin(ctx, loginPairKey(form.Email, ip)); err != nil {
		return err
	}
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// waitText is a wait in words: "1 second", "40 seconds", "3 minutes".
func waitText(secs int) string {
	switch {
	case secs <= 1:
		return "1 second"
	case secs < 120:
		return fmt.Sprintf("%d seconds", secs)
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}

// startSession stores a new session and sets its cookie (Secure over https).
func (h *handler) startSession(c *fiber.Ctx, userID int64) error {
	token := auth.NewToken()
	at := time.Now()
	if err := h.store.CreateSession(c.UserContext(), storage.Session{
		ID: auth.HashToken(token), UserID: userID, CreatedAt: at, ExpiresAt: at.Add(sessionTTL),
	}); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: isHTTPS(c), Expires: at.Add(sessionTTL)})
	return nil
}
