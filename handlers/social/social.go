// Package social holds the board's outbound OAuth 2.0 clients for "Sign in
// with Google / Facebook": where to send the browser, and how to turn the
// code that comes back into the provider's word on who signed in.
package social

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"board/models"
)

// Provider is one "Sign in with …" provider, seen from the board as an
// OAuth 2.0 client.
type Provider interface {
	Name() string       // route segment and identities.provider, e.g. "google"
	Label() string      // shown on buttons, e.g. "Google"
	AuthOrigin() string // origin of the authorize page, allowed in CSP form-action
	// AuthCodeURL is where the browser goes to sign in, carrying state, the
	// PKCE S256 challenge for verifier, and (for OpenID Connect) nonce.
	// fresh asks the provider to make the person sign in again, not reuse
	// a sign-in it remembers (for re-authentication).
	AuthCodeURL(ctx context.Context, state, verifier, nonce string, fresh bool) (string, error)
	// Identify exchanges the code (with the client secret and the PKCE
	// verifier) and returns who the provider says signed in. A non-zero
	// signedInAfter demands proof that the person signed in at the provider
	// after that moment (re-authentication), where the provider can give it.
	Identify(ctx context.Context, code, verifier, nonce string, signedInAfter time.Time) (models.ExternalIdentity, error)
}

var (
	// ErrNonceMismatch means the ID token was not minted for this browser's request.
	ErrNonceMismatch = errors.New("ID token nonce does not match the sign-in request")
	// ErrStaleSignIn means a re-authentication came back without a fresh sign-in.
	ErrStaleSignIn = errors.New("the provider did not confirm a fresh sign-in")
)

// Google signs people in through OpenID Connect: discovery from the issuer,
// and an ID token whose signature, iss, aud, exp and nonce go-oidc verifies.
type Google struct {
	config oauth2.Config // without the endpoint, which discovery supplies
	issuer string
	client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider // discovered on first use, so a provider outage does not stop the board starting
}

// NewGoogle configures Google (or any OIDC issuer, such as the stand-in).
func NewGoogle(clientID, clientSecret, issuer, redirectURL string, client *http.Client) *Google {
	return &Google{
		config: oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL,
			Scopes: []string{oidc.ScopeOpenID, "email", "profile"}},
		issuer: issuer,
		client: traced(client, "Google"),
	}
}

func (g *Google) Name() string  { return "google" }
func (g *Google) Label() string { return "Google" }
func (g *Google) AuthOrigin() string {
	return origin(g.issuer)
}

// discover returns the issuer's metadata and the client config with its
// endpoint. The lock is not held during the network call, so a slow issuer
// does not queue every sign-in behind one request.
func (g *Google) discover(ctx context.Context) (*oidc.Provider, oauth2.Config, error) {
	g.mu.Lock()
	p := g.provider
	g.mu.Unlock()
	if p == nil {
		var err error
		if p, err = oidc.NewProvider(oidc.ClientContext(ctx, g.client), g.issuer); err != nil {
			return nil, oauth2.Config{}, fmt.Errorf("google discovery: %w", err)
		}
		g.mu.Lock()
		g.provider = p
		g.mu.Unlock()
	}
	config := g.config
	config.Endpoint = p.Endpoint()
	return p, config, nil
}

func (g *Google) AuthCodeURL(ctx context.Context, state, verifier, nonce string, fresh bool) (string, error) {
	_, config, err := g.discover(ctx)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}
	if fresh {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
	}
	return config.AuthCodeURL(state, opts...), nil
}

func (g *Google) Identify(ctx context.Context, code, verifier, nonce string, signedInAfter time.Time) (models.ExternalIdentity, error) {
	p, config, err := g.discover(ctx)
	if err != nil {
		return models.ExternalIdentity{}, err
	}
	ctx = oidc.ClientContext(ctx, g.client)
	tok, err := config.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return models.ExternalIdentity{}, fmt.Errorf("google token exchange: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return models.ExternalIdentity{}, errors.New("google token response has no id_token")
	}
	idToken, err := p.Verifier(&oidc.Config{ClientID: g.config.ClientID}).Verify(ctx, raw)
	if err != nil {
		return models.ExternalIdentity{}, fmt.Errorf("google id token: %w", err)
	}
	if !hmac.Equal([]byte(idToken.Nonce), []byte(nonce)) {
		return models.ExternalIdentity{}, ErrNonceMismatch
	}
	if idToken.Subject == "" {
		return models.ExternalIdentity{}, errors.New("google id token has no subject")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
		AuthTime      int64  `json:"auth_time"`
	}
	if err := idToken.Claims(&claims); err != nil {
		return models.ExternalIdentity{}, fmt.Errorf("google id token claims: %w", err)
	}
	// max_age=0 asked for a new sign-in; auth_time says whether it happened.
	if !signedInAfter.IsZero() && claims.AuthTime < signedInAfter.Unix() {
		return models.ExternalIdentity{}, ErrStaleSignIn
	}
	return models.ExternalIdentity{Provider: g.Name(), Subject: idToken.Subject, Email: claims.Email, EmailVerified: claims.EmailVerified, Name: claims.Name}, nil
}

// Facebook signs people in with OAuth 2.0 and the Graph API's "me". Facebook
// never vouches for an email address the way OIDC's email_verified does.
type Facebook struct {
	config   oauth2.Config
	graphURL string
	client   *http.Client
}

// NewFacebook configures Facebook with its (versioned) endpoint URLs.
func NewFacebook(clientID, clientSecret, authURL, tokenURL, graphURL, redirectURL string, client *http.Client) *Facebook {
	return &Facebook{
		config: oauth2.Config{ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL,
			Scopes:   []string{"email", "public_profile"},
			Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}},
		graphURL: graphURL,
		client:   traced(client, "Facebook"),
	}
}

func (f *Facebook) Name() string       { return "facebook" }
func (f *Facebook) Label() string      { return "Facebook" }
func (f *Facebook) AuthOrigin() string { return origin(f.config.Endpoint.AuthURL) }

func (f *Facebook) AuthCodeURL(_ context.Context, state, verifier, _ string, fresh bool) (string, error) {
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if fresh {
		opts = append(opts, oauth2.SetAuthURLParam("auth_type", "reauthenticate"))
	}
	return f.config.AuthCodeURL(state, opts...), nil
}

// Facebook's token carries no sign-in time, so for re-authentication the
// board can only ask (auth_type=reauthenticate), not verify.
func (f *Facebook) Identify(ctx context.Context, code, verifier, _ string, _ time.Time) (models.ExternalIdentity, error) {
	tok, err := f.config.Exchange(context.WithValue(ctx, oauth2.HTTPClient, f.client), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return models.ExternalIdentity{}, fmt.Errorf("facebook token exchange: %w", err)
	}
	// appsecret_proof binds the call to our app secret, as Facebook advises.
	mac := hmac.New(sha256.New, []byte(f.config.ClientSecret))
	mac.Write([]byte(tok.AccessToken))
	q := url.Values{"fields": {"id,name,email"}, "appsecret_proof": {hex.EncodeToString(mac.Sum(nil))}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.graphURL+"/me?"+q.Encode(), nil)
	if err != nil {
		return models.ExternalIdentity{}, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err := f.client.Do(req)
	if err != nil {
		return models.ExternalIdentity{}, fmt.Errorf("facebook me: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return models.ExternalIdentity{}, fmt.Errorf("facebook me: status %d", res.StatusCode)
	}
	var me struct{ ID, Name, Email string }
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&me); err != nil {
		return models.ExternalIdentity{}, fmt.Errorf("facebook me: %w", err)
	}
	if me.ID == "" {
		return models.ExternalIdentity{}, errors.New("facebook me: no id")
	}
	return models.ExternalIdentity{Provider: f.Name(), Subject: me.ID, Email: me.Email, Name: me.Name}, nil
}

// origin is scheme://host of a URL, or "" if it has none.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
