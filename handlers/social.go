package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"board/handlers/social"
	"board/models"
	"board/models/auth"
	"board/views"
)

// oauthTTL bounds how long a started sign-in may take to come back.
const oauthTTL = 10 * time.Minute

// oauthPending is what the start of a flow keeps in the server session, per
// provider, for its callback: used once, then gone.
type oauthPending struct {
	State    string
	Verifier string
	Nonce    string
	Next     string
	LinkUser int64 // set when a signed-in member is linking this provider
	Reauth   bool  // with LinkUser: confirming identity, not linking
	Expires  time.Time
}

var (
	errOAuthState = &pageError{http.StatusBadRequest, "Sign-in refused (state check)", "This sign-in could not be completed",
		"The answer from the provider does not match a sign-in started in this browser: it is missing, already used, expired, or was started for a different provider. Nothing changed. Start again from the sign-in page."}
	errUnknownProvider = &pageError{http.StatusNotFound, "Not found", "No such sign-in provider",
		"This board does not offer sign-in with that provider."}
)

func (h *Handlers) provider(c echo.Context) (social.Provider, error) {
	for _, p := range h.Social {
		if p.Name() == c.Param("provider") {
			return p, nil
		}
	}
	return nil, errUnknownProvider
}

// providers lists the configured social sign-in buttons.
func (h *Handlers) providers() []views.Provider {
	var out []views.Provider
	for _, p := range h.Social {
		out = append(out, views.Provider{Name: p.Name(), Label: p.Label()})
	}
	return out
}

// formActionExtra lets sign-in forms be redirected to the providers'
// authorize pages: CSP form-action also governs redirects after a submit.
func (h *Handlers) formActionExtra() string {
	var b strings.Builder
	for _, p := range h.Social {
		if o := p.AuthOrigin(); o != "" {
			b.WriteString(" " + o)
		}
	}
	return b.String()
}

// startSignIn (POST /auth/:provider) begins "Sign in with …".
func (h *Handlers) startSignIn(c echo.Context) error {
	return h.startOAuth(c, oauthPending{})
}

// startReauth (POST /account/reauth/:provider) asks a connected provider to
// confirm it is really the member, before a sensitive change.
func (h *Handlers) startReauth(c echo.Context) error {
	return h.startOAuth(c, oauthPending{LinkUser: viewer(c).ID, Reauth: true})
}

// startLink (POST /account/identities/:provider/link) begins linking a
// provider to the signed-in account: the same round trip, bound to the user.
// Adding a way to sign in needs the password (or a fresh provider sign-in):
// otherwise a stolen session could plant the thief's own identity.
func (h *Handlers) startLink(c echo.Context) error {
	if err := h.requireConfirmation(c); err != nil {
		return err
	}
	return h.startOAuth(c, oauthPending{LinkUser: viewer(c).ID})
}

func (h *Handlers) startOAuth(c echo.Context, pending oauthPending) error {
	p, err := h.provider(c)
	if err != nil {
		return err
	}
	pending.State = randomToken(32)
	pending.Verifier = oauth2.GenerateVerifier()
	pending.Nonce = randomToken(32)
	pending.Next = safeNext(c.FormValue("next"))
	pending.Expires = h.Now().Add(oauthTTL)
	target, err := p.AuthCodeURL(c.Request().Context(), pending.State, pending.Verifier, pending.Nonce, pending.Reauth)
	if err != nil {
		return h.providerFailed(c, p, err)
	}
	if err := h.sessions.putPending(c.Request().Context(), p.Name(), pending, c.RealIP()); err != nil {
		return err
	}
	return seeOther(c, target)
}

func (h *Handlers) providerFailed(c echo.Context, p social.Provider, err error) error {
	h.Logger.Warn("social sign-in provider failure", "id", c.Get(ctxRequestID), "provider", p.Name(), "err", err)
	return &pageError{http.StatusBadGateway, "Provider error", p.Label() + " did not complete the sign-in",
		p.Label() + " could not be reached or answered with an error, so you are not signed in and nothing changed. Try again in a moment, or sign in with your password."}
}

// callback (GET /auth/:provider/callback) finishes a sign-in or link.
func (h *Handlers) callback(c echo.Context) error {
	p, err := h.provider(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	pending, ok := h.sessions.takePending(ctx, p.Name(), c.QueryParam("state"))
	if !ok {
		return errOAuthState
	}
	if e := c.QueryParam("error"); e != "" {
		if e == "access_denied" {
			return &pageError{http.StatusUnauthorized, "Sign-in cancelled", "You declined at " + p.Label(),
				"You chose not to share your " + p.Label() + " account with the board, so you are not signed in and nothing changed. You can sign in with your password instead, or try again."}
		}
		return h.providerFailed(c, p, errors.New("authorize error: "+e))
	}
	code := c.QueryParam("code")
	if code == "" {
		return errOAuthState
	}
	var signedInAfter time.Time
	if pending.Reauth {
		// Allow for clocks differing by up to a minute.
		signedInAfter = pending.Expires.Add(-oauthTTL - time.Minute)
	}
	ext, err := p.Identify(ctx, code, pending.Verifier, pending.Nonce, signedInAfter)
	if errors.Is(err, social.ErrNonceMismatch) {
		return errOAuthState
	}
	if errors.Is(err, social.ErrStaleSignIn) {
		return &pageError{http.StatusForbidden, "Authorization denied", "Not confirmed: " + p.Label() + " did not ask you to sign in again",
			p.Label() + " answered with a sign-in it remembered, not a new one, so nothing is unlocked. Try again and sign in at " + p.Label() + " when asked."}
	}
	if err != nil {
		return h.providerFailed(c, p, err)
	}
	if pending.LinkUser != 0 {
		return h.finishLink(c, p, pending, ext)
	}
	return h.finishSignIn(c, p, pending, ext)
}

func (h *Handlers) finishSignIn(c echo.Context, p social.Provider, pending *oauthPending, ext models.ExternalIdentity) error {
	u, err := h.Auth.ResolveIdentity(c.Request().Context(), ext, p.Label(), actor(c))
	switch {
	case errors.Is(err, auth.ErrNoEmail):
		return &pageError{http.StatusUnprocessableEntity, "Sign-in incomplete", p.Label() + " did not share an email address",
			"The board needs an email address to create your account. Allow " + p.Label() + " to share it, or register with a password."}
	case errors.Is(err, auth.ErrAccountExists):
		return &pageError{http.StatusConflict, "Not signed in: account exists", "An account with this email already exists",
			"Someone (perhaps you) already registered " + ext.Email + " on this board, and the board cannot be sure that account and this " + p.Label() +
				" sign-in belong to the same person, so it did not sign you in or connect them. If the account is yours, sign in the way you set it up (its password, or the provider you first used), then connect " +
				p.Label() + " from your account page."}
	case err != nil:
		return err
	}
	if err := models.CanSignIn(u, p.Label()).Err(); err != nil {
		return err
	}
	if err := h.signIn(c, u, false, "via "+p.Name()); err != nil {
		return err
	}
	return seeOther(c, orDefault(pending.Next, "/posts"))
}

func (h *Handlers) finishLink(c echo.Context, p social.Provider, pending *oauthPending, ext models.ExternalIdentity) error {
	u := viewer(c)
	// The flow must come back to the same member who started it.
	if u == nil || u.ID != pending.LinkUser {
		return errOAuthState
	}
	if pending.Reauth {
		return h.finishReauth(c, p, ext)
	}
	err := h.Auth.Link(c.Request().Context(), u, ext, actor(c))
	if errors.Is(err, models.ErrConflict) {
		return &pageError{http.StatusConflict, "Not linked", "That " + p.Label() + " account is already connected",
			"This " + p.Label() + " account is connected to another board account, or yours already has a " + p.Label() + " connection. Nothing changed."}
	}
	if err != nil {
		return err
	}
	// A new way to sign in is a privilege change: the session gets a new token.
	if err := h.renewSession(c, u); err != nil {
		return err
	}
	h.flash(c, p.Label()+" is now connected: you can sign in with it.")
	return seeOther(c, "/account")
}

// finishReauth accepts the provider's answer only if it names the identity
// already connected to this member.
func (h *Handlers) finishReauth(c echo.Context, p social.Provider, ext models.ExternalIdentity) error {
	ctx := c.Request().Context()
	err := h.Auth.ConfirmIdentity(ctx, viewer(c), ext)
	if errors.Is(err, auth.ErrNotYourIdentity) {
		return &pageError{http.StatusForbidden, "Authorization denied", "That is not your connected " + p.Label() + " account",
			"The " + p.Label() + " account you confirmed with is not the one connected to your board account, so nothing is unlocked."}
	}
	if err != nil {
		return err
	}
	h.sessions.setReauth(ctx, h.Now().Add(reauthWindow))
	h.flash(c, "Confirmed with "+p.Label()+". For the next 5 minutes you can change your profile, set a password, connect or disconnect providers, or delete your account.")
	return seeOther(c, "/account")
}

// unlink (POST /account/identities/:provider/unlink) removes a connection,
// unless it is the account's last way to sign in.
func (h *Handlers) unlink(c echo.Context) error {
	p, err := h.provider(c)
	if err != nil {
		return err
	}
	if err := h.requireConfirmation(c); err != nil {
		return err
	}
	err = h.Identities.Unlink(c.Request().Context(), viewer(c).ID, p.Name(), actor(c))
	switch {
	case errors.Is(err, models.ErrLastSignInMethod):
		return &pageError{http.StatusConflict, "Not removed", "This is your only way to sign in",
			"Without " + p.Label() + " your account would have no password and no other connected provider, so you could never sign in again. Set a password first, then remove it."}
	case err != nil:
		return err
	}
	h.flash(c, p.Label()+" is disconnected.")
	return seeOther(c, "/account")
}
