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
	// For the /learn OAuth page: how the flow started, secrets elided.
	StartPath    string
	AuthorizeURL string
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
	pending.StartPath, pending.AuthorizeURL = c.Request().URL.Path, social.ElideURL(target)
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
	ctx, trace := social.WithTrace(ctx)
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
	flow := signInFlow{pending: pending, trace: trace, callback: c.Request().URL.String()}
	if pending.LinkUser != 0 {
		return h.finishLink(c, p, flow, ext)
	}
	return h.finishSignIn(c, p, flow, ext)
}

// signInFlow is a provider round trip coming to its end, with what the
// /learn OAuth page will show of it.
type signInFlow struct {
	pending  *oauthPending
	trace    *social.Trace
	callback string // the callback request's URL, secrets not yet elided
}

// saveTrace keeps the flow's requests, secrets elided, as the member's
// last sign-in through a provider. It is for teaching only: a failure is
// logged and the sign-in stands.
func (h *Handlers) saveTrace(c echo.Context, userID int64, p social.Provider, f signInFlow, location, outcome string) {
	label, callback := p.Label(), h.BaseURL+social.ElideURL(f.callback)
	steps := []models.TraceStep{
		{From: "browser", To: "board", Line: "POST " + f.pending.StartPath,
			Note: "You pressed the button. The board made a random state, a PKCE code verifier and a nonce, and kept them in your server session."},
		{From: "board", To: "browser", Line: "303 See Other", Fields: []string{"Location: " + f.pending.AuthorizeURL},
			Note: "The front channel: the board sends your browser to " + label + " with its client id, where to come back (redirect_uri), the scopes, the state, the nonce and the PKCE challenge (a hash of the verifier). Nothing secret travels through your browser."},
		{From: "browser", To: label, Line: "GET " + f.pending.AuthorizeURL,
			Note: "You signed in at " + label + " and agreed to share your profile. The board sees none of this."},
		{From: label, To: "browser", Line: "302 Found", Fields: []string{"Location: " + callback},
			Note: label + " sends your browser back to the board's fixed redirect URI with a one-time authorization code and the same state."},
		{From: "browser", To: "board", Line: "GET " + callback,
			Note: "The board checks the state against the one in your session, so nobody else's sign-in can be slipped into your browser, and takes the verifier out, once."},
	}
	steps = append(steps, f.trace.Steps()...)
	steps = append(steps, models.TraceStep{From: "board", To: "browser", Line: "303 See Other", Fields: []string{"Location: " + location}, Note: outcome})
	if err := h.SignInTraces.Save(c.Request().Context(), userID, models.SignInTrace{Provider: label, At: h.Now(), Steps: steps}); err != nil {
		h.Logger.Warn("saving sign-in trace", "id", c.Get(ctxRequestID), "err", err)
	}
}

func (h *Handlers) finishSignIn(c echo.Context, p social.Provider, flow signInFlow, ext models.ExternalIdentity) error {
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
	next := orDefault(flow.pending.Next, "/posts")
	h.saveTrace(c, u.ID, p, flow, next, "Signed in: the board found your account by "+p.Label()+"'s id for you (never by email alone) and started a new session under a new cookie.")
	return seeOther(c, next)
}

func (h *Handlers) finishLink(c echo.Context, p social.Provider, flow signInFlow, ext models.ExternalIdentity) error {
	u := viewer(c)
	// The flow must come back to the same member who started it.
	if u == nil || u.ID != flow.pending.LinkUser {
		return errOAuthState
	}
	if flow.pending.Reauth {
		return h.finishReauth(c, p, flow, ext)
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
	h.saveTrace(c, u.ID, p, flow, "/account", "Connected: "+p.Label()+"'s id for you is now linked to your account, and your session got a new cookie.")
	h.flash(c, p.Label()+" is now connected: you can sign in with it.")
	return seeOther(c, "/account")
}

// finishReauth accepts the provider's answer only if it names the identity
// already connected to this member.
func (h *Handlers) finishReauth(c echo.Context, p social.Provider, flow signInFlow, ext models.ExternalIdentity) error {
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
	h.saveTrace(c, viewer(c).ID, p, flow, "/account", "Confirmed: "+p.Label()+" vouched for a fresh sign-in, so sensitive changes are open for 5 minutes.")
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
