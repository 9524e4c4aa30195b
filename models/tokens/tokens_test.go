package tokens_test

import (
	"board/handlers/boardtest"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"board/db"
	"board/db/dbtest"
	"board/models"
	"board/models/auth"
	"board/models/clocktest"
	"board/models/tokens"
)

const issuer = "http://board.test"

type fixture struct {
	st    *models.Stores
	svc   *tokens.Service
	clock *clocktest.Clock
	user  *models.User
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.Open(t)
	ctx := context.Background()
	c := clocktest.At(time.Date(2030, 1, 2, 3, 4, 5, 600_000_000, time.UTC))
	st := db.NewStores(d, c.Now, auth.ThrottleWindow)
	svc := tokens.New(st, c.Now, tokens.Config{Issuer: issuer})
	if err := svc.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := st.Users.Create(ctx, models.NewUser{Email: "alice@example.com", DisplayName: "Alice", PasswordHash: "x"}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, svc: svc, clock: c, user: u}
}

func (f *fixture) issue(t *testing.T) *tokens.Pair {
	t.Helper()
	p, err := f.svc.Issue(context.Background(), f.user, tokens.Grant{ClientID: tokens.FirstPartyClient, Scope: models.FullScope,
		UserAgent: "test", ClientIP: "192.0.2.1", How: "with password"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantInvalid asserts the token is refused as invalid, for the reason given.
func (f *fixture) wantInvalid(t *testing.T, raw, reason string) {
	t.Helper()
	a, err := f.svc.Authenticate(context.Background(), raw)
	var invalid *tokens.InvalidToken
	if !errors.As(err, &invalid) {
		t.Fatalf("Authenticate = %+v, %v; want *InvalidToken (%s)", a, err, reason)
	}
	if !strings.Contains(invalid.Reason, reason) {
		t.Errorf("reason %q, want it to mention %q", invalid.Reason, reason)
	}
}

func decodePart(t *testing.T, raw string, i int) map[string]any {
	t.Helper()
	header, claims := boardtest.TokenParts(t, raw)
	return [2]map[string]any{header, claims}[i]
}

func TestIssuedAccessTokenFollowsRFC9068(t *testing.T) {
	f := newFixture(t)
	p := f.issue(t)
	h := decodePart(t, p.AccessToken, 0)
	if h["alg"] != "ES256" || h["typ"] != "at+jwt" || h["kid"] == "" || len(h) != 3 {
		t.Errorf("header = %v, want exactly alg ES256, typ at+jwt, kid", h)
	}
	c := decodePart(t, p.AccessToken, 1)
	now := f.clock.Now().Unix()
	want := map[string]any{"iss": issuer, "aud": issuer + "/api/v1", "sub": strconv.FormatInt(f.user.ID, 10),
		"client_id": "board", "scope": "email posts:read posts:write", "sid": strconv.FormatInt(p.FamilyID, 10),
		"iat": float64(now), "exp": float64(now + 600)}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if jti, _ := c["jti"].(string); len(jti) < 16 {
		t.Errorf("jti = %q, want a random id", jti)
	}
	if len(p.RefreshToken) < 43 {
		t.Errorf("refresh token %q is shorter than 256 bits", p.RefreshToken)
	}
	other := f.issue(t)
	if other.RefreshToken == p.RefreshToken || decodePart(t, other.AccessToken, 1)["jti"] == c["jti"] {
		t.Error("two issues gave the same refresh token or jti")
	}

	a, err := f.svc.Authenticate(context.Background(), p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if a.User.ID != f.user.ID || a.User.Email != "alice@example.com" || a.Scope != models.FullScope || a.ClientID != "board" || a.FamilyID != p.FamilyID {
		t.Errorf("Authenticate = %+v", a)
	}
}

func TestExpiryThroughTheBoardClock(t *testing.T) {
	f := newFixture(t)
	p := f.issue(t)
	f.clock.Advance(tokens.DefaultAccessTTL + tokens.Leeway - time.Second)
	if _, err := f.svc.Authenticate(context.Background(), p.AccessToken); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	f.clock.Advance(2 * time.Second)
	f.wantInvalid(t, p.AccessToken, "expired")
}

// forge signs claims with any key and header the attacker likes.
func forge(t *testing.T, alg jose.SignatureAlgorithm, key any, opts *jose.SignerOptions, claims ...any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b := jwt.Signed(signer)
	for _, c := range claims {
		b = b.Claims(c)
	}
	raw, err := b.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// goodClaims are the claims of a genuine token of family p.
func (f *fixture) goodClaims(t *testing.T, p *tokens.Pair) map[string]any {
	return decodePart(t, p.AccessToken, 1)
}

func TestForgedTokensAreRefused(t *testing.T) {
	f := newFixture(t)
	p := f.issue(t)
	kid := decodePart(t, p.AccessToken, 0)["kid"].(string)
	claims := f.goodClaims(t, p)
	attacker, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := f.svc.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	publicDER, err := x509.MarshalPKIXPublicKey(jwks.Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	publicJSON, err := jwks.Keys[0].MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	at := func() *jose.SignerOptions { return (&jose.SignerOptions{}).WithType("at+jwt") }
	withKid := func(o *jose.SignerOptions, k string) *jose.SignerOptions { return o.WithHeader("kid", k) }
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt","kid":"` + kid + `"}`))
	payload := strings.Split(p.AccessToken, ".")[1]

	cases := []struct {
		name, raw, reason string
	}{
		{"alg none", header + "." + payload + ".", "not a compact JWS signed with ES256"},
		{"HS256 keyed with the public key (DER)", forge(t, jose.HS256, publicDER, withKid(at(), kid), claims), "not a compact JWS signed with ES256"},
		{"HS256 keyed with the public key (JWK)", forge(t, jose.HS256, publicJSON, withKid(at(), kid), claims), "not a compact JWS signed with ES256"},
		{"unknown kid", forge(t, jose.ES256, attacker, withKid(at(), "not-a-board-key"), claims), "signing key (kid)"},
		{"no kid", forge(t, jose.ES256, attacker, at(), claims), "signing key (kid)"},
		{"the board's kid, another key", forge(t, jose.ES256, attacker, withKid(at(), kid), claims), "signature does not verify"},
		{"attacker key in a jwk header", forge(t, jose.ES256, attacker, withKid(at().WithHeader("jwk", jose.JSONWebKey{Key: attacker.Public()}), kid), claims), `"jwk"`},
		{"jku header", forge(t, jose.ES256, attacker, withKid(at().WithHeader("jku", "https://evil.example/jwks"), kid), claims), `"jku"`},
		{"x5u header", forge(t, jose.ES256, attacker, withKid(at().WithHeader("x5u", "https://evil.example/cert"), kid), claims), `"x5u"`},
		{"tampered payload", strings.Split(p.AccessToken, ".")[0] + "." + base64.RawURLEncoding.EncodeToString(
			[]byte(strings.Replace(mustJSON(t, claims), `"sub":"`+strconv.FormatInt(f.user.ID, 10), `"sub":"999`, 1))) + "." +
			strings.Split(p.AccessToken, ".")[2], "signature does not verify"},
		{"garbage", "not.a.token", "not a compact JWS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { f.wantInvalid(t, tc.raw, tc.reason) })
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A token the board itself signed, but with one claim or header wrong, is
// refused too: the board signs with its key through a second service that
// is configured differently, or the test changes one claim and re-signs
// with the board's own private key (taken from the store, as an insider would).
func TestWrongClaimsAreRefused(t *testing.T) {
	f := newFixture(t)
	p := f.issue(t)
	keys, err := f.st.SigningKeys.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(keys[0].Private)
	if err != nil {
		t.Fatal(err)
	}
	boardKey := jose.JSONWebKey{Key: priv, KeyID: keys[0].ID}
	resign := func(typ string, change func(map[string]any)) string {
		c := f.goodClaims(t, p)
		change(c)
		opts := &jose.SignerOptions{}
		if typ != "" {
			opts = opts.WithType(jose.ContentType(typ))
		}
		return forge(t, jose.ES256, boardKey, opts, c)
	}
	same := func(map[string]any) {}
	if _, err := f.svc.Authenticate(context.Background(), resign("at+jwt", same)); err != nil {
		t.Fatalf("the control (re-signed unchanged) must pass: %v", err)
	}
	if _, err := f.svc.Authenticate(context.Background(), resign("application/AT+JWT", same)); err != nil {
		t.Fatalf("typ compares as a media type: %v", err)
	}
	cases := []struct {
		name, raw, reason string
	}{
		{"wrong aud", resign("at+jwt", func(c map[string]any) { c["aud"] = "https://other.example/api" }), "another audience"},
		{"no aud", resign("at+jwt", func(c map[string]any) { delete(c, "aud") }), "another audience"},
		{"wrong iss", resign("at+jwt", func(c map[string]any) { c["iss"] = issuer + "/" }), "not by this board"},
		{"typ JWT", resign("JWT", same), `"typ"`},
		{"no typ", resign("", same), `"typ"`},
		{"no exp", resign("at+jwt", func(c map[string]any) { delete(c, "exp") }), "required claim"},
		{"iat in the future", resign("at+jwt", func(c map[string]any) { c["iat"] = c["iat"].(float64) + 3600 }), "not valid now"},
		{"no client_id", resign("at+jwt", func(c map[string]any) { delete(c, "client_id") }), "required claim"},
		{"another member's sub", resign("at+jwt", func(c map[string]any) { c["sub"] = "999" }), "subject does not match"},
		{"no family", resign("at+jwt", func(c map[string]any) { delete(c, "sid") }), "no token family"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { f.wantInvalid(t, tc.raw, tc.reason) })
	}
}

func TestKeyRotationKeepsOldKeyUntilItsTokensExpire(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := f.issue(t)
	oldKid := decodePart(t, old.AccessToken, 0)["kid"].(string)
	ids, err := f.svc.RotateKeys(ctx, models.Actor{ClientIP: "command line"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] == oldKid {
		t.Fatalf("rotate gave %v", ids)
	}
	fresh := f.issue(t)
	if kid := decodePart(t, fresh.AccessToken, 0)["kid"]; kid != ids[0] {
		t.Errorf("new tokens signed by %v, want the new key %s", kid, ids[0])
	}
	published := func() []string {
		set, err := f.svc.JWKS(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range set.Keys {
			if k.IsPublic() != true || k.Algorithm != "ES256" || k.Use != "sig" {
				t.Errorf("published key %+v is not a public ES256 signing key", k)
			}
			out = append(out, k.KeyID)
		}
		return out
	}
	if got := published(); len(got) != 2 || got[0] != ids[0] || got[1] != oldKid {
		t.Errorf("after rotation JWKS = %v, want [new old]", got)
	}
	for _, p := range []*tokens.Pair{old, fresh} {
		if _, err := f.svc.Authenticate(ctx, p.AccessToken); err != nil {
			t.Errorf("token right after rotation: %v", err)
		}
	}
	f.clock.Advance(tokens.DefaultAccessTTL + tokens.Leeway)
	if got := published(); len(got) != 1 || got[0] != ids[0] {
		t.Errorf("once the old key's tokens have expired JWKS = %v, want only the new key", got)
	}
	f.wantInvalid(t, old.AccessToken, "signing key")

	// Rotating a day later deletes the old private key for good.
	f.clock.Advance(24 * time.Hour)
	if _, err := f.svc.RotateKeys(ctx, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	keys, err := f.st.SigningKeys.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.ID == oldKid {
			t.Error("the old private key is still stored a day after it was retired")
		}
	}
	if len(keys) != 2 {
		t.Errorf("%d keys stored, want the live one and the one just retired", len(keys))
	}
	page, err := f.st.Audit.List(ctx, models.AuditFilter{Kind: models.AuditKeyRotated}, 10)
	if err != nil || len(page.Events) != 2 {
		t.Errorf("rotation audit rows = %v, %v; want 2", page, err)
	}
}

func TestEnsureKeysMakesOneKeyOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	keys, err := f.st.SigningKeys.List(ctx)
	if err != nil || len(keys) != 1 || keys[0].Algorithm != "ES256" {
		t.Fatalf("keys = %v, %v; want one ES256 key after two starts", keys, err)
	}
}

func TestRefreshRotatesAndReuseKillsTheFamily(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := f.issue(t)
	f.clock.Advance(time.Minute)
	second, err := f.svc.Refresh(ctx, first.RefreshToken, models.Actor{ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken || second.FamilyID != first.FamilyID {
		t.Fatalf("refresh gave %+v from %+v: want a new pair in the same family", second, first)
	}
	if _, err := f.svc.Authenticate(ctx, second.AccessToken); err != nil {
		t.Fatalf("refreshed access token: %v", err)
	}

	// The spent token again: the board cannot tell the thief from the
	// client, so the whole family dies, including the newest tokens.
	_, err = f.svc.Refresh(ctx, first.RefreshToken, models.Actor{ClientIP: "198.51.100.7"})
	var revoked *models.FamilyRevoked
	if !errors.As(err, &revoked) || !revoked.Reused || revoked.FamilyID != first.FamilyID {
		t.Fatalf("reuse = %v, want *FamilyRevoked with Reused", err)
	}
	_, err = f.svc.Refresh(ctx, second.RefreshToken, models.Actor{})
	if !errors.As(err, &revoked) || revoked.Reused || revoked.Reason != models.RevokedRefreshReused {
		t.Errorf("the newest refresh token after reuse = %v, want the family revoked for reuse", err)
	}
	f.wantInvalid(t, second.AccessToken, "revoked: "+models.RevokedRefreshReused)
	page, err := f.st.Audit.List(ctx, models.AuditFilter{Kind: models.AuditTokenReused}, 10)
	if err != nil || len(page.Events) != 1 || page.Events[0].ClientIP != "198.51.100.7" || page.Events[0].TargetID != f.user.ID {
		t.Fatalf("reuse audit = %+v, %v", page, err)
	}
	if families, err := f.st.TokenFamilies.ForUser(ctx, f.user.ID); err != nil || len(families) != 0 {
		t.Errorf("live families after reuse = %d, %v", len(families), err)
	}
}

func TestRefreshTokenLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Refresh(ctx, "never-issued", models.Actor{}); !errors.Is(err, tokens.ErrInvalidGrant) {
		t.Errorf("unknown refresh token = %v, want ErrInvalidGrant", err)
	}
	idle := f.issue(t)
	f.clock.Advance(tokens.RefreshIdle)
	if _, err := f.svc.Refresh(ctx, idle.RefreshToken, models.Actor{}); !errors.Is(err, tokens.ErrInvalidGrant) {
		t.Errorf("refresh token unused for %v = %v, want ErrInvalidGrant", tokens.RefreshIdle, err)
	}

	// Refreshing every ten days keeps a family alive only to its lifetime.
	p := f.issue(t)
	for range 2 {
		f.clock.Advance(10 * 24 * time.Hour)
		var err error
		if p, err = f.svc.Refresh(ctx, p.RefreshToken, models.Actor{}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(10 * 24 * time.Hour)
	if _, err := f.svc.Refresh(ctx, p.RefreshToken, models.Actor{}); !errors.Is(err, tokens.ErrInvalidGrant) {
		t.Errorf("refresh past the family's %v lifetime = %v, want ErrInvalidGrant", tokens.FamilyLifetime, err)
	}
}

func TestRevokeByRefreshToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.issue(t)
	if err := f.svc.Revoke(ctx, "never-issued", models.Actor{}); err != nil {
		t.Errorf("revoking an unknown token = %v, want nil (RFC 7009)", err)
	}
	if err := f.svc.Revoke(ctx, p.RefreshToken, models.Actor{UserID: f.user.ID}); err != nil {
		t.Fatal(err)
	}
	f.wantInvalid(t, p.AccessToken, "revoked: "+models.RevokedByClient)
	var revoked *models.FamilyRevoked
	if _, err := f.svc.Refresh(ctx, p.RefreshToken, models.Actor{}); !errors.As(err, &revoked) {
		t.Errorf("refresh after revoke = %v", err)
	}
	if err := f.svc.Revoke(ctx, p.RefreshToken, models.Actor{}); err != nil {
		t.Errorf("revoking twice = %v, want nil", err)
	}
	page, err := f.st.Audit.List(ctx, models.AuditFilter{Kind: models.AuditTokenRevoked}, 10)
	if err != nil || len(page.Events) != 1 {
		t.Errorf("revocation audit rows = %+v, %v; want exactly one", page, err)
	}
}

// Everything that ends a member's sessions ends their tokens, on the next
// request, not at expiry.
func TestCutOffs(t *testing.T) {
	admin := models.Actor{ClientIP: "command line"}
	cases := []struct {
		name, reason string
		cut          func(ctx context.Context, st *models.Stores, u *models.User) error
	}{
		{"password changed", "revoked: " + models.RevokedPasswordChange, func(ctx context.Context, st *models.Stores, u *models.User) error {
			_, err := st.Users.SetPassword(ctx, u.ID, "new-hash", "", nil, models.Actor{UserID: u.ID})
			return err
		}},
		{"suspended", "revoked: " + models.RevokedSuspended, func(ctx context.Context, st *models.Stores, u *models.User) error {
			return st.Users.SetSuspended(ctx, u.ID, true, "spam", admin)
		}},
		{"role changed", "revoked: " + models.RevokedRoleChange, func(ctx context.Context, st *models.Stores, u *models.User) error {
			return st.Users.SetRole(ctx, u.ID, models.RoleAdmin, admin)
		}},
		{"signed out everywhere else", "revoked: signed out everywhere else", func(ctx context.Context, st *models.Stores, u *models.User) error {
			_, err := st.SessionIndex.EndAll(ctx, u.ID, "some-session", "signed out everywhere else", models.Actor{UserID: u.ID})
			return err
		}},
		{"admin ended sessions", "revoked: ended by an admin", func(ctx context.Context, st *models.Stores, u *models.User) error {
			_, err := st.SessionIndex.EndAll(ctx, u.ID, "", "ended by an admin", admin)
			return err
		}},
		{"revoked on the account page", "revoked: " + models.RevokedByMember, func(ctx context.Context, st *models.Stores, u *models.User) error {
			families, err := st.TokenFamilies.ForUser(ctx, u.ID)
			if err != nil || len(families) != 1 {
				return errors.New("want one live family")
			}
			return st.TokenFamilies.Revoke(ctx, u.ID, families[0].ID, models.RevokedByMember, models.Actor{UserID: u.ID})
		}},
		{"account deleted", "family no longer exists", func(ctx context.Context, st *models.Stores, u *models.User) error {
			return st.Users.Delete(ctx, u.ID, true, models.Actor{UserID: u.ID})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			p := f.issue(t)
			if _, err := f.svc.Authenticate(ctx, p.AccessToken); err != nil {
				t.Fatal(err)
			}
			if err := tc.cut(ctx, f.st, f.user); err != nil {
				t.Fatal(err)
			}
			f.wantInvalid(t, p.AccessToken, tc.reason)
			if _, err := f.svc.Refresh(ctx, p.RefreshToken, models.Actor{}); err == nil {
				t.Error("the refresh token still works")
			}
		})
	}
}

// cutOffStore reports a member's token cut-off one second after now, as a
// family that no other rule revoked would see it.
type cutOffStore struct {
	models.TokenFamilies
	now func() time.Time
}

func (s cutOffStore) Holder(ctx context.Context, id int64) (*models.TokenHolder, error) {
	h, err := s.TokenFamilies.Holder(ctx, id)
	if h != nil {
		h.TokensValidAfter = s.now().Add(time.Second)
	}
	return h, err
}

func TestTokensIssuedBeforeTheCutOffAreRefused(t *testing.T) {
	f := newFixture(t)
	p := f.issue(t)
	st := *f.st
	st.TokenFamilies = cutOffStore{f.st.TokenFamilies, f.clock.Now}
	svc := tokens.New(&st, f.clock.Now, tokens.Config{Issuer: issuer})
	a, err := svc.Authenticate(context.Background(), p.AccessToken)
	var invalid *tokens.InvalidToken
	if !errors.As(err, &invalid) || !strings.Contains(invalid.Reason, "cut off") {
		t.Errorf("token from before the cut-off = %+v, %v", a, err)
	}
}

func TestPrivateKeysNeverPrint(t *testing.T) {
	f := newFixture(t)
	keys, err := f.st.SigningKeys.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	k := keys[0]
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "key", k, "private", k.Private)
	j, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	outputs := []string{logged.String(), string(j)}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
		outputs = append(outputs, fmt.Sprintf(format, k), fmt.Sprintf(format, *k), fmt.Sprintf(format, k.Private))
	}
	secret := k.Private[len(k.Private)-40:] // inside the private scalar
	leaks := []string{hex.EncodeToString(secret[:8]), base64.StdEncoding.EncodeToString(secret[:9]), strings.Trim(fmt.Sprint([]byte(secret[:6])), "[]")}
	for _, out := range outputs {
		for _, leak := range leaks {
			if strings.Contains(out, leak) {
				t.Errorf("private key bytes printed: %s", out)
			}
		}
	}
	if !strings.Contains(outputs[2], "[redacted]") {
		t.Errorf("%%v of a key = %s, want [redacted] in place of the private key", outputs[2])
	}
}
