package handlers_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"board/handlers/boardtest"
	"board/models"
	"board/models/tokens"
)

// Tests of the JSON API (/api/v1) and its tokens, from the outside: every
// request goes over HTTP, as a client would send it.

// call sends one API request from a client without cookies. body is sent
// as JSON unless it is a string, which is sent as it is.
func call(t *testing.T, b *boardtest.Board, method, path, authorization string, body any) *boardtest.Response {
	t.Helper()
	return callFrom(t, b.Client(t), b, method, path, authorization, body)
}

func callFrom(t *testing.T, c *boardtest.Client, b *boardtest.Board, method, path, authorization string, body any) *boardtest.Response {
	t.Helper()
	var r io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return c.Do(req)
}

func basic(email, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+password))
}

func bearer(token string) string { return "Bearer " + token }

// decode reads a JSON answer into a T, failing the test if it is not one.
func decode[T any](t *testing.T, what string, res *boardtest.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
		t.Fatalf("%s: body is not the JSON expected (%v):\n%s", what, err, res.Body)
	}
	return v
}

type problemBody struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail"`
	Rule   string            `json:"rule"`
	Errors map[string]string `json:"errors"`
}

// wantProblem checks an RFC 9457 answer of the given status and type.
func wantProblem(t *testing.T, what string, b *boardtest.Board, res *boardtest.Response, status int, slug string) problemBody {
	t.Helper()
	if !boardtest.WantStatus(t, what, res, status) {
		return problemBody{}
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	p := decode[problemBody](t, what, res)
	if p.Type != b.URL+"/learn/problems#"+slug || p.Status != status || p.Title == "" || p.Detail == "" {
		t.Errorf("%s: problem %+v, want type …#%s, status %d, a title and a detail", what, p, slug, status)
	}
	return p
}

// wantChallenge checks a 401 names both schemes, and whether the bearer
// challenge says invalid_token.
func wantChallenge(t *testing.T, what string, res *boardtest.Response, invalidToken bool) {
	t.Helper()
	var basicCh, bearerCh string
	for _, v := range res.Header.Values("WWW-Authenticate") {
		switch {
		case strings.HasPrefix(v, "Basic "):
			basicCh = v
		case strings.HasPrefix(v, "Bearer "):
			bearerCh = v
		}
	}
	if !strings.Contains(basicCh, `realm="board"`) || !strings.Contains(bearerCh, `realm="board"`) {
		t.Errorf("%s: WWW-Authenticate %q, want Basic and Bearer, realm board", what, res.Header.Values("WWW-Authenticate"))
	}
	if got := strings.Contains(bearerCh, `error="invalid_token"`); got != invalidToken {
		t.Errorf("%s: Bearer challenge %q, want error=\"invalid_token\": %v", what, bearerCh, invalidToken)
	}
}

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// signInForTokens is POST /api/v1/token, which must succeed.
func signInForTokens(t *testing.T, b *boardtest.Board, email, password string) tokenPair {
	t.Helper()
	res := call(t, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": email, "password": password})
	if !boardtest.WantStatus(t, "POST /api/v1/token", res, http.StatusOK) {
		t.FailNow()
	}
	return decode[tokenPair](t, "token pair", res)
}

func refresh(t *testing.T, b *boardtest.Board, refreshToken string) *boardtest.Response {
	t.Helper()
	return call(t, b, http.MethodPost, "/api/v1/token/refresh", "", map[string]string{"refresh_token": refreshToken})
}

type meBody struct {
	ID          int64  `json:"id"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	Role        string `json:"role"`
	Credential  struct {
		Scheme   string `json:"scheme"`
		Scope    string `json:"scope"`
		ClientID string `json:"client_id"`
	} `json:"credential"`
}

// me is GET /api/v1/me, which must succeed.
func me(t *testing.T, b *boardtest.Board, authorization string) meBody {
	t.Helper()
	res := call(t, b, http.MethodGet, "/api/v1/me", authorization, nil)
	if !boardtest.WantStatus(t, "GET /api/v1/me", res, http.StatusOK) {
		t.FailNow()
	}
	return decode[meBody](t, "me", res)
}

// wantTokenRefused checks the API refuses an access token as invalid.
func wantTokenRefused(t *testing.T, what string, b *boardtest.Board, token, reason string) {
	t.Helper()
	res := call(t, b, http.MethodGet, "/api/v1/me", bearer(token), nil)
	p := wantProblem(t, what, b, res, http.StatusUnauthorized, "invalid-token")
	wantChallenge(t, what, res, true)
	if !strings.Contains(p.Detail, reason) {
		t.Errorf("%s: detail %q, want it to say %q", what, p.Detail, reason)
	}
}

// --- step 1: HTTP Basic -------------------------------------------------------

func TestAPIBasic(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)

	got := me(t, b, basic("alice@example.com", alicePW))
	if got.ID != w.Alice.ID || got.Email != "alice@example.com" || got.Credential.Scheme != "basic" || got.Credential.Scope != models.FullScope {
		t.Errorf("me with Basic = %+v", got)
	}
	// The scheme name is case-insensitive (RFC 9110 §11.1), and the
	// password may hold colons and any UTF-8 (RFC 7617 §2.1).
	b.CreateUser(t, "yuna@example.com", "Yuna", "비밀:번호 with colon", models.RoleMember)
	if got := me(t, b, "bAsIc "+base64.StdEncoding.EncodeToString([]byte("yuna@example.com:비밀:번호 with colon"))); got.DisplayName != "Yuna" {
		t.Errorf("me as yuna = %+v", got)
	}

	wrong := call(t, b, http.MethodGet, "/api/v1/me", basic("alice@example.com", "not-her-password"), nil)
	p := wantProblem(t, "wrong password", b, wrong, http.StatusUnauthorized, "invalid-credentials")
	wantChallenge(t, "wrong password", wrong, false)
	boardtest.MustContain(t, "why Basic does not scale", p.Detail, "sends the password with every request", "does not scale", "Bearer")
	unknown := call(t, b, http.MethodGet, "/api/v1/me", basic("nobody@example.com", "not-her-password"), nil)
	wantProblem(t, "unknown email", b, unknown, http.StatusUnauthorized, "invalid-credentials")
	if unknown.Body != wrong.Body {
		t.Errorf("unknown email answered %s, wrong password %s: they must be the same", unknown.Body, wrong.Body)
	}
	for name, header := range map[string]string{
		"not base64":    "Basic %%%",
		"no colon":      "Basic " + base64.StdEncoding.EncodeToString([]byte("alice@example.com")),
		"invalid UTF-8": "Basic " + base64.StdEncoding.EncodeToString([]byte("alice@example.com:\xff\xfe")),
	} {
		res := call(t, b, http.MethodGet, "/api/v1/me", header, nil)
		wantProblem(t, name, b, res, http.StatusUnauthorized, "invalid-credentials")
	}

	// Basic works on every route, with the same rules as the pages.
	res := call(t, b, http.MethodPatch, "/api/v1/posts/"+itoa(w.Post.ID), basic("bob@example.com", bobPW), map[string]string{"title": "Bob's now"})
	if p := wantProblem(t, "bob edits alice's post", b, res, http.StatusForbidden, "forbidden"); !strings.Contains(p.Rule, "Only its author may edit it") {
		t.Errorf("403 rule = %q", p.Rule)
	}
}

// Every Basic request is a sign-in and counts against the sign-in limits.
func TestAPIBasicIsThrottled(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	for i := range 5 {
		res := call(t, b, http.MethodGet, "/api/v1/posts", basic("alice@example.com", fmt.Sprintf("guess-%d", i)), nil)
		wantProblem(t, fmt.Sprintf("guess %d", i+1), b, res, http.StatusUnauthorized, "invalid-credentials")
	}
	res := call(t, b, http.MethodGet, "/api/v1/posts", basic("alice@example.com", alicePW), nil)
	wantProblem(t, "right password after five wrong ones", b, res, http.StatusTooManyRequests, "too-many-attempts")
	if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("429 without Retry-After: %q", ra)
	}
	// The limit is the sign-in page's own: it is paused there too.
	page := b.Client(t).Attempt("alice@example.com", alicePW)
	boardtest.WantStatus(t, "the sign-in page", page, http.StatusTooManyRequests)
	b.Clock.Advance(16 * time.Minute)
	me(t, b, basic("alice@example.com", alicePW))
}

func TestAPIBasicNeedsAPassword(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	if _, err := b.Users.Create(context.Background(), models.NewUser{Email: "social@example.com", DisplayName: "Social"}, "via google", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{"", "anything-at-all"} {
		res := call(t, b, http.MethodGet, "/api/v1/me", basic("social@example.com", pw), nil)
		p := wantProblem(t, "password-less account", b, res, http.StatusUnauthorized, "invalid-credentials")
		boardtest.MustContain(t, "password-less account", p.Detail, "/learn/token")
	}
}

func TestAPIBasicSuspended(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	if err := b.Users.SetSuspended(context.Background(), w.Bob.ID, true, "spam zq9", models.Actor{UserID: w.Admin.ID}); err != nil {
		t.Fatal(err)
	}
	res := call(t, b, http.MethodGet, "/api/v1/posts", basic("bob@example.com", bobPW), nil)
	if p := wantProblem(t, "suspended member", b, res, http.StatusForbidden, "account-suspended"); !strings.Contains(p.Rule, "spam zq9") {
		t.Errorf("rule %q does not give the reason", p.Rule)
	}
	boardtest.MustNotContain(t, "suspended member", res.Body, w.Post.Title)
}

// --- step 4: the token endpoint and bearer tokens ----------------------------------

func TestAPITokenEndpoint(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)

	res := call(t, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": "alice@example.com", "password": alicePW})
	boardtest.WantStatus(t, "token", res, http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("token answer Cache-Control %q, want no-store", cc)
	}
	pair := decode[tokenPair](t, "token", res)
	if pair.TokenType != "Bearer" || pair.ExpiresIn != 600 || pair.AccessToken == "" || len(pair.RefreshToken) < 43 {
		t.Errorf("token answer %+v", pair)
	}
	var fields map[string]any
	json.Unmarshal([]byte(res.Body), &fields)
	if len(fields) != 4 {
		t.Errorf("token answer has fields %v, want exactly access_token, token_type, expires_in, refresh_token", fields)
	}
	if got := me(t, b, bearer(pair.AccessToken)); got.ID != w.Alice.ID || got.Credential.Scheme != "bearer" || got.Credential.ClientID != "board" {
		t.Errorf("me with the token = %+v", got)
	}
	if got := b.AuditAbout(t, models.AuditTokenIssued, w.Alice.ID); len(got) != 1 {
		t.Errorf("token_issued audit rows = %d, want 1", len(got))
	}

	wrong := call(t, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": "alice@example.com", "password": "nope-nope-nope"})
	wantProblem(t, "wrong password", b, wrong, http.StatusUnauthorized, "invalid-credentials")
	unknown := call(t, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": "nobody@example.com", "password": "nope-nope-nope"})
	wantProblem(t, "unknown email", b, unknown, http.StatusUnauthorized, "invalid-credentials")
	if unknown.Body != wrong.Body {
		t.Errorf("unknown email %s differs from wrong password %s", unknown.Body, wrong.Body)
	}
	missing := call(t, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": " "})
	if p := wantProblem(t, "missing fields", b, missing, http.StatusUnprocessableEntity, "validation-failed"); p.Errors["email"] == "" || p.Errors["password"] == "" {
		t.Errorf("422 errors = %v, want email and password", p.Errors)
	}
	form := b.Client(t).PostRaw("/api/v1/token", url.Values{"email": {"alice@example.com"}, "password": {alicePW}})
	wantProblem(t, "a form instead of JSON", b, form, http.StatusUnsupportedMediaType, "unsupported-media-type")

	for i := range 4 { // five failures with the one above
		call(t, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": "alice@example.com", "password": fmt.Sprint("nope-", i)})
	}
	res = call(t, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": "alice@example.com", "password": alicePW})
	wantProblem(t, "after five failures", b, res, http.StatusTooManyRequests, "too-many-attempts")
}

// attacker is a key the board never made.
func attackerKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, opts *jose.SignerOptions, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	_, claims := boardtest.TokenParts(t, token)
	return claims
}

func TestAPIBearer(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	pair := signInForTokens(t, b, "alice@example.com", alicePW)
	me(t, b, bearer(pair.AccessToken))
	me(t, b, "bearer "+pair.AccessToken)

	// The published key, as any client would fetch it.
	jwks := decode[jose.JSONWebKeySet](t, "jwks", b.Client(t).Get("/.well-known/jwks.json"))
	if len(jwks.Keys) != 1 {
		t.Fatalf("JWKS has %d keys", len(jwks.Keys))
	}
	kid := jwks.Keys[0].KeyID
	publicDER, err := x509.MarshalPKIXPublicKey(jwks.Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	// The board's own private key, as only an insider could read it.
	keys, err := b.SigningKeys.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	boardKey, err := x509.ParsePKCS8PrivateKey(keys[0].Private)
	if err != nil {
		t.Fatal(err)
	}
	at := (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", kid)
	claims := claimsOf(t, pair.AccessToken)
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for name, value := range claims {
			c[name] = value
		}
		c[k] = v
		return c
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt","kid":"` + kid + `"}`))

	if got := me(t, b, bearer(sign(t, jose.ES256, jose.JSONWebKey{Key: boardKey, KeyID: kid}, (&jose.SignerOptions{}).WithType("at+jwt"), claims))); got.Email != "alice@example.com" {
		t.Fatalf("control: the board's key and claims must pass, got %+v", got)
	}
	for _, tc := range []struct{ name, token, reason string }{
		{"alg none", header + "." + strings.Split(pair.AccessToken, ".")[1] + ".", "not a compact JWS signed with ES256"},
		{"HS256 keyed with the published public key", sign(t, jose.HS256, publicDER, at, claims), "not a compact JWS signed with ES256"},
		{"unknown kid", sign(t, jose.ES256, attackerKey(t), (&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", "attacker-key"), claims), "signing key (kid)"},
		{"the board's kid on another key", sign(t, jose.ES256, attackerKey(t), at, claims), "signature does not verify"},
		{"wrong aud", sign(t, jose.ES256, jose.JSONWebKey{Key: boardKey, KeyID: kid}, (&jose.SignerOptions{}).WithType("at+jwt"), with("aud", "https://other.example/api")), "another audience"},
		{"wrong iss", sign(t, jose.ES256, jose.JSONWebKey{Key: boardKey, KeyID: kid}, (&jose.SignerOptions{}).WithType("at+jwt"), with("iss", "https://other.example")), "not by this board"},
		{"not an access token (typ JWT)", sign(t, jose.ES256, jose.JSONWebKey{Key: boardKey, KeyID: kid}, (&jose.SignerOptions{}).WithType("JWT"), claims), "typ"},
		{"garbage", "abc", "not a compact JWS"},
	} {
		wantTokenRefused(t, tc.name, b, tc.token, tc.reason)
	}
	// No credential at all: a 401 with no error code (RFC 6750 §3.1).
	res := call(t, b, http.MethodGet, "/api/v1/me", "", nil)
	wantProblem(t, "no credential", b, res, http.StatusUnauthorized, "authentication-required")
	wantChallenge(t, "no credential", res, false)
	res = call(t, b, http.MethodGet, "/api/v1/me", "Digest username=alice", nil)
	wantProblem(t, "another scheme", b, res, http.StatusUnauthorized, "authentication-required")

	// Expiry through the board clock, with a small leeway.
	b.Clock.Advance(10*time.Minute + 20*time.Second)
	me(t, b, bearer(pair.AccessToken))
	b.Clock.Advance(15 * time.Second)
	wantTokenRefused(t, "expired", b, pair.AccessToken, "expired")
}

func TestAPIRefreshRotationAndReuse(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	first := signInForTokens(t, b, "alice@example.com", alicePW)

	res := refresh(t, b, first.RefreshToken)
	boardtest.WantStatus(t, "refresh", res, http.StatusOK)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("refresh answer Cache-Control %q", cc)
	}
	second := decode[tokenPair](t, "refresh", res)
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatalf("refresh did not rotate: %+v", second)
	}
	if claimsOf(t, second.AccessToken)["sid"] != claimsOf(t, first.AccessToken)["sid"] {
		t.Error("the refreshed token is not in the same family")
	}
	me(t, b, bearer(second.AccessToken))

	// The spent refresh token again: the family dies, newest tokens included.
	reuse := refresh(t, b, first.RefreshToken)
	p := wantProblem(t, "reused refresh token", b, reuse, http.StatusBadRequest, "invalid-grant")
	boardtest.MustContain(t, "reuse", p.Detail, "already used", "revoked the whole token family")
	wantTokenRefused(t, "the newest access token", b, second.AccessToken, models.RevokedRefreshReused)
	wantTokenRefused(t, "the first access token", b, first.AccessToken, models.RevokedRefreshReused)
	p = wantProblem(t, "the newest refresh token", b, refresh(t, b, second.RefreshToken), http.StatusBadRequest, "invalid-grant")
	boardtest.MustContain(t, "newest refresh", p.Detail, models.RevokedRefreshReused)
	if got := b.AuditAbout(t, models.AuditTokenReused, w.Alice.ID); len(got) != 1 {
		t.Errorf("refresh_token_reused audit rows = %d, want 1", len(got))
	}

	// Other families are untouched.
	other := signInForTokens(t, b, "alice@example.com", alicePW)
	me(t, b, bearer(other.AccessToken))
	wantProblem(t, "unknown refresh token", b, refresh(t, b, "never-issued"), http.StatusBadRequest, "invalid-grant")
	wantProblem(t, "no refresh token", b, call(t, b, http.MethodPost, "/api/v1/token/refresh", "", map[string]string{}), http.StatusUnprocessableEntity, "validation-failed")
}

func TestAPIRevoke(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	pair := signInForTokens(t, b, "alice@example.com", alicePW)
	other := signInForTokens(t, b, "alice@example.com", alicePW)

	for _, token := range []string{"never-issued", pair.RefreshToken, pair.RefreshToken} {
		res := call(t, b, http.MethodPost, "/api/v1/token/revoke", "", map[string]string{"refresh_token": token})
		if !boardtest.WantStatus(t, "revoke", res, http.StatusOK) || res.Body != "" {
			t.Errorf("revoke answered %q, want 200 and nothing else, whatever the token", res.Body)
		}
	}
	wantTokenRefused(t, "access token of the revoked family", b, pair.AccessToken, models.RevokedByClient)
	wantProblem(t, "refresh after revoke", b, refresh(t, b, pair.RefreshToken), http.StatusBadRequest, "invalid-grant")
	me(t, b, bearer(other.AccessToken))
	if got := b.AuditAbout(t, models.AuditTokenRevoked, w.Alice.ID); len(got) != 1 {
		t.Errorf("token_family_revoked audit rows = %d, want 1", len(got))
	}
	wantProblem(t, "revoke without a token", b, call(t, b, http.MethodPost, "/api/v1/token/revoke", "", map[string]string{}),
		http.StatusUnprocessableEntity, "validation-failed")
}

// Tokens stop working on the next request, not at expiry, whenever the
// board ends a member's sessions.
func TestAPITokensCutOffOnNextRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, reason string
		cut          func(t *testing.T, b *boardtest.Board, w cast, alice *boardtest.Client)
	}{
		{"an admin suspends the member", models.RevokedSuspended, func(t *testing.T, b *boardtest.Board, w cast, _ *boardtest.Client) {
			res := b.SignedIn(t, "ada@example.com", adminPW).Post("/admin/users/"+itoa(w.Alice.ID)+"/suspend", url.Values{"reason": {"spam"}})
			boardtest.WantStatus(t, "suspend", res, http.StatusSeeOther)
		}},
		{"an admin ends the member's sessions", "ended by an admin", func(t *testing.T, b *boardtest.Board, w cast, _ *boardtest.Client) {
			res := b.SignedIn(t, "ada@example.com", adminPW).Post("/admin/users/"+itoa(w.Alice.ID)+"/sessions/end", nil)
			boardtest.WantStatus(t, "end sessions", res, http.StatusSeeOther)
		}},
		{"an admin changes the member's role", models.RevokedRoleChange, func(t *testing.T, b *boardtest.Board, w cast, _ *boardtest.Client) {
			res := b.SignedIn(t, "ada@example.com", adminPW).Post("/admin/users/"+itoa(w.Alice.ID)+"/role", url.Values{"role": {"admin"}})
			boardtest.WantStatus(t, "role", res, http.StatusSeeOther)
		}},
		{"the member changes the password", models.RevokedPasswordChange, func(t *testing.T, b *boardtest.Board, _ cast, alice *boardtest.Client) {
			res := alice.Post("/account/password", url.Values{"current_password": {alicePW}, "new_password": {"a-brand-new-passphrase"}})
			boardtest.WantStatus(t, "password change", res, http.StatusSeeOther)
		}},
		{"the member signs out everywhere else", "signed out everywhere else", func(t *testing.T, b *boardtest.Board, _ cast, alice *boardtest.Client) {
			res := alice.Post("/account/sessions/end-others", nil)
			boardtest.WantStatus(t, "end others", res, http.StatusSeeOther)
			boardtest.MustContain(t, "flash", flashOf(alice.Get("/account").Body), "every API token revoked")
		}},
		{"the member deletes the account", "no longer exists", func(t *testing.T, b *boardtest.Board, _ cast, alice *boardtest.Client) {
			res := alice.Post("/account/delete", url.Values{"current_password": {alicePW}, "confirm": {"DELETE"}, "posts": {"keep"}})
			boardtest.WantStatus(t, "delete", res, http.StatusSeeOther)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := boardtest.New(t, boardtest.Options{})
			w := seedCast(t, b)
			alice := b.SignedIn(t, "alice@example.com", alicePW)
			pair := signInForTokens(t, b, "alice@example.com", alicePW)
			me(t, b, bearer(pair.AccessToken))
			tc.cut(t, b, w, alice)
			wantTokenRefused(t, "the next request", b, pair.AccessToken, tc.reason)
			if res := refresh(t, b, pair.RefreshToken); res.Status == http.StatusOK {
				t.Errorf("the refresh token still works: %s", res.Body)
			}
		})
	}
}

// The account page lists token families beside sessions, and revokes one.
func TestAccountListsAndRevokesTokenFamilies(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	boardtest.MustContain(t, "no families yet", alice.Get("/account").Body, `data-testid="no-token-families"`)

	c := b.Client(t)
	c.SetHeader("User-Agent", "curl/8.5.0")
	res := callFrom(t, c, b, http.MethodPost, "/api/v1/token", "", map[string]string{"email": "alice@example.com", "password": alicePW})
	pair := decode[tokenPair](t, "token", res)
	kept := signInForTokens(t, b, "alice@example.com", alicePW)
	b.Clock.Advance(2 * time.Minute)
	me(t, b, bearer(pair.AccessToken)) // last used: now

	page := alice.Get("/account").Body
	rows := tokenFamilyRows(page)
	if len(rows) != 2 {
		t.Fatalf("account page lists %d token families, want 2\n%s", len(rows), boardtest.Clip(page))
	}
	boardtest.MustContain(t, "family row", text(rows[0]), "API sign-in (POST /api/v1/token)", "curl", "scope email posts:read posts:write")
	sid := claimsOf(t, pair.AccessToken)["sid"].(string)
	if !strings.Contains(rows[0], `action="/account/tokens/`+sid+`/revoke"`) {
		t.Fatalf("the most recently used family (%s) is not first:\n%s", sid, rows[0])
	}
	boardtest.WantStatus(t, "revoke without CSRF", alice.PostToken("/account/tokens/"+sid+"/revoke", nil, ""), http.StatusForbidden)
	me(t, b, bearer(pair.AccessToken))
	res = alice.Post("/account/tokens/"+sid+"/revoke", nil)
	boardtest.WantStatus(t, "revoke", res, http.StatusSeeOther)
	wantTokenRefused(t, "revoked on the account page", b, pair.AccessToken, models.RevokedByMember)
	me(t, b, bearer(kept.AccessToken))
	if rows := tokenFamilyRows(alice.Get("/account").Body); len(rows) != 1 {
		t.Errorf("after revoking, %d families listed, want 1", len(rows))
	}
	// Another member cannot revoke Alice's family.
	keptSid := claimsOf(t, kept.AccessToken)["sid"].(string)
	res = b.SignedIn(t, "bob@example.com", bobPW).Post("/account/tokens/"+keptSid+"/revoke", nil)
	boardtest.WantStatus(t, "bob revokes alice's family", res, http.StatusNotFound)
	me(t, b, bearer(kept.AccessToken))
}

func tokenFamilyRows(page string) []string {
	var out []string
	for _, part := range strings.Split(page, `<tr data-testid="token-family-row">`)[1:] {
		out = append(out, part[:strings.Index(part, "</tr>")])
	}
	return out
}

func TestAPITokenInQueryIsRefused(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	pair := signInForTokens(t, b, "alice@example.com", alicePW)
	for _, tc := range []struct{ path, auth string }{
		{"/api/v1/posts?access_token=" + pair.AccessToken, ""},
		{"/api/v1/me?access_token=" + pair.AccessToken, bearer(pair.AccessToken)}, // even beside a good header
		{"/api/v1/posts?access_token=", basic("alice@example.com", alicePW)},
	} {
		res := call(t, b, http.MethodGet, tc.path, tc.auth, nil)
		p := wantProblem(t, tc.path, b, res, http.StatusBadRequest, "token-in-query")
		boardtest.MustContain(t, tc.path, p.Detail, "logs", "Referer")
		boardtest.MustNotContain(t, tc.path, res.Body, "Seeded post title zq1")
	}
	res := call(t, b, http.MethodPost, "/api/v1/token?access_token=x", "", map[string]string{"email": "alice@example.com", "password": alicePW})
	wantProblem(t, "token endpoint", b, res, http.StatusBadRequest, "token-in-query")
}

func TestAPIRefusesTheSessionCookie(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	boardtest.WantStatus(t, "the cookie works on the pages", alice.Get("/posts"), http.StatusOK)
	res := callFrom(t, alice, b, http.MethodGet, "/api/v1/posts", "", nil)
	p := wantProblem(t, "cookie on /api", b, res, http.StatusUnauthorized, "authentication-required")
	boardtest.MustContain(t, "cookie on /api", p.Detail, "session cookie", "never accepts")
	boardtest.MustNotContain(t, "cookie on /api", res.Body, w.Post.Title)
	res = callFrom(t, alice, b, http.MethodPost, "/api/v1/posts", "", map[string]string{"title": "By cookie", "body": "No."})
	wantProblem(t, "write with the cookie", b, res, http.StatusUnauthorized, "authentication-required")
	if len(b.AllPosts(t)) != 1 {
		t.Error("a post was written with the session cookie")
	}
}

// TestAPIRouteWalk sends every API route of the route table without a
// credential, with only the pages' session cookie, with a bad token and
// with a token in the URL: none answers with content or changes anything.
func TestAPIRouteWalk(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	cookieHolder := b.SignedIn(t, "alice@example.com", alicePW)
	secrets := []string{w.Post.Title, w.Post.Body, w.Comment.Body, "alice@example.com"}
	before := boardState(t, b)
	walked := 0
	for _, r := range b.Echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") || strings.Contains(r.Path, "*") {
			continue
		}
		walked++
		id := w.Post.ID
		if strings.HasPrefix(r.Path, "/api/v1/comments/") {
			id = w.Comment.ID
		}
		path := paramRe.ReplaceAllString(r.Path, itoa(id))
		body := map[string]string{"title": "walk", "body": "walk"}
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			tokenRoute := strings.HasPrefix(r.Path, "/api/v1/token")
			for _, probe := range []struct {
				name, auth, query string
				from              *boardtest.Client
			}{
				{"no credential", "", "", b.Client(t)},
				{"session cookie only", "", "", cookieHolder.Bind(t)},
				{"bad bearer token", bearer("not.a.token"), "", b.Client(t)},
				{"token in the URL", "", "?access_token=x", b.Client(t)},
			} {
				res := callFrom(t, probe.from, b, r.Method, path+probe.query, probe.auth, body)
				if r.Method == http.MethodHead {
					// HEAD is GET without the body: the same refusal, headers only.
					get := callFrom(t, probe.from, b, http.MethodGet, path+probe.query, probe.auth, body)
					if res.Status != get.Status || res.Body != "" || res.Header.Get("Content-Type") != get.Header.Get("Content-Type") ||
						len(res.Header.Values("WWW-Authenticate")) != len(get.Header.Values("WWW-Authenticate")) {
						t.Errorf("%s: HEAD answered %d %q with %d bytes; GET %d %q", probe.name, res.Status,
							res.Header.Get("Content-Type"), len(res.Body), get.Status, get.Header.Get("Content-Type"))
					}
					continue
				}
				switch {
				case probe.query != "":
					wantProblem(t, probe.name, b, res, http.StatusBadRequest, "token-in-query")
				case tokenRoute:
					// Credentials go in the body here; without them, no 2xx.
					if res.Status < 400 {
						t.Errorf("%s: %d without a credential", probe.name, res.Status)
					}
				case probe.auth != "":
					wantProblem(t, probe.name, b, res, http.StatusUnauthorized, "invalid-token")
					wantChallenge(t, probe.name, res, true)
				default:
					wantProblem(t, probe.name, b, res, http.StatusUnauthorized, "authentication-required")
					wantChallenge(t, probe.name, res, false)
				}
				boardtest.MustNotContain(t, probe.name, res.Body, secrets...)
			}
		})
	}
	if walked < 13 {
		t.Errorf("walked %d API routes, want at least 13", walked)
	}
	if after := boardState(t, b); after != before {
		t.Errorf("the walk changed the board:\n%s\n%s", before, after)
	}
	if len(b.AllPosts(t)) != 1 || len(b.AllComments(t)) != 1 {
		t.Error("the walk changed posts or comments")
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	res := b.Client(t).Get("/.well-known/jwks.json")
	boardtest.WantStatus(t, "jwks", res, http.StatusOK)
	boardtest.MustNotContain(t, "jwks", res.Body, `"d":`)
	set := decode[jose.JSONWebKeySet](t, "jwks", res)
	pair := signInForTokens(t, b, "alice@example.com", alicePW)
	tok, err := jwt.ParseSigned(pair.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 || !keys[0].IsPublic() || keys[0].Algorithm != "ES256" || keys[0].Use != "sig" {
		t.Fatalf("JWKS %+v has no public ES256 key for kid %q", set, tok.Headers[0].KeyID)
	}
	var claims jwt.Claims
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Errorf("the token does not verify with the published key: %v", err)
	}
	if claims.Issuer != b.URL || !claims.Audience.Contains(b.URL+"/api/v1") {
		t.Errorf("iss %q aud %v", claims.Issuer, claims.Audience)
	}

	// After a rotation both keys are published; new tokens use the new one.
	ids, err := b.Tokens.RotateKeys(context.Background(), models.Actor{ClientIP: "command line"})
	if err != nil {
		t.Fatal(err)
	}
	set = decode[jose.JSONWebKeySet](t, "jwks", b.Client(t).Get("/.well-known/jwks.json"))
	if len(set.Keys) != 2 || len(set.Key(ids[0])) != 1 {
		t.Errorf("after rotation JWKS = %+v", set)
	}
	me(t, b, bearer(pair.AccessToken))
	fresh := signInForTokens(t, b, "alice@example.com", alicePW)
	if tok, _ := jwt.ParseSigned(fresh.AccessToken, []jose.SignatureAlgorithm{jose.ES256}); tok.Headers[0].KeyID != ids[0] {
		t.Errorf("new token signed by %q, want the new key %q", tok.Headers[0].KeyID, ids[0])
	}
}

// A scoped token (the OAuth provider will mint them) is narrowed by its
// scope on top of the policy.
func TestAPIScopeNarrowsThePolicy(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	pair, err := b.Tokens.Issue(context.Background(), w.Alice, tokens.Grant{ClientID: "some-app", Scope: models.ScopePostsRead})
	if err != nil {
		t.Fatal(err)
	}
	got := me(t, b, bearer(pair.AccessToken))
	if got.Email != "" || got.Credential.Scope != "posts:read" || got.Credential.ClientID != "some-app" {
		t.Errorf("me without the email scope = %+v", got)
	}
	boardtest.WantStatus(t, "read", call(t, b, http.MethodGet, "/api/v1/posts/"+itoa(w.Post.ID), bearer(pair.AccessToken), nil), http.StatusOK)
	res := call(t, b, http.MethodPatch, "/api/v1/posts/"+itoa(w.Post.ID), bearer(pair.AccessToken), map[string]string{"title": "changed"})
	p := wantProblem(t, "write with posts:read", b, res, http.StatusForbidden, "insufficient-scope")
	boardtest.MustContain(t, "rule", p.Rule, `"posts:write"`)
	if ch := res.Header.Get("WWW-Authenticate"); ch != `Bearer realm="board", error="insufficient_scope", scope="posts:write"` {
		t.Errorf("WWW-Authenticate %q", ch)
	}
	if b.Post(t, w.Post.ID).Title != w.Post.Title {
		t.Error("the post changed")
	}
	// A scope never widens the policy: posts:write does not let Bob edit Alice's post.
	bobs, err := b.Tokens.Issue(context.Background(), w.Bob, tokens.Grant{ClientID: "some-app", Scope: models.ScopePostsWrite})
	if err != nil {
		t.Fatal(err)
	}
	wantProblem(t, "bob with posts:write", b, call(t, b, http.MethodDelete, "/api/v1/posts/"+itoa(w.Post.ID), bearer(bobs.AccessToken), nil),
		http.StatusForbidden, "forbidden")
	wantProblem(t, "bob reads with only posts:write", b, call(t, b, http.MethodGet, "/api/v1/posts", bearer(bobs.AccessToken), nil),
		http.StatusForbidden, "insufficient-scope")
}

// --- the resources: the same rules as the pages ------------------------------

type postJSON struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	Author *struct {
		ID          int64  `json:"id"`
		DisplayName string `json:"display_name"`
	} `json:"author"`
	CommentCount int `json:"comment_count"`
	Hidden       *struct {
		Reason string `json:"reason"`
	} `json:"hidden"`
	URL      string        `json:"url"`
	Comments []commentJSON `json:"comments"`
}

type commentJSON struct {
	ID     int64  `json:"id"`
	PostID int64  `json:"post_id"`
	Body   string `json:"body"`
	URL    string `json:"url"`
	Hidden *struct {
		Reason string `json:"reason"`
	} `json:"hidden"`
}

type postListJSON struct {
	Posts []postJSON `json:"posts"`
	Next  *string    `json:"next"`
}

func TestAPIPostAndCommentLifecycle(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	alice := bearer(signInForTokens(t, b, "alice@example.com", alicePW).AccessToken)
	bob := basic("bob@example.com", bobPW)

	res := call(t, b, http.MethodPost, "/api/v1/posts", bob, map[string]string{"title": "  From the API  ", "body": "Body line\n\n"})
	boardtest.WantStatus(t, "create", res, http.StatusCreated)
	created := decode[postJSON](t, "create", res)
	if created.Title != "From the API" || created.Body != "Body line" || created.Author == nil || created.Author.ID != w.Bob.ID ||
		res.Header.Get("Location") != "/api/v1/posts/"+itoa(created.ID) || created.URL != res.Header.Get("Location") {
		t.Errorf("created %+v, Location %q", created, res.Header.Get("Location"))
	}
	if p := b.Post(t, created.ID); p == nil || p.AuthorID != w.Bob.ID || p.Title != "From the API" {
		t.Errorf("stored post %+v", p)
	}

	res = call(t, b, http.MethodPost, "/api/v1/posts", bob, map[string]string{"title": "", "body": "x"})
	if p := wantProblem(t, "empty title", b, res, http.StatusUnprocessableEntity, "validation-failed"); p.Errors["title"] == "" {
		t.Errorf("422 errors %v", p.Errors)
	}
	res = call(t, b, http.MethodPost, "/api/v1/posts", bob, map[string]string{"title": strings.Repeat("x", 201), "body": "x"})
	wantProblem(t, "long title", b, res, http.StatusUnprocessableEntity, "validation-failed")

	// Edits: the author only, fields sent are changed, the rest kept.
	res = call(t, b, http.MethodPatch, "/api/v1/posts/"+itoa(created.ID), bob, map[string]string{"body": "New body"})
	boardtest.WantStatus(t, "patch body", res, http.StatusOK)
	if p := decode[postJSON](t, "patch", res); p.Title != "From the API" || p.Body != "New body" {
		t.Errorf("patched %+v", p)
	}
	wantProblem(t, "patch nothing", b, call(t, b, http.MethodPatch, "/api/v1/posts/"+itoa(created.ID), bob, map[string]string{}),
		http.StatusUnprocessableEntity, "validation-failed")
	wantProblem(t, "alice patches bob's post", b, call(t, b, http.MethodPatch, "/api/v1/posts/"+itoa(created.ID), alice, map[string]string{"title": "Mine"}),
		http.StatusForbidden, "forbidden")
	wantProblem(t, "alice deletes bob's post", b, call(t, b, http.MethodDelete, "/api/v1/posts/"+itoa(created.ID), alice, nil),
		http.StatusForbidden, "forbidden")

	// Comments.
	res = call(t, b, http.MethodPost, "/api/v1/posts/"+itoa(created.ID)+"/comments", alice, map[string]string{"body": "Nice one"})
	boardtest.WantStatus(t, "comment", res, http.StatusCreated)
	cm := decode[commentJSON](t, "comment", res)
	if cm.PostID != created.ID || cm.Body != "Nice one" || res.Header.Get("Location") != "/api/v1/comments/"+itoa(cm.ID) {
		t.Errorf("comment %+v, Location %q", cm, res.Header.Get("Location"))
	}
	res = call(t, b, http.MethodGet, res.Header.Get("Location"), bob, nil)
	boardtest.WantStatus(t, "GET the comment's Location", res, http.StatusOK)
	wantProblem(t, "empty comment", b, call(t, b, http.MethodPost, "/api/v1/posts/"+itoa(created.ID)+"/comments", alice, map[string]string{"body": " "}),
		http.StatusUnprocessableEntity, "validation-failed")
	wantProblem(t, "bob edits alice's comment", b, call(t, b, http.MethodPatch, "/api/v1/comments/"+itoa(cm.ID), bob, map[string]string{"body": "x"}),
		http.StatusForbidden, "forbidden")
	res = call(t, b, http.MethodPatch, "/api/v1/comments/"+itoa(cm.ID), alice, map[string]string{"body": "Nice one, edited"})
	if boardtest.WantStatus(t, "edit comment", res, http.StatusOK) && decode[commentJSON](t, "edit", res).Body != "Nice one, edited" {
		t.Errorf("edited comment %s", res.Body)
	}
	detail := decode[postJSON](t, "detail", call(t, b, http.MethodGet, "/api/v1/posts/"+itoa(created.ID), bob, nil))
	if len(detail.Comments) != 1 || detail.Comments[0].Body != "Nice one, edited" || detail.CommentCount != 1 {
		t.Errorf("detail %+v", detail)
	}
	wantProblem(t, "bob deletes alice's comment", b, call(t, b, http.MethodDelete, "/api/v1/comments/"+itoa(cm.ID), bob, nil), http.StatusForbidden, "forbidden")
	boardtest.WantStatus(t, "delete comment", call(t, b, http.MethodDelete, "/api/v1/comments/"+itoa(cm.ID), alice, nil), http.StatusNoContent)
	if b.Comment(t, cm.ID) != nil {
		t.Error("comment still stored")
	}

	res = call(t, b, http.MethodDelete, "/api/v1/posts/"+itoa(created.ID), bob, nil)
	if boardtest.WantStatus(t, "delete post", res, http.StatusNoContent) && res.Body != "" {
		t.Errorf("204 with a body %q", res.Body)
	}
	if b.Post(t, created.ID) != nil {
		t.Error("post still stored")
	}
	wantProblem(t, "deleted post", b, call(t, b, http.MethodGet, "/api/v1/posts/"+itoa(created.ID), bob, nil), http.StatusNotFound, "not-found")
	wantProblem(t, "malformed id", b, call(t, b, http.MethodGet, "/api/v1/posts/abc", bob, nil), http.StatusNotFound, "not-found")
	wantProblem(t, "unknown route", b, call(t, b, http.MethodGet, "/api/v1/nothing-here", bob, nil), http.StatusNotFound, "not-found")
}

func TestAPIBadBodies(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	alice := basic("alice@example.com", alicePW)
	for name, body := range map[string]string{
		"not JSON":      "title=x&body=y",
		"an array":      `[{"title":"x","body":"y"}]`,
		"unknown field": `{"title":"x","body":"y","author_id":1}`,
		"two objects":   `{"title":"x","body":"y"}{"title":"z","body":"w"}`,
		"wrong type":    `{"title":1,"body":"y"}`,
	} {
		res := call(t, b, http.MethodPost, "/api/v1/posts", alice, body)
		wantProblem(t, name, b, res, http.StatusBadRequest, "bad-request")
	}
	req, _ := http.NewRequest(http.MethodPost, b.URL+"/api/v1/posts", strings.NewReader(`{"title":"x","body":"y"}`))
	req.Header.Set("Authorization", alice)
	req.Header.Set("Content-Type", "text/plain")
	wantProblem(t, "text/plain", b, b.Client(t).Do(req), http.StatusUnsupportedMediaType, "unsupported-media-type")
	big := `{"title":"x","body":"` + strings.Repeat("y", 300<<10) + `"}`
	wantProblem(t, "too large", b, call(t, b, http.MethodPost, "/api/v1/posts", alice, big), http.StatusRequestEntityTooLarge, "payload-too-large")
	if len(b.AllPosts(t)) != 1 {
		t.Error("a bad body created a post")
	}
}

func TestAPIHiddenContentFollowsThePolicy(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	ctx := context.Background()
	reply := b.CreateComment(t, w.Post, w.Bob, "Bob's reply, to be hidden")
	if err := b.Comments.SetHidden(ctx, reply.ID, true, "rude", models.Actor{UserID: w.Admin.ID}); err != nil {
		t.Fatal(err)
	}
	hiddenPost := b.CreatePost(t, w.Alice, "Hidden post zq5", "hidden body")
	if err := b.Posts.SetHidden(ctx, hiddenPost.ID, true, "off topic", models.Actor{UserID: w.Admin.ID}); err != nil {
		t.Fatal(err)
	}
	alice, bob, admin := basic("alice@example.com", alicePW), basic("bob@example.com", bobPW), basic("ada@example.com", adminPW)

	list := func(auth string) []int64 {
		var ids []int64
		for _, p := range decode[postListJSON](t, "list", call(t, b, http.MethodGet, "/api/v1/posts", auth, nil)).Posts {
			ids = append(ids, p.ID)
		}
		return ids
	}
	if got := list(bob); len(got) != 1 || got[0] != w.Post.ID {
		t.Errorf("bob's list %v, want only the visible post", got)
	}
	if got := list(alice); len(got) != 2 {
		t.Errorf("the author's list %v, want her hidden post too", got)
	}
	if got := list(admin); len(got) != 2 {
		t.Errorf("the admin's list %v, want every post", got)
	}
	res := call(t, b, http.MethodGet, "/api/v1/posts/"+itoa(hiddenPost.ID), bob, nil)
	wantProblem(t, "bob asks for the hidden post", b, res, http.StatusNotFound, "not-found")
	boardtest.MustNotContain(t, "hidden post", res.Body, "Hidden post zq5", "off topic")
	wantProblem(t, "bob comments on the hidden post", b, call(t, b, http.MethodPost, "/api/v1/posts/"+itoa(hiddenPost.ID)+"/comments", bob, map[string]string{"body": "hi"}),
		http.StatusNotFound, "not-found")
	if p := decode[postJSON](t, "author", call(t, b, http.MethodGet, "/api/v1/posts/"+itoa(hiddenPost.ID), alice, nil)); p.Hidden == nil || p.Hidden.Reason != "off topic" {
		t.Errorf("the author sees %+v, want the moderator's reason", p)
	}

	// The hidden comment: its author and admins see it, others do not.
	comments := func(auth string) []commentJSON {
		return decode[postJSON](t, "detail", call(t, b, http.MethodGet, "/api/v1/posts/"+itoa(w.Post.ID), auth, nil)).Comments
	}
	if got := comments(alice); len(got) != 1 {
		t.Errorf("alice sees %d comments, want only the visible one", len(got))
	}
	if got := comments(bob); len(got) != 2 || got[1].Hidden == nil {
		t.Errorf("bob sees %+v, want his hidden reply marked hidden", got)
	}
	wantProblem(t, "alice reads the hidden comment", b, call(t, b, http.MethodGet, "/api/v1/comments/"+itoa(reply.ID), alice, nil), http.StatusNotFound, "not-found")
	if got := comments(admin); len(got) != 2 {
		t.Errorf("the admin sees %d comments", len(got))
	}
}

func TestAPIPaging(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	for i := range 24 {
		b.CreatePost(t, w.Bob, fmt.Sprintf("Post %02d", i), "body")
	}
	auth := basic("alice@example.com", alicePW)
	first := decode[postListJSON](t, "page 1", call(t, b, http.MethodGet, "/api/v1/posts", auth, nil))
	if len(first.Posts) != 20 || first.Posts[0].Title != "Post 23" || first.Next == nil {
		t.Fatalf("page 1: %d posts, first %q, next %v", len(first.Posts), first.Posts[0].Title, first.Next)
	}
	second := decode[postListJSON](t, "page 2", call(t, b, http.MethodGet, *first.Next, auth, nil))
	if len(second.Posts) != 5 || second.Posts[4].ID != w.Post.ID || second.Next != nil {
		t.Errorf("page 2: %d posts, next %v", len(second.Posts), second.Next)
	}
	if second.Posts[0].ID >= first.Posts[19].ID {
		t.Error("pages overlap")
	}
	wantProblem(t, "bad cursor", b, call(t, b, http.MethodGet, "/api/v1/posts?before=x", auth, nil), http.StatusBadRequest, "bad-request")
}

// Every problem type's URI leads to its explanation.
func TestProblemTypesAreExplained(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	page := b.Client(t).Get("/learn/problems")
	boardtest.WantStatus(t, "problems page", page, http.StatusOK)
	for _, slug := range []string{"authentication-required", "invalid-credentials", "invalid-token", "token-in-query", "forbidden",
		"insufficient-scope", "account-suspended", "not-found", "validation-failed", "bad-request", "unsupported-media-type",
		"invalid-grant", "too-many-attempts", "payload-too-large", "server-error"} {
		boardtest.MustContain(t, "problems page", page.Body, `id="`+slug+`"`)
	}
}
