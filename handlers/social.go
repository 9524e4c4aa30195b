package handlers

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"board/models"
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

func pendingKey(provider string) string { return "oauth:" + provider }

var (
	errOAuthState = &pageError{http.StatusBadRequest, "Sign-in refused (state check)", "This sign-in could not be completed",
		"The answer from the provider does not match a sign-in started in this browser: it is missing, already used, expired, or was started for a different provider. Nothing changed. Start again from the sign-in page."}
	errUnknownProvider = &pageError{http.StatusNotFound, "Not found", "No such sign-in provider",
		"This board does not offer sign-in with that provider."}
)

func (h *Handlers) provider(c echo.Context) (SocialProvider, error) {
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
	b, err := json.Marshal(pending)
	if err != nil {
		return err
	}
	h.Sessions.Put(c.Request().Context(), pendingKey(p.Name()), string(b))
	return seeOther(c, target)
}

// takePending removes and returns this provider's pending flow if state
// matches it and it has not expired.
func (h *Handlers) takePending(ctx context.Context, provider, state string) (*oauthPending, bool) {
	now := h.Now()
	raw := h.Sessions.PopString(ctx, pendingKey(provider))
	var p oauthPending
	if raw == "" || json.Unmarshal([]byte(raw), &p) != nil || state == "" ||
		subtle.ConstantTimeCompare([]byte(state), []byte(p.State)) != 1 || now.After(p.Expires) {
		return nil, false
	}
	return &p, true
}

func (h *Handlers) providerFailed(c echo.Context, p SocialProvider, err error) error {
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
	pending, ok := h.takePending(ctx, p.Name(), c.QueryParam("state"))
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
	id, err := p.Identify(ctx, code, pending.Verifier, pending.Nonce, signedInAfter)
	if errors.Is(err, errNonceMismatch) {
		return errOAuthState
	}
	if errors.Is(err, errStaleSignIn) {
		return &pageError{http.StatusForbidden, "Authorization denied", "Not confirmed: " + p.Label() + " did not ask you to sign in again",
			p.Label() + " answered with a sign-in it remembered, not a new one, so nothing is unlocked. Try again and sign in at " + p.Label() + " when asked."}
	}
	if err != nil {
		return h.providerFailed(c, p, err)
	}
	if pending.LinkUser != 0 {
		return h.finishLink(c, p, pending, id)
	}
	return h.finishSignIn(c, p, pending, id)
}

func (h *Handlers) finishSignIn(c echo.Context, p SocialProvider, pending *oauthPending, id *SocialIdentity) error {
	u, err := h.userForIdentity(c, p, id)
	if err != nil {
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

// userForIdentity finds or creates the account for a provider identity,
// refusing the cases where other boards were taken over.
func (h *Handlers) userForIdentity(c echo.Context, p SocialProvider, id *SocialIdentity) (*models.User, error) {
	ctx := c.Request().Context()
	existing, err := h.Identities.Find(ctx, p.Name(), id.Subject)
	if err == nil {
		return h.Users.ByID(ctx, existing.UserID)
	}
	if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if id.Email == "" || models.ValidateEmail(id.Email) != "" {
		return nil, &pageError{http.StatusUnprocessableEntity, "Sign-in incomplete", p.Label() + " did not share an email address",
			"The board needs an email address to create your account. Allow " + p.Label() + " to share it, or register with a password."}
	}
	account, err := h.Users.ByEmail(ctx, id.Email)
	switch {
	case errors.Is(err, models.ErrNotFound):
		name := strings.TrimSpace(models.Truncate(id.Name, models.MaxDisplayName))
		if models.ValidateDisplayName(name) != "" {
			name = strings.SplitN(id.Email, "@", 2)[0]
		}
		return h.Identities.CreateUser(ctx, models.NewUser{Email: id.Email, EmailVerified: id.EmailVerified, DisplayName: name},
			p.Name(), id.Subject, c.RealIP())
	case err != nil:
		return nil, err
	case account.IsSuspended():
		return nil, models.CanSignIn(account, p.Label()).Err() // refused before anything is linked
	case models.MayLinkByEmail(id.EmailVerified, account):
		err := h.Identities.Link(ctx, &models.Identity{UserID: account.ID, Provider: p.Name(), Subject: id.Subject, Email: id.Email},
			models.Actor{UserID: account.ID, ClientIP: c.RealIP()})
		return account, err
	}
	return nil, &pageError{http.StatusConflict, "Not signed in: account exists", "An account with this email already exists",
		"Someone (perhaps you) already registered " + id.Email + " on this board, and the board cannot be sure that account and this " + p.Label() +
			" sign-in belong to the same person, so it did not sign you in or connect them. If the account is yours, sign in the way you set it up (its password, or the provider you first used), then connect " +
			p.Label() + " from your account page."}
}

func (h *Handlers) finishLink(c echo.Context, p SocialProvider, pending *oauthPending, id *SocialIdentity) error {
	u := viewer(c)
	// The flow must come back to the same member who started it.
	if u == nil || u.ID != pending.LinkUser {
		return errOAuthState
	}
	if pending.Reauth {
		return h.finishReauth(c, p, id)
	}
	err := h.Identities.Link(c.Request().Context(), &models.Identity{UserID: u.ID, Provider: p.Name(), Subject: id.Subject, Email: id.Email}, actor(c))
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
func (h *Handlers) finishReauth(c echo.Context, p SocialProvider, id *SocialIdentity) error {
	ctx := c.Request().Context()
	existing, err := h.Identities.Find(ctx, p.Name(), id.Subject)
	if errors.Is(err, models.ErrNotFound) || (err == nil && existing.UserID != viewer(c).ID) {
		return &pageError{http.StatusForbidden, "Authorization denied", "That is not your connected " + p.Label() + " account",
			"The " + p.Label() + " account you confirmed with is not the one connected to your board account, so nothing is unlocked."}
	}
	if err != nil {
		return err
	}
	h.Sessions.Put(ctx, sessionReauthKey, h.Now().Add(reauthWindow).Unix())
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
