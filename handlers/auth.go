package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/views"
)

const genericSignInError = "That email and password do not match an account. Check both and try again."

func (h *Handlers) landing(c echo.Context) error {
	return render(c, http.StatusOK, views.Landing(h.page(c, "Welcome")))
}

func (h *Handlers) loginForm(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if viewer(c) != nil {
		return seeOther(c, orDefault(next, "/posts"))
	}
	notice, _ := c.Get(ctxSignedOut).(string)
	return render(c, http.StatusOK, views.Login(h.page(c, "Sign in"), views.LoginForm{Next: next, Notice: notice, Providers: h.providers()}))
}

func (h *Handlers) login(c echo.Context) error {
	ctx := c.Request().Context()
	form := views.LoginForm{
		Email:     strings.TrimSpace(c.FormValue("email")),
		Next:      safeNext(c.FormValue("next")),
		Remember:  c.FormValue("remember") != "",
		Providers: h.providers(),
	}
	password := c.FormValue("password")

	// Limits are checked (and the attempt counted) before the password, for
	// known and unknown emails alike, so throttling reveals nothing.
	keys := throttleKeys(c, form.Email)
	attempt, wait, err := h.Throttle.Begin(ctx, keys...)
	if err != nil {
		return err
	}
	if wait > 0 {
		return tooManyAttempts(c, wait, "failed sign-ins")
	}

	u, err := h.Users.ByEmail(ctx, form.Email)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	// Unknown email and wrong password cost the same argon2id work and get
	// the same page, so neither reveals whether an account exists.
	var hash string
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := h.checkPassword(ctx, password, hash)
	if err != nil {
		return err
	}
	if !ok || u == nil {
		var target int64
		if u != nil {
			target = u.ID
		}
		// Only a well-formed address is kept: people type passwords into the email field.
		detail := "not an email address"
		if models.ValidateEmail(form.Email) == "" {
			detail = form.Email
		}
		if err := h.audit(c, models.AuditEvent{Kind: models.AuditSignInFailed, TargetType: "user", TargetID: target, Detail: detail}); err != nil {
			return err
		}
		form.Error = genericSignInError
		return render(c, http.StatusUnauthorized, views.Login(h.page(c, "Sign in"), form))
	}
	if err := models.CanSignIn(u, "").Err(); err != nil {
		// The attempt stays counted: it bounds how often anyone can confirm
		// a suspended account's password.
		if aerr := h.audit(c, models.AuditEvent{Kind: models.AuditSignInFailed, TargetType: "user", TargetID: u.ID, Detail: "account suspended"}); aerr != nil {
			return aerr
		}
		return err
	}
	if err := h.Throttle.Succeeded(ctx, attempt, keys[0].Key); err != nil {
		return err
	}
	if err := h.signIn(c, u, form.Remember, "with password"); err != nil {
		return err
	}
	return seeOther(c, orDefault(form.Next, "/posts"))
}

// signIn starts a session for u under a fresh token (no session fixation)
// with a fresh CSRF token, and records it.
func (h *Handlers) signIn(c echo.Context, u *models.User, remember bool, how string) error {
	ctx := c.Request().Context()
	// Nothing of whoever used this browser before carries over.
	if err := h.Sessions.Clear(ctx); err != nil {
		return err
	}
	if err := h.renewSession(c, u); err != nil {
		return err
	}
	h.Sessions.Put(ctx, sessionUserKey, u.ID)
	h.Sessions.RememberMe(ctx, remember)
	c.Set(ctxUser, u)
	return h.audit(c, models.AuditEvent{ActorID: u.ID, Kind: models.AuditSignIn, TargetType: "user", TargetID: u.ID, Detail: how})
}

func (h *Handlers) logout(c echo.Context) error {
	u := viewer(c)
	if err := h.audit(c, models.AuditEvent{ActorID: u.ID, Kind: models.AuditSignOut, TargetType: "user", TargetID: u.ID}); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.SessionIndex.Forget(ctx, h.Sessions.Token(ctx)); err != nil {
		return err
	}
	// Destroy deletes the session row, so the old cookie is dead everywhere;
	// the flash then lives in a new anonymous session.
	if err := h.Sessions.Destroy(ctx); err != nil {
		return err
	}
	c.Set(ctxUser, nil)
	h.flash(c, "You are signed out.")
	return seeOther(c, "/")
}

func (h *Handlers) registerForm(c echo.Context) error {
	if viewer(c) != nil {
		return seeOther(c, "/posts")
	}
	return render(c, http.StatusOK, views.Register(h.page(c, "Register"), views.RegisterForm{Providers: h.providers()}))
}

func (h *Handlers) register(c echo.Context) error {
	if viewer(c) != nil {
		return seeOther(c, "/posts")
	}
	form := views.RegisterForm{
		Email:       strings.TrimSpace(c.FormValue("email")),
		DisplayName: strings.TrimSpace(c.FormValue("display_name")),
		Providers:   h.providers(),
	}
	password := c.FormValue("password")
	form.Errors = models.ValidateRegistration(form.Email, form.DisplayName, password)
	if len(form.Errors) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.Register(h.page(c, "Register"), form))
	}
	// Every registration attempt counts against the address: it bounds both
	// argon2id work and probing which emails have accounts.
	ctx := c.Request().Context()
	if _, wait, err := h.Throttle.Begin(ctx, registerKey(c)); err != nil {
		return err
	} else if wait > 0 {
		return tooManyAttempts(c, wait, "registrations")
	}
	emailTaken := models.FieldErrors{"email": "An account with this email already exists. Sign in instead."}
	if _, err := h.Users.ByEmail(ctx, form.Email); err == nil {
		form.Errors = emailTaken
		return render(c, http.StatusUnprocessableEntity, views.Register(h.page(c, "Register"), form))
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	hash, err := h.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	u, err := h.Users.Create(ctx, models.NewUser{Email: form.Email, DisplayName: form.DisplayName, PasswordHash: hash})
	if errors.Is(err, models.ErrConflict) {
		form.Errors = emailTaken
		return render(c, http.StatusUnprocessableEntity, views.Register(h.page(c, "Register"), form))
	}
	if err != nil {
		return err
	}
	if err := h.audit(c, models.AuditEvent{ActorID: u.ID, Kind: models.AuditRegister, TargetType: "user", TargetID: u.ID}); err != nil {
		return err
	}
	if err := h.signIn(c, u, false, "after registering"); err != nil {
		return err
	}
	h.flash(c, "Welcome, "+u.DisplayName+". Your account is ready.")
	return seeOther(c, "/posts")
}

// audit records an event with the request's client address.
func (h *Handlers) audit(c echo.Context, e models.AuditEvent) error {
	e.ClientIP = c.RealIP()
	return h.Audit.Record(c.Request().Context(), e)
}

// actor is the signed-in user and address, for store methods that audit.
func actor(c echo.Context) models.Actor {
	return models.Actor{UserID: viewer(c).ID, ClientIP: c.RealIP()}
}

// safeNext keeps a post-sign-in destination only if it is a path on this
// site: "/x" yes; "//evil", "/\evil", "https://evil", "javascript:" no.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\x00\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	return next
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
