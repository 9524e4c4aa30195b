package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/auth"
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
	form := views.LoginForm{
		Email:     strings.TrimSpace(c.FormValue("email")),
		Next:      safeNext(c.FormValue("next")),
		Remember:  c.FormValue("remember") != "",
		Providers: h.providers(),
	}
	u, err := h.Auth.SignIn(c.Request().Context(), form.Email, c.FormValue("password"), h.devices(c), actor(c))
	if errors.Is(err, auth.ErrBadCredentials) {
		form.Error = genericSignInError
		return render(c, http.StatusUnauthorized, views.Login(h.page(c, "Sign in"), form))
	}
	if err != nil {
		return err
	}
	if err := h.signIn(c, u, form.Remember, "with password"); err != nil {
		return err
	}
	notice, err := h.Notices.Open(c.Request().Context(), u.ID)
	if err == nil {
		h.flash(c, signInNoticeText(notice)+" See your account page.")
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return seeOther(c, orDefault(form.Next, "/posts"))
}

// signInNoticeText is what a member is told about strangers' failed sign-ins.
func signInNoticeText(n *models.SignInNotice) string {
	return plural(n.Failures, "failed sign-in attempt", "failed sign-in attempts") + " on your account from browsers that had not signed in to it before, since " +
		n.Since.UTC().Format("2 Jan 2006 15:04 UTC") + " (the latest from " + n.LatestIP + ")."
}

// signIn starts a session for u, recorded and audited with how they signed
// in, marks this browser as one of u's devices, and mails u if the device
// or network is new to the account.
func (h *Handlers) signIn(c echo.Context, u *models.User, remember bool, how string) error {
	ua := c.Request().UserAgent()
	notice, err := h.Auth.SignInNotice(u, ua, c.RealIP())
	if err != nil {
		return err
	}
	if err := h.sessions.signIn(c.Request().Context(), u, remember, how, models.Actor{UserID: u.ID, ClientIP: c.RealIP()},
		ua, notice); err != nil {
		return err
	}
	c.Set(ctxUser, u)
	return h.rememberDevice(c, u.ID)
}

// renewSession gives the session a new token on a privilege change.
func (h *Handlers) renewSession(c echo.Context, u *models.User) error {
	return h.sessions.renew(c.Request().Context(), u.ID, actor(c), c.Request().UserAgent())
}

func (h *Handlers) logout(c echo.Context) error {
	u := viewer(c)
	if err := h.Audit.Record(c.Request().Context(), models.AuditEvent{ActorID: u.ID, ClientIP: c.RealIP(), Kind: models.AuditSignOut,
		TargetType: "user", TargetID: u.ID}); err != nil {
		return err
	}
	// The old cookie is dead everywhere; the flash then lives in a new
	// anonymous session.
	if err := h.sessions.signOut(c.Request().Context()); err != nil {
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
	u, errs, err := h.Auth.Register(c.Request().Context(), form.Email, form.DisplayName, c.FormValue("password"), actor(c))
	if errors.Is(err, auth.ErrEmailTaken) {
		errs, err = models.FieldErrors{"email": "An account with this email already exists. Sign in instead."}, nil
	}
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		form.Errors = errs
		return render(c, http.StatusUnprocessableEntity, views.Register(h.page(c, "Register"), form))
	}
	if err := h.signIn(c, u, false, "after registering"); err != nil {
		return err
	}
	h.flash(c, "Welcome, "+u.DisplayName+". Your account is ready. We sent a link to "+u.Email+": open it to confirm your address.")
	return seeOther(c, "/posts")
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
