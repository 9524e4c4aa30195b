package db

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"board/models"
	"board/models/tokens"
)

// The token stores over a real SQLite file, on the test clock.

func (e *testEnv) family(t *testing.T, u *models.User, hash string, lifetime time.Duration) *models.TokenFamily {
	t.Helper()
	f, err := e.TokenFamilies.Start(context.Background(), models.NewTokenFamily{UserID: u.ID, ClientID: "board", Scope: models.FullScope,
		UserAgent: "curl/8", ClientIP: "192.0.2.1", ExpiresAt: e.clock.Now().Add(lifetime), How: "with password"},
		models.RefreshToken{Hash: hash, ExpiresAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return f
}

func (e *testEnv) rotate(used, next string) (*models.TokenHolder, error) {
	return e.TokenFamilies.Rotate(context.Background(), used, models.RefreshToken{Hash: next, ExpiresAt: e.clock.Now().Add(time.Hour)},
		models.Actor{ClientIP: "192.0.2.9"})
}

// Neither the refresh token nor the access token is anywhere in the
// database files: only the refresh token's hash is.
func TestTokensAreNotStored(t *testing.T) {
	d, path := openTestFile(t)
	clock := newClock()
	e := &testEnv{DB: d, clock: clock, Stores: NewStores(d, clock.Now, time.Minute)}
	u := e.user(t, "Ann", models.RoleMember)
	svc := tokens.New(e.Stores, e.clock.Now, tokens.Config{Issuer: "http://board.test"})
	ctx := context.Background()
	if err := svc.EnsureKeys(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := svc.Issue(ctx, u, tokens.Grant{ClientID: "board", Scope: models.FullScope})
	if err != nil {
		t.Fatal(err)
	}
	second, err := svc.Refresh(ctx, first.RefreshToken, models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM refresh_tokens`); n != 2 {
		t.Fatalf("%d refresh token rows, want 2", n)
	}
	var files []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	for name, secret := range map[string]string{"first refresh token": first.RefreshToken, "second refresh token": second.RefreshToken,
		"access token": first.AccessToken, "access token signature": second.AccessToken[len(second.AccessToken)-40:]} {
		if bytes.Contains(files, []byte(secret)) {
			t.Errorf("the %s is stored in the database file", name)
		}
	}
	var hash string
	if err := e.DB.read.QueryRow(`SELECT hash FROM refresh_tokens ORDER BY created_at LIMIT 1`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(files, []byte(hash)) || len(hash) != 43 {
		t.Errorf("stored hash %q: the files must hold it (43 characters of base64url SHA-256)", hash)
	}
}

// Two clients presenting the same refresh token at once: exactly one gets
// the new pair, the other is seen as reuse and the family dies.
func TestConcurrentRefreshIsReuse(t *testing.T) {
	e := newEnv(t)
	u := e.user(t, "Ann", models.RoleMember)
	e.family(t, u, "h0", time.Hour)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.rotate("h0", "next-"+string(rune('a'+i))) })
	}
	wg.Wait()
	var ok, reused int
	for _, err := range errs {
		var revoked *models.FamilyRevoked
		switch {
		case err == nil:
			ok++
		case errors.As(err, &revoked) && revoked.Reused:
			reused++
		default:
			t.Errorf("rotate: %v", err)
		}
	}
	if ok != 1 || reused != 1 {
		t.Errorf("%d rotations succeeded and %d were reuse, want one each", ok, reused)
	}
	if n := e.count(t, `SELECT count(*) FROM token_families WHERE revoked_at IS NOT NULL`); n != 1 {
		t.Errorf("the family is not revoked")
	}
}

func TestRotateChecksEachRule(t *testing.T) {
	e := newEnv(t)
	u := e.user(t, "Ann", models.RoleMember)
	f := e.family(t, u, "h0", 2*time.Hour)
	e.clock.Advance(5 * time.Minute)
	h, err := e.rotate("h0", "h1")
	if err != nil {
		t.Fatal(err)
	}
	if h.Family.ID != f.ID || h.User.ID != u.ID || !h.Family.LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("holder %+v", h.Family)
	}
	if _, err := e.rotate("unknown", "x"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown token: %v", err)
	}
	// h1 lives an hour (the test's refresh lifetime): past it, it is unknown.
	e.clock.Advance(time.Hour)
	if _, err := e.rotate("h1", "h2"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("expired refresh token: %v", err)
	}
	// A new token never outlives its family.
	e.clock.Advance(-time.Hour)
	if _, err := e.TokenFamilies.Rotate(context.Background(), "h1", models.RefreshToken{Hash: "h2", ExpiresAt: e.clock.Now().Add(3 * time.Hour)},
		models.Actor{}); err != nil {
		t.Fatal(err)
	}
	var expires string
	e.DB.read.QueryRow(`SELECT expires_at FROM refresh_tokens WHERE hash = 'h2'`).Scan(&expires)
	if !parseTime(expires).Equal(f.ExpiresAt) {
		t.Errorf("refresh token expires %s, after its family (%s)", expires, formatTime(f.ExpiresAt))
	}
	e.clock.Advance(2 * time.Hour)
	if _, err := e.rotate("h2", "h3"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("token of an expired family: %v", err)
	}
}

func TestFamiliesListRevokeAndPrune(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	old := e.family(t, ann, "a0", time.Hour)
	e.clock.Advance(time.Minute)
	recent := e.family(t, ann, "a1", 24*time.Hour)
	e.family(t, bob, "b0", time.Hour)
	list, err := e.TokenFamilies.ForUser(ctx, ann.ID)
	if err != nil || len(list) != 2 || list[0].ID != recent.ID || list[0].ClientID != "board" || list[0].UserAgent != "curl/8" {
		t.Fatalf("ForUser(ann) = %+v, %v", list, err)
	}
	if err := e.TokenFamilies.Revoke(ctx, bob.ID, old.ID, models.RevokedByMember, models.Actor{UserID: bob.ID}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("bob revoking ann's family: %v", err)
	}
	if err := e.TokenFamilies.Revoke(ctx, ann.ID, old.ID, models.RevokedByMember, models.Actor{UserID: ann.ID}); err != nil {
		t.Fatal(err)
	}
	if err := e.TokenFamilies.Revoke(ctx, ann.ID, old.ID, models.RevokedByMember, models.Actor{UserID: ann.ID}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	if list, _ := e.TokenFamilies.ForUser(ctx, ann.ID); len(list) != 1 || list[0].ID != recent.ID {
		t.Errorf("after revoke: %+v", list)
	}
	if err := e.TokenFamilies.RevokeByRefresh(ctx, "a0", models.RevokedByClient, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoking a revoked family by its token: %v", err)
	}
	// Expired families go when the member starts another.
	e.clock.Advance(2 * time.Hour)
	e.family(t, ann, "a2", time.Hour)
	if n := e.count(t, `SELECT count(*) FROM token_families WHERE user_id = $1`, ann.ID); n != 2 {
		t.Errorf("%d families of ann's kept, want the live one and the new one", n)
	}
	if n := e.count(t, `SELECT count(*) FROM refresh_tokens WHERE hash = 'a0'`); n != 0 {
		t.Error("a pruned family's refresh tokens are kept")
	}
	if n := e.count(t, `SELECT count(*) FROM token_families WHERE user_id = $1`, bob.ID); n != 1 {
		t.Error("starting ann's family pruned bob's")
	}
}

func TestHolderNotesUseOnceAMinute(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.user(t, "Ann", models.RoleMember)
	f := e.family(t, u, "h0", time.Hour)
	e.clock.Advance(30 * time.Second)
	h, err := e.TokenFamilies.Holder(ctx, f.ID)
	if err != nil || !h.Family.LastUsedAt.Equal(f.CreatedAt) || h.User.Email != u.Email || !h.TokensValidAfter.IsZero() {
		t.Fatalf("holder %+v, %v", h, err)
	}
	e.clock.Advance(31 * time.Second)
	if h, _ = e.TokenFamilies.Holder(ctx, f.ID); !h.Family.LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("last used %s, want now", h.Family.LastUsedAt)
	}
	if got := e.count(t, `SELECT count(*) FROM token_families WHERE last_used_at = $1`, formatTime(e.clock.Now())); got != 1 {
		t.Error("last used was not stored")
	}
	if _, err := e.TokenFamilies.Holder(ctx, 999); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown family: %v", err)
	}
}

// Ending a member's sessions ends their tokens, and sets the cut-off to
// the whole second.
func TestEndingSessionsEndsTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.user(t, "Ann", models.RoleMember)
	f := e.family(t, u, "h0", time.Hour)
	e.clock.Advance(1500 * time.Millisecond)
	if _, err := e.SessionIndex.EndAll(ctx, u.ID, "keep", "signed out everywhere else", models.Actor{UserID: u.ID}); err != nil {
		t.Fatal(err)
	}
	h, err := e.TokenFamilies.Holder(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.Family.RevokedAt == nil || h.Family.RevokeReason != "signed out everywhere else" {
		t.Errorf("family after EndAll: %+v", h.Family)
	}
	if want := e.clock.Now().Truncate(time.Second); !h.TokensValidAfter.Equal(want) {
		t.Errorf("tokens valid after %s, want %s", h.TokensValidAfter, want)
	}
	var revoked *models.FamilyRevoked
	if _, err := e.rotate("h0", "h1"); !errors.As(err, &revoked) || revoked.Reason != "signed out everywhere else" {
		t.Errorf("refresh after EndAll: %v", err)
	}
}

func TestSigningKeysRotateAndPrune(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key := func(id string) *models.SigningKey {
		return &models.SigningKey{ID: id, Algorithm: "ES256", Private: models.PrivateKey("pkcs8-" + id), CreatedAt: e.clock.Now()}
	}
	if err := e.SigningKeys.Create(ctx, key("k1")); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if err := e.SigningKeys.Rotate(ctx, key("k2"), e.clock.Now().Add(-24*time.Hour), models.Actor{ClientIP: "command line"}); err != nil {
		t.Fatal(err)
	}
	keys, err := e.SigningKeys.List(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != "k2" || keys[0].RetiredAt != nil || keys[1].RetiredAt == nil ||
		!keys[1].RetiredAt.Equal(e.clock.Now()) || string(keys[1].Private) != "pkcs8-k1" {
		t.Fatalf("after rotation %+v, %v", keys, err)
	}
	if err := e.SigningKeys.Create(ctx, key("k2")); err == nil {
		t.Error("a second key with the same id was stored")
	}
	e.clock.Advance(25 * time.Hour)
	if err := e.SigningKeys.Rotate(ctx, key("k3"), e.clock.Now().Add(-24*time.Hour), models.Actor{}); err != nil {
		t.Fatal(err)
	}
	keys, _ = e.SigningKeys.List(ctx)
	if len(keys) != 2 || keys[0].ID != "k3" || keys[1].ID != "k2" {
		t.Errorf("after the second rotation %+v, want k3 live and k2 retired (k1 pruned)", keys)
	}
	rows := e.auditRows(t)
	if len(rows) != 2 || rows[0].Kind != string(models.AuditKeyRotated) || rows[0].Detail != "ES256 key k2" {
		t.Errorf("audit %+v", rows)
	}
}

func TestSignInTraces(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.user(t, "Ann", models.RoleMember)
	if _, err := e.SignInTraces.Last(ctx, u.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("no trace yet: %v", err)
	}
	for _, p := range []string{"Google", "Facebook"} {
		err := e.SignInTraces.Save(ctx, u.ID, models.SignInTrace{Provider: p, At: e.clock.Now(),
			Steps: []models.TraceStep{{From: "board", To: p, Line: "POST /token", Fields: []string{"code=[elided]"}, Note: "exchange"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	tr, err := e.SignInTraces.Last(ctx, u.ID)
	if err != nil || tr.Provider != "Facebook" || len(tr.Steps) != 1 || tr.Steps[0].Fields[0] != "code=[elided]" || !tr.At.Equal(e.clock.Now()) {
		t.Errorf("last trace %+v, %v", tr, err)
	}
	if n := e.count(t, `SELECT count(*) FROM sign_in_traces`); n != 1 {
		t.Errorf("%d traces kept, want only the last", n)
	}
	if err := e.Users.Delete(ctx, u.ID, true, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM sign_in_traces`); n != 0 {
		t.Error("a deleted member's trace is kept")
	}
}
