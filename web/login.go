package web

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

// Failed log-ins allowed per account and per address in the window.
const (
	loginFailureLimit  = 10
	loginFailureWindow = 15 * time.Minute
)

// showLogin renders the log-in form.
func (h *handler) showLogin(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return render(c, fiber.StatusOK, views.LoginPage(h.page(c, "Log in", "login"), views.AuthForm{}))
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
	ip := c.IP()
	byEmail, byIP, err := h.store.LoginFailures(ctx, form.Email, ip, time.Now().Add(-loginFailureWindow))
	if err != nil {
		return err
	}
	if byEmail >= loginFailureLimit || byIP >= loginFailureLimit {
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(loginFailureWindow.Seconds())))
		form.Errors[""] = "Too many failed log-ins. Wait 15 minutes and try again."
		return render(c, fiber.StatusTooManyRequests, views.LoginPage(h.page(c, "Log in", "login"), form))
	}
	u, err := h.store.UserByEmail(ctx, form.Email)
	if err == nil && len(password) <= maxPasswordLen {
		err = auth.CheckPassword(u.PasswordHash, password)
	} else if err == nil {
		err = auth.ErrMismatch
	}
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, auth.ErrMismatch) {
		if err := h.store.RecordLoginFailure(ctx, form.Email, ip); err != nil {
			return err
		}
		form.Errors[""] = "Wrong email or password."
		return render(c, fiber.StatusUnauthorized, views.LoginPage(h.page(c, "Log in", "login"), form))
	}
	if err != nil {
		return err
	}
	if err := h.store.ClearLoginFailures(ctx, form.Email); err != nil {
		return err
	}
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// startSession stores a new session and sets its cookie.
func (h *handler) startSession(c *fiber.Ctx, userID int64) error {
	token := auth.NewToken()
	at := time.Now()
	if err := h.store.CreateSession(c.UserContext(), storage.Session{
		ID: auth.HashToken(token), UserID: userID, CreatedAt: at, ExpiresAt: at.Add(sessionTTL),
	}); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https", Expires: at.Add(sessionTTL)})
	return nil
}
