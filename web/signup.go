package web

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/simcrm/simcrm/internal/auth"
	"github.com/simcrm/simcrm/internal/config"
	"github.com/simcrm/simcrm/storage"
	"github.com/simcrm/simcrm/views"
)

const (
	minPasswordLen = 10
	maxPasswordLen = 256
	maxEmailLen    = 254
)

// showSignup renders the sign-up form, or says that sign-up is closed.
func (h *handler) showSignup(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	closed, err := h.signupClosed(c.UserContext())
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, views.SignupPage(h.page(c, "Sign up", "signup"), views.AuthForm{Closed: closed}))
}

// signupClosed reports whether the sign-up form is closed (SIGNUP): always with
// invite, once the first account exists with first-only, never with open.
func (h *handler) signupClosed(ctx context.Context) (bool, error) {
	switch h.cfg.Signup {
	case config.SignupOpen:
		return false, nil
	case config.SignupInvite:
		return true, nil
	}
	n, err := h.store.UserCount(ctx)
	return n > 0, err
}

// submitSignup creates an account and signs it in: the first account (a boss)
// with first-only, any player account with open.
func (h *handler) submitSignup(c *fiber.Ctx) error {
	closed, err := h.signupClosed(c.UserContext())
	if err != nil {
		return err
	}
	if closed {
		return render(c, fiber.StatusForbidden, views.SignupPage(h.page(c, "Sign up", "signup"), views.AuthForm{Closed: true}))
	}
	form := views.AuthForm{Email: normaliseEmail(c.FormValue("email")), Errors: views.FormErrors{}}
	password, confirm := c.FormValue("password"), c.FormValue("confirm")
	if msg := checkEmail(form.Email); msg != "" {
		form.Errors["email"] = msg
	}
	if msg := checkNewPassword(password); msg != "" {
		form.Errors["password"] = msg
	} else if confirm != password {
		form.Errors["confirm"] = "The two passwords differ."
	}
	if len(form.Email) > maxEmailLen {
		form.Email = "" // never echo a huge value back
	}
	if form.Errors.Any() {
		return render(c, fiber.StatusUnprocessableEntity, views.SignupPage(h.page(c, "Sign up", "signup"), form))
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	var u storage.User
	if h.cfg.Signup == config.SignupOpen {
		u, err = h.store.CreateUser(c.UserContext(), form.Email, hash, storage.RolePlayer)
	} else {
		u, err = h.store.CreateFirstUser(c.UserContext(), form.Email, hash)
	}
	if errors.Is(err, storage.ErrSignupClosed) {
		return render(c, fiber.StatusForbidden, views.SignupPage(h.page(c, "Sign up", "signup"), views.AuthForm{Closed: true}))
	}
	if errors.Is(err, storage.ErrDuplicate) {
		form.Errors["email"] = "An account with this email already exists. Log in instead."
		return render(c, fiber.StatusConflict, views.SignupPage(h.page(c, "Sign up", "signup"), form))
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, u.ID); err != nil {
		return err
	}
	h.log.Info("account created", "user", u.ID, "role", u.Role)
	if err := h.audit(c.UserContext(), nil, storage.AuditSignupFirst, u.Email, "signed up as "+u.Role); err != nil {
		return err
	}
	return c.Redirect("/", fiber.StatusSeeOther)
}

// normaliseEmail trims and lower-cases an email (copied: Fiber reuses its buffers).
func normaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(strings.Clone(s))) }

// checkEmail returns the message for a bad email, or "".
func checkEmail(email string) string {
	switch {
	case email == "":
		return "Enter your email address."
	case len(email) > maxEmailLen:
		return "That email address is too long (254 characters at most)."
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "That does not look like an email address."
	}
	return ""
}

// checkNewPassword returns the message for an unacceptable password, or "".
func checkNewPassword(p string) string {
	n := utf8.RuneCountInString(p)
	switch {
	case p == "":
		return "Choose a password."
	case n < minPasswordLen:
		return "Use at least 10 characters."
	case len(p) > maxPasswordLen:
		return "Use at most 256 characters."
	}
	return ""
}
