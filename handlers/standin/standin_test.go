package standin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const (
	gID        = "board-google"
	gSecret    = "s3cret/with+special chars:&=" // exercises RFC 6749 §2.3.1 encoding
	gRedirect  = "http://127.0.0.1:8080/auth/google/callback"
	gRedirect2 = "http://127.0.0.1:8080/auth/google/other"
	otherGID   = "other-google"
	fbID       = "board-facebook"
	fbSecret   = "fb-secret"
	fbRedirect = "http://127.0.0.1:8080/auth/facebook/callback"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t       *testing.T
	p       *Provider
	issuer  string
	clock   *clock
	browser *http.Client // like a browser without cookies, but stops at redirects
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	e := &env{t: t, issuer: "http://" + srv.Listener.Addr().String(), clock: &clock{t: time.Now()}}
	p, err := New(Config{
		Issuer: e.issuer,
		Google: []Client{
			{ID: gID, Secret: gSecret, RedirectURIs: []string{gRedirect, gRedirect2}},
			{ID: otherGID, Secret: "other-secret", RedirectURIs: []string{gRedirect}},
		},
		Facebook: []Client{{ID: fbID, Secret: fbSecret, RedirectURIs: []string{fbRedirect}}},
		Now:      e.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	e.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

func (e *env) googleConfig(style oauth2.AuthStyle) *oauth2.Config {
	return &oauth2.Config{ClientID: gID, ClientSecret: gSecret, RedirectURL: gRedirect,
		Scopes:   []string{"openid", "email", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + GoogleAuthPath, TokenURL: e.issuer + GoogleTokenPath, AuthStyle: style}}
}

func (e *env) facebookConfig() *oauth2.Config {
	return &oauth2.Config{ClientID: fbID, ClientSecret: fbSecret, RedirectURL: fbRedirect,
		Scopes:   []string{"email", "public_profile"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + FacebookAuthPath, TokenURL: e.issuer + FacebookTokenPath, AuthStyle: oauth2.AuthStyleInParams}}
}

func (e *env) do(req *http.Request) (*http.Response, string) {
	e.t.Helper()
	resp, err := e.browser.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

func (e *env) get(u string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	return e.do(req)
}

func (e *env) post(u string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

var (
	requestIDRe = regexp.MustCompile(`name="request_id" value="([^"]+)"`)
	actionRe    = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
)

func formOf(t *testing.T, page string) (action, id string) {
	t.Helper()
	a, m := actionRe.FindStringSubmatch(page), requestIDRe.FindStringSubmatch(page)
	if a == nil || m == nil {
		t.Fatalf("no form with request_id in page:\n%s", page)
	}
	return a[1], m[1]
}

// login drives the login and consent pages like a person would and returns
// where the provider finally redirects, plus the consent page.
func (e *env) login(authURL string, who url.Values, decision string) (*url.URL, string) {
	e.t.Helper()
	resp, page := e.get(authURL)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("authorize: status %d, Location %q\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	action, id := formOf(e.t, page)
	form := url.Values{"request_id": {id}}
	for k, v := range who {
		form[k] = v
	}
	resp, consent := e.post(action, form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(consent, `data-testid="consent-allow"`) {
		e.t.Fatalf("login: status %d\n%s", resp.StatusCode, consent)
	}
	action, id2 := formOf(e.t, consent)
	if id2 != id {
		e.t.Fatalf("request id changed between pages: %q vs %q", id, id2)
	}
	resp, _ = e.post(action, url.Values{"request_id": {id}, "decision": {decision}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("consent: status %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		e.t.Fatal(err)
	}
	return loc, consent
}

// code runs the browser part with PKCE and returns the authorization code.
func (e *env) code(cfg *oauth2.Config, verifier string) string {
	e.t.Helper()
	loc, _ := e.login(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), url.Values{"preset": {"alice"}}, "allow")
	c := loc.Query().Get("code")
	if c == "" {
		e.t.Fatalf("no code in %s", loc)
	}
	return c
}

func wantRetrieveError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want RetrieveError %d %s, got %v", status, code, err)
	}
	if re.Response.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("got %d %q (%s), want %d %q", re.Response.StatusCode, re.ErrorCode, re.ErrorDescription, status, code)
	}
}

func TestGoogleRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := e.googleConfig(oauth2.AuthStyleInHeader)
	verifier, state, nonce := oauth2.GenerateVerifier(), "state-123", "nonce-456"

	loc, consent := e.login(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)),
		url.Values{"email": {"Dana@Example.com"}, "name": {"Dana <Tester>"}, "email_verified": {"true"}}, "allow")
	for _, want := range []string{"not the real Google", "Dana &lt;Tester&gt;", "see your email address", "know who you are"} {
		if !strings.Contains(consent, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != gRedirect || loc.Query().Get("state") != state {
		t.Fatalf("redirected to %s", loc)
	}

	tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "Bearer" || time.Until(tok.Expiry) < 59*time.Minute || tok.Extra("scope") != "email openid profile" {
		t.Errorf("token: type %q expiry %v scope %v", tok.TokenType, tok.Expiry, tok.Extra("scope"))
	}
	rawID, _ := tok.Extra("id_token").(string)

	provider, err := oidc.NewProvider(ctx, e.issuer)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: gID}).Verify(ctx, rawID)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != nonce || idt.Issuer != e.issuer || len(idt.Audience) != 1 || idt.Audience[0] != gID {
		t.Errorf("id token: nonce %q iss %q aud %v", idt.Nonce, idt.Issuer, idt.Audience)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Email != "Dana@Example.com" || !claims.EmailVerified || claims.Name != "Dana <Tester>" {
		t.Errorf("claims: %+v", claims)
	}
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(idt.Subject) || idt.Subject != e.p.subject(google, "dana@example.com") {
		t.Errorf("subject %q is not the stable decimal one", idt.Subject)
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: otherGID}).Verify(ctx, rawID); err == nil {
		t.Error("ID token accepted for another audience")
	}

	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	if ui.Subject != idt.Subject || ui.Email != "Dana@Example.com" || !ui.EmailVerified {
		t.Errorf("userinfo: %+v", ui)
	}
}

func TestGoogleFormAuthAndUnverifiedPreset(t *testing.T) {
	e := newEnv(t)
	cfg := e.googleConfig(oauth2.AuthStyleInParams)
	verifier := oauth2.GenerateVerifier()
	loc, _ := e.login(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), url.Values{"preset": {"bob"}}, "allow")
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	e.getJSON(e.issuer+GoogleUserinfoPath, tok.AccessToken, http.StatusOK, &info)
	if info["email"] != "bob@example.com" || info["email_verified"] != false || info["name"] != "Bob Example" {
		t.Errorf("userinfo: %v", info)
	}
}

func (e *env) getJSON(u, bearer string, wantStatus int, v any) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, body := e.do(req)
	if resp.StatusCode != wantStatus {
		e.t.Fatalf("GET %s: status %d, want %d: %s", u, resp.StatusCode, wantStatus, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		e.t.Fatalf("GET %s: %v: %s", u, err, body)
	}
}

func TestFacebookRoundTrip(t *testing.T) {
	e := newEnv(t)
	cfg := e.facebookConfig()
	verifier := oauth2.GenerateVerifier()
	loc, consent := e.login(cfg.AuthCodeURL("fb-state", oauth2.S256ChallengeOption(verifier)), url.Values{"preset": {"alice"}}, "allow")
	if !strings.Contains(consent, "not the real Facebook") || !strings.Contains(consent, "see your email address") {
		t.Errorf("consent page is not Facebook-shaped:\n%s", consent)
	}
	if _, page := e.get(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))); strings.Contains(page, "email_verified") ||
		!strings.Contains(page, `data-testid="preset-alice"`) {
		t.Errorf("Facebook login page:\n%s", page)
	}
	if loc.Query().Get("state") != "fb-state" {
		t.Fatalf("redirected to %s", loc)
	}
	tok, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "bearer" || tok.Extra("id_token") != nil {
		t.Errorf("token: type %q id_token %v", tok.TokenType, tok.Extra("id_token"))
	}

	me := e.issuer + FacebookGraphPath + "/me?"
	var got map[string]string
	e.getJSON(me+url.Values{"fields": {"id,name,email"}, "access_token": {tok.AccessToken}}.Encode(), "", http.StatusOK, &got)
	alice := e.p.subject(facebook, "alice@example.com")
	if got["id"] != alice || got["name"] != "Alice Example" || got["email"] != "alice@example.com" {
		t.Errorf("me: %v", got)
	}
	if alice == e.p.subject(google, "alice@example.com") {
		t.Error("Google and Facebook subjects are equal")
	}
	got = nil
	e.getJSON(me+"fields=id", tok.AccessToken, http.StatusOK, &got) // Bearer header instead of access_token
	if len(got) != 1 || got["id"] != alice {
		t.Errorf("me?fields=id: %v", got)
	}

	// The same person typed in another case keeps the same id.
	verifier2 := oauth2.GenerateVerifier()
	loc, _ = e.login(cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier2)), url.Values{"email": {"ALICE@example.com"}}, "allow")
	tok2, err := cfg.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier2))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	e.getJSON(me+"fields=id,name", tok2.AccessToken, http.StatusOK, &got)
	if got["id"] != alice || got["name"] != "ALICE" {
		t.Errorf("typed identity: %v", got)
	}

	var fbErr struct {
		Error struct {
			Type string `json:"type"`
			Code int    `json:"code"`
		} `json:"error"`
	}
	e.getJSON(me+"access_token=nope", "", http.StatusUnauthorized, &fbErr)
	if fbErr.Error.Type != "OAuthException" || fbErr.Error.Code != 190 {
		t.Errorf("bad token error: %+v", fbErr)
	}
	e.getJSON(me+"fields=id,birthday", tok.AccessToken, http.StatusBadRequest, &fbErr)
	if fbErr.Error.Code != 100 {
		t.Errorf("unknown field error: %+v", fbErr)
	}
	var gErr map[string]string
	e.getJSON(e.issuer+GoogleUserinfoPath, tok.AccessToken, http.StatusUnauthorized, &gErr) // wrong provider
	if gErr["error"] != "invalid_token" {
		t.Errorf("Facebook token at Google userinfo: %v", gErr)
	}

	e.clock.Advance(tokenTTL + time.Second)
	e.getJSON(me+"fields=id", tok.AccessToken, http.StatusUnauthorized, &fbErr)
}

func TestTokenRefusals(t *testing.T) {
	ctx := context.Background()
	t.Run("wrong secret", func(t *testing.T) {
		e := newEnv(t)
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			cfg := e.googleConfig(style)
			v := oauth2.GenerateVerifier()
			code := e.code(cfg, v)
			bad := *cfg
			bad.ClientSecret = gSecret + "x"
			_, err := bad.Exchange(ctx, code, oauth2.VerifierOption(v))
			wantRetrieveError(t, err, http.StatusUnauthorized, "invalid_client")
			// A failed client authentication must not burn the honest client's code.
			if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v)); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("wrong redirect_uri", func(t *testing.T) {
		e := newEnv(t)
		cfg := e.googleConfig(oauth2.AuthStyleInHeader)
		v := oauth2.GenerateVerifier()
		code := e.code(cfg, v)
		other := *cfg
		other.RedirectURL = gRedirect2 // registered, but not the one authorized
		_, err := other.Exchange(ctx, code, oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
		_, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant") // burned
	})
	t.Run("bad PKCE verifier", func(t *testing.T) {
		e := newEnv(t)
		cfg := e.googleConfig(oauth2.AuthStyleInHeader)
		v := oauth2.GenerateVerifier()
		code := e.code(cfg, v)
		_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
		_, err = cfg.Exchange(ctx, e.code(cfg, v)) // no verifier at all
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("code replay revokes", func(t *testing.T) {
		e := newEnv(t)
		cfg := e.googleConfig(oauth2.AuthStyleInHeader)
		v := oauth2.GenerateVerifier()
		code := e.code(cfg, v)
		tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		_, err = cfg.Exchange(ctx, code, oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
		var body map[string]string
		e.getJSON(e.issuer+GoogleUserinfoPath, tok.AccessToken, http.StatusUnauthorized, &body)
	})
	t.Run("expired code", func(t *testing.T) {
		e := newEnv(t)
		cfg := e.googleConfig(oauth2.AuthStyleInHeader)
		v := oauth2.GenerateVerifier()
		code := e.code(cfg, v)
		e.clock.Advance(codeTTL + time.Second)
		_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("code of another client or provider", func(t *testing.T) {
		e := newEnv(t)
		cfg := e.googleConfig(oauth2.AuthStyleInHeader)
		v := oauth2.GenerateVerifier()
		other := *cfg
		other.ClientID, other.ClientSecret = otherGID, "other-secret"
		_, err := other.Exchange(ctx, e.code(cfg, v), oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
		fb := e.facebookConfig()
		_, err = cfg.Exchange(ctx, e.code(fb, v), oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
	})
	t.Run("fault injection", func(t *testing.T) {
		e := newEnv(t)
		cfg := e.googleConfig(oauth2.AuthStyleInHeader)
		v := oauth2.GenerateVerifier()
		code := e.code(cfg, v)
		e.p.SetTokenFault(http.StatusServiceUnavailable, 0)
		_, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusServiceUnavailable, "temporarily_unavailable")
		_, err = e.facebookConfig().Exchange(ctx, "whatever", oauth2.VerifierOption(v))
		wantRetrieveError(t, err, http.StatusServiceUnavailable, "temporarily_unavailable")

		e.p.SetTokenFault(0, 5*time.Second)
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := cfg.Exchange(short, code, oauth2.VerifierOption(v)); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Fatalf("delayed exchange: %v after %v", err, time.Since(start))
		}
		e.p.SetTokenFault(0, 0)
		if _, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(v)); err != nil {
			t.Fatalf("after clearing the fault: %v", err)
		}
	})
	t.Run("raw request checks", func(t *testing.T) {
		e := newEnv(t)
		tokenURL := e.issuer + GoogleTokenPath
		form := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {gID}, "client_secret": {gSecret}}
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/json")
		if resp, _ := e.do(req); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("JSON body: status %d", resp.StatusCode)
		}
		req, _ = http.NewRequest("POST", tokenURL+"?"+form.Encode(), nil) // credentials in the URL
		if resp, _ := e.do(req); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("query params: status %d", resp.StatusCode)
		}
		f2 := url.Values{"grant_type": {"password"}, "client_id": {gID}, "client_secret": {gSecret}}
		if resp, body := e.post(tokenURL, f2); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "unsupported_grant_type") {
			t.Errorf("password grant: %d %s", resp.StatusCode, body)
		}
		f3 := url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {"nobody"}, "client_secret": {"x"}}
		if resp, body := e.post(tokenURL, f3); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "invalid_client") {
			t.Errorf("unknown client: %d %s", resp.StatusCode, body)
		}
	})
}

func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t)
	v := oauth2.GenerateVerifier()
	good := func() url.Values {
		u, _ := url.Parse(e.googleConfig(0).AuthCodeURL("st8", oauth2.S256ChallengeOption(v)))
		return u.Query()
	}
	authorize := func(q url.Values) (*http.Response, string) {
		return e.get(e.issuer + GoogleAuthPath + "?" + q.Encode())
	}

	for name, mutate := range map[string]func(url.Values){
		"unknown client":        func(q url.Values) { q.Set("client_id", "evil") },
		"redirect not exact":    func(q url.Values) { q.Set("redirect_uri", gRedirect+"/") },
		"redirect with query":   func(q url.Values) { q.Set("redirect_uri", gRedirect+"?x=1") },
		"facebook redirect":     func(q url.Values) { q.Set("redirect_uri", fbRedirect) },
		"missing redirect":      func(q url.Values) { q.Del("redirect_uri") },
		"repeated redirect_uri": func(q url.Values) { q.Add("redirect_uri", gRedirect) },
	} {
		q := good()
		mutate(q)
		resp, page := authorize(q)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
			!strings.Contains(page, "not the real Google") || !strings.Contains(page, `data-testid="standin-error"`) {
			t.Errorf("%s: status %d Location %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	for name, tc := range map[string]struct {
		mutate func(url.Values)
		code   string
	}{
		"plain PKCE":       {func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		"no PKCE method":   {func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		"no challenge":     {func(q url.Values) { q.Del("code_challenge") }, "invalid_request"},
		"short challenge":  {func(q url.Values) { q.Set("code_challenge", "abc") }, "invalid_request"},
		"implicit flow":    {func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
		"no response_type": {func(q url.Values) { q.Del("response_type") }, "invalid_request"},
		"unknown scope":    {func(q url.Values) { q.Set("scope", "openid admin") }, "invalid_scope"},
		"no scope":         {func(q url.Values) { q.Del("scope") }, "invalid_request"},
		"repeated state":   {func(q url.Values) { q.Add("state", "other") }, "invalid_request"},
	} {
		q := good()
		tc.mutate(q)
		resp, _ := authorize(q)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), gRedirect+"?") || loc.Query().Get("error") != tc.code {
			t.Errorf("%s: status %d Location %q, want error=%s", name, resp.StatusCode, loc, tc.code)
		}
		if name != "repeated state" && loc.Query().Get("state") != "st8" {
			t.Errorf("%s: state not echoed: %s", name, loc)
		}
	}

	t.Run("deny", func(t *testing.T) {
		loc, _ := e.login(e.issuer+GoogleAuthPath+"?"+good().Encode(), url.Values{"preset": {"alice"}}, "deny")
		q := loc.Query()
		if q.Get("error") != "access_denied" || q.Get("error_description") == "" || q.Get("state") != "st8" || q.Has("code") {
			t.Errorf("deny redirected to %s", loc)
		}
	})
	t.Run("login page", func(t *testing.T) {
		resp, page := authorize(good())
		for _, want := range []string{`data-testid="standin-login-form"`, `data-testid="preset-alice"`, `data-testid="preset-bob"`,
			`data-testid="standin-continue"`, `name="email"`, `name="name"`, `name="email_verified"`, "<h1>Local stand-in for Google"} {
			if !strings.Contains(page, want) {
				t.Errorf("login page lacks %s", want)
			}
		}
		if strings.Contains(page, "<script") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Error("login page allows scripts")
		}
		action, id := formOf(t, page)
		if resp, body := e.post(action, url.Values{"request_id": {id}, "email": {"not an email"}}); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, `data-testid="standin-login-form"`) {
			t.Errorf("bad email: status %d", resp.StatusCode)
		}
		if resp, _ := e.post(action, url.Values{"request_id": {"forged"}, "preset": {"alice"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged request id: status %d", resp.StatusCode)
		}
		// The same request id is useless on the other provider's pages.
		if resp, _ := e.post(e.issuer+FacebookAuthPath, url.Values{"request_id": {id}, "preset": {"alice"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("cross-provider request id: status %d", resp.StatusCode)
		}
		e.clock.Advance(pendingTTL + time.Second)
		if resp, _ := e.post(action, url.Values{"request_id": {id}, "preset": {"alice"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("expired request: status %d", resp.StatusCode)
		}
	})
}

func TestDiscoveryAndSubjects(t *testing.T) {
	e := newEnv(t)
	var doc map[string]any
	e.getJSON(e.issuer+DiscoveryPath, "", http.StatusOK, &doc)
	if doc["issuer"] != e.issuer || doc["jwks_uri"] != e.issuer+JWKSPath || doc["token_endpoint"] != e.issuer+GoogleTokenPath {
		t.Errorf("discovery: %v", doc)
	}
	if m, _ := doc["code_challenge_methods_supported"].([]any); len(m) != 1 || m[0] != "S256" {
		t.Errorf("code_challenge_methods_supported: %v", doc["code_challenge_methods_supported"])
	}

	p2, err := New(Config{Issuer: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if e.p.subject(google, "a@b.c") != e.p.subject(google, "A@B.C") || e.p.subject(google, "a@b.c") == p2.subject(google, "a@b.c") {
		t.Error("subjects must be case-insensitive per process and differ between processes")
	}
	for _, bad := range []Config{
		{Issuer: "http://127.0.0.1:1/"},
		{Issuer: "127.0.0.1:1"},
		{Issuer: "http://127.0.0.1:1", Google: []Client{{ID: "x", Secret: "y", RedirectURIs: []string{"/relative"}}}},
		{Issuer: "http://127.0.0.1:1", Facebook: []Client{{ID: "x", RedirectURIs: []string{fbRedirect}}}},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New accepted %+v", bad)
		}
	}
}
