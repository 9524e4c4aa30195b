package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"board/models"
)

// SessionStore, the index of scs sessions by user, over a real SQLite file.
// scs's own table (`sessions`) is written directly here, as scs would with
// HashTokenInStore: the token column holds SessionHash(token).

// scsSession writes the scs row of token, live for ttl (negative: expired).
func (e *testEnv) scsSession(tb testing.TB, token string, ttl time.Duration) {
	tb.Helper()
	_, err := e.DB.Write.Exec(`REPLACE INTO sessions (token, data, expiry) VALUES (?, x'00', julianday('now', ?))`,
		models.SessionHash(token), fmt.Sprintf("%+d seconds", int(ttl.Seconds())))
	if err != nil {
		tb.Fatal(err)
	}
}

func (e *testEnv) dropScsSession(tb testing.TB, token string) {
	tb.Helper()
	if _, err := e.DB.Write.Exec(`DELETE FROM sessions WHERE token = ?`, models.SessionHash(token)); err != nil {
		tb.Fatal(err)
	}
}

// signIn records token for u with a live scs row, as a completed sign-in leaves it.
func signIn(t *testing.T, st *models.SessionStore, e *testEnv, u *models.User, token, ua, ip string) {
	t.Helper()
	if err := st.Record(context.Background(), token, u.ID, ua, ip); err != nil {
		t.Fatalf("Record: %v", err)
	}
	e.scsSession(t, token, time.Hour)
}

func (e *testEnv) ageSession(tb testing.TB, token string, by time.Duration) {
	tb.Helper()
	old := time.Now().Add(-by).UTC().Format(time.RFC3339Nano)
	if _, err := e.DB.Write.Exec(`UPDATE user_sessions SET created_at = ?, last_seen_at = ? WHERE session_hash = ?`,
		old, old, models.SessionHash(token)); err != nil {
		tb.Fatal(err)
	}
}

func forUser(t *testing.T, st *models.SessionStore, userID int64) []*models.Session {
	t.Helper()
	ss, err := st.ForUser(context.Background(), userID)
	if err != nil {
		t.Fatalf("ForUser: %v", err)
	}
	return ss
}

func hashes(ss []*models.Session) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Hash)
	}
	return out
}

func wantHashes(t *testing.T, what string, ss []*models.Session, tokens ...string) {
	t.Helper()
	var want []string
	for _, tok := range tokens {
		want = append(want, models.SessionHash(tok))
	}
	if got := hashes(ss); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: sessions %v, want %v (in this order)", what, got, want)
	}
}

func TestSessionRecordAndForUser(t *testing.T) {
	e := newEnv(t)
	st := &models.SessionStore{DB: e.DB}
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	start := time.Now()
	signIn(t, st, e, ann, "tok-ann-1", "Firefox UA", "192.0.2.1")
	signIn(t, st, e, ann, "tok-ann-2", "Safari UA", "192.0.2.2")
	signIn(t, st, e, bob, "tok-bob-1", "Chrome UA", "192.0.2.3")

	ss := forUser(t, st, ann.ID)
	if len(ss) != 2 {
		t.Fatalf("ForUser(ann) = %d sessions, want 2", len(ss))
	}
	byHash := map[string]*models.Session{}
	for _, s := range ss {
		byHash[s.Hash] = s
		if s.UserID != ann.ID || s.ID == 0 {
			t.Errorf("session %+v: want ann's, with an id", s)
		}
		if s.CreatedAt.Before(start.Add(-time.Second)) || s.CreatedAt.After(time.Now().Add(time.Second)) ||
			s.LastSeenAt.Before(start.Add(-time.Second)) {
			t.Errorf("session %+v: created/last seen not about now", s)
		}
	}
	s1 := byHash[models.SessionHash("tok-ann-1")]
	if s1 == nil || s1.UserAgent != "Firefox UA" || s1.ClientIP != "192.0.2.1" {
		t.Errorf("ann's first session %+v, want Firefox UA from 192.0.2.1", s1)
	}
	// The raw token is never stored.
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE session_hash LIKE 'tok-%'`); n != 0 {
		t.Errorf("%d index rows store a raw token", n)
	}
	wantHashes(t, "ForUser(bob)", forUser(t, st, bob.ID), "tok-bob-1")

	// Most recently used first.
	e.ageSession(t, "tok-ann-2", time.Hour)
	wantHashes(t, "ann after her second session aged", forUser(t, st, ann.ID), "tok-ann-1", "tok-ann-2")
	e.ageSession(t, "tok-ann-1", 2*time.Hour)
	wantHashes(t, "ann after her first session aged more", forUser(t, st, ann.ID), "tok-ann-2", "tok-ann-1")

	// Long User-Agents are cut to 300 characters.
	signIn(t, st, e, bob, "tok-bob-2", strings.Repeat("é", 400), "192.0.2.4")
	for _, s := range forUser(t, st, bob.ID) {
		if s.Hash == models.SessionHash("tok-bob-2") && len([]rune(s.UserAgent)) != 300 {
			t.Errorf("stored User-Agent has %d characters, want 300", len([]rune(s.UserAgent)))
		}
	}
}

func TestSessionForUserExcludesExpiredOrVanishedScsSessions(t *testing.T) {
	e := newEnv(t)
	st := &models.SessionStore{DB: e.DB}
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	signIn(t, st, e, ann, "live", "ua", "192.0.2.1")
	signIn(t, st, e, ann, "expired", "ua", "192.0.2.1")
	signIn(t, st, e, ann, "vanished", "ua", "192.0.2.1")
	signIn(t, st, e, bob, "bob-expired", "ua", "192.0.2.1")
	e.scsSession(t, "expired", -time.Minute)
	e.dropScsSession(t, "vanished")
	e.scsSession(t, "bob-expired", -time.Minute)

	wantHashes(t, "ann with one live, one expired, one vanished", forUser(t, st, ann.ID), "live")
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = ?`, ann.ID); n != 3 {
		t.Errorf("ann has %d index rows before any clean-up, want 3", n)
	}

	// Record forgets the user's rows whose scs session is gone or expired
	// (here long ago), and only that user's.
	e.ageSession(t, "expired", time.Hour)
	e.ageSession(t, "vanished", time.Hour)
	e.ageSession(t, "bob-expired", time.Hour)
	signIn(t, st, e, ann, "new", "ua", "192.0.2.1")
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = ?`, ann.ID); n != 2 {
		t.Errorf("after Record ann has %d index rows, want 2 (live and new)", n)
	}
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = ?`, bob.ID); n != 1 {
		t.Errorf("ann's Record removed bob's rows: %d left, want 1", n)
	}
	got := forUser(t, st, ann.ID)
	if len(got) != 2 {
		t.Errorf("ForUser(ann) = %v, want live and new", hashes(got))
	}
}

// A session is recorded when it is issued, before scs has saved it (the
// handlers commit scs when the response goes out). Another sign-in of the
// same member in that moment must not throw it away: over HTTP, concurrent
// sign-ins of one account were refused on their next request with "signed
// out from another device" (3 of 40 in 5 rounds of 8 parallel sign-ins).
func TestSessionRecordKeepsAnotherJustIssuedSession(t *testing.T) {
	e := newEnv(t)
	st := &models.SessionStore{DB: e.DB}
	ann := e.user(t, "Ann", models.RoleMember)
	ctx := context.Background()
	// Browser B's sign-in: recorded, scs row not yet committed.
	if err := st.Record(ctx, "tok-b", ann.ID, "ua-b", "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	// Browser A's sign-in completes meanwhile.
	signIn(t, st, e, ann, "tok-a", "ua-a", "192.0.2.1")
	// B's response goes out: scs saves B's session.
	e.scsSession(t, "tok-b", time.Hour)

	if err := st.Touch(ctx, "tok-b", ann.ID, "192.0.2.2"); err != nil {
		t.Errorf("B's first request after signing in: Touch = %v, want nil: "+
			"Record for A deleted B's index row because B's scs row did not exist yet", err)
	}
	wantHashesAnyOrder(t, "ann's sessions", forUser(t, st, ann.ID), "tok-a", "tok-b")
}

func wantHashesAnyOrder(t *testing.T, what string, ss []*models.Session, tokens ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, s := range ss {
		got[s.Hash] = true
	}
	for _, tok := range tokens {
		if !got[models.SessionHash(tok)] {
			t.Errorf("%s: %s missing (have %d)", what, tok, len(ss))
		}
	}
}

func TestSessionTouch(t *testing.T) {
	e := newEnv(t)
	st := &models.SessionStore{DB: e.DB}
	ctx := context.Background()
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	signIn(t, st, e, ann, "tok-ann", "ua", "192.0.2.1")

	if err := st.Touch(ctx, "tok-ann", ann.ID, "192.0.2.1"); err != nil {
		t.Errorf("Touch of a recorded session: %v", err)
	}
	if err := st.Touch(ctx, "never-recorded", ann.ID, "192.0.2.1"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Touch of an unknown token: %v, want ErrNotFound", err)
	}
	if err := st.Touch(ctx, "tok-ann", bob.ID, "192.0.2.1"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Touch of ann's token as bob: %v, want ErrNotFound", err)
	}

	// Last seen is noted at most once a minute, with the address.
	e.ageSession(t, "tok-ann", 2*time.Minute)
	if err := st.Touch(ctx, "tok-ann", ann.ID, "198.51.100.7"); err != nil {
		t.Fatal(err)
	}
	s := forUser(t, st, ann.ID)[0]
	if time.Since(s.LastSeenAt) > 10*time.Second || s.ClientIP != "198.51.100.7" {
		t.Errorf("after Touch of a 2-minute-idle session: last seen %v ago from %q, want now from 198.51.100.7", time.Since(s.LastSeenAt), s.ClientIP)
	}
	seen := s.LastSeenAt
	if err := st.Touch(ctx, "tok-ann", ann.ID, "198.51.100.8"); err != nil {
		t.Fatal(err)
	}
	s = forUser(t, st, ann.ID)[0]
	if !s.LastSeenAt.Equal(seen) || s.ClientIP != "198.51.100.7" {
		t.Errorf("a second Touch within the minute wrote: last seen %v → %v, address %q", seen, s.LastSeenAt, s.ClientIP)
	}

	if err := st.Forget(ctx, "tok-ann"); err != nil {
		t.Fatal(err)
	}
	if err := st.Touch(ctx, "tok-ann", ann.ID, "192.0.2.1"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Touch after Forget: %v, want ErrNotFound", err)
	}
}

func TestSessionRevoke(t *testing.T) {
	e := newEnv(t)
	st := &models.SessionStore{DB: e.DB}
	ctx := context.Background()
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	signIn(t, st, e, ann, "tok-ann-1", "ua", "192.0.2.1")
	signIn(t, st, e, ann, "tok-ann-2", "ua", "192.0.2.1")
	signIn(t, st, e, bob, "tok-bob", "ua", "192.0.2.1")
	var target int64
	for _, s := range forUser(t, st, ann.ID) {
		if s.Hash == models.SessionHash("tok-ann-2") {
			target = s.ID
		}
	}
	auditBefore := len(e.auditRows(t))

	// Not bob's to revoke.
	if err := st.Revoke(ctx, bob.ID, target, models.Actor{UserID: bob.ID, ClientIP: "192.0.2.9"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("bob revoking ann's session: %v, want ErrNotFound", err)
	}
	if err := st.Touch(ctx, "tok-ann-2", ann.ID, "192.0.2.1"); err != nil {
		t.Errorf("ann's session after bob's refused revoke: %v", err)
	}
	if len(e.auditRows(t)) != auditBefore {
		t.Error("a refused revoke was audited")
	}

	if err := st.Revoke(ctx, ann.ID, target, models.Actor{UserID: ann.ID, ClientIP: "192.0.2.1"}); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if err := st.Touch(ctx, "tok-ann-2", ann.ID, "192.0.2.1"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoked session: Touch = %v, want ErrNotFound", err)
	}
	if err := st.Touch(ctx, "tok-ann-1", ann.ID, "192.0.2.1"); err != nil {
		t.Errorf("ann's other session after the revoke: %v", err)
	}
	if err := st.Touch(ctx, "tok-bob", bob.ID, "192.0.2.1"); err != nil {
		t.Errorf("bob's session after ann's revoke: %v", err)
	}
	rows := e.auditRows(t)
	last := rows[len(rows)-1]
	if len(rows) != auditBefore+1 || last.Kind != string(models.AuditSessionRevoked) || last.ActorID.Int64 != ann.ID ||
		last.TargetType != "user" || last.TargetID.Int64 != ann.ID || last.ClientIP != "192.0.2.1" {
		t.Errorf("audit after Revoke: %+v, want one session_revoked by ann about ann", last)
	}
	if err := st.Revoke(ctx, ann.ID, target, models.Actor{UserID: ann.ID}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoking it again: %v, want ErrNotFound", err)
	}
}

func TestSessionEndAllKeepsOne(t *testing.T) {
	e := newEnv(t)
	st := &models.SessionStore{DB: e.DB}
	ctx := context.Background()
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	for _, tok := range []string{"a1", "a2", "a3"} {
		signIn(t, st, e, ann, tok, "ua", "192.0.2.1")
	}
	signIn(t, st, e, bob, "b1", "ua", "192.0.2.1")

	n, err := st.EndAll(ctx, ann.ID, "a2", "signed out everywhere else", models.Actor{UserID: ann.ID, ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("EndAll keeping a2 ended %d, want 2", n)
	}
	for tok, want := range map[string]error{"a1": models.ErrNotFound, "a2": nil, "a3": models.ErrNotFound} {
		if err := st.Touch(ctx, tok, ann.ID, "192.0.2.1"); !errors.Is(err, want) {
			t.Errorf("after EndAll keeping a2: Touch(%s) = %v, want %v", tok, err, want)
		}
	}
	if err := st.Touch(ctx, "b1", bob.ID, "192.0.2.1"); err != nil {
		t.Errorf("bob's session after ann's EndAll: %v", err)
	}
	rows := e.auditRows(t)
	last := rows[len(rows)-1]
	if last.Kind != string(models.AuditSessionsEnded) || last.TargetID.Int64 != ann.ID || last.ActorID.Int64 != ann.ID ||
		last.Detail != "signed out everywhere else" {
		t.Errorf("audit after EndAll: %+v, want sessions_ended about ann with the reason", last)
	}

	// An admin ends them all.
	n, err = st.EndAll(ctx, ann.ID, "", "ended by an admin", models.Actor{UserID: bob.ID, ClientIP: "192.0.2.5"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("EndAll with no keep ended %d, want 1", n)
	}
	if ss := forUser(t, st, ann.ID); len(ss) != 0 {
		t.Errorf("ann still has %d sessions", len(ss))
	}
	if ss := forUser(t, st, bob.ID); len(ss) != 1 {
		t.Errorf("bob has %d sessions, want 1", len(ss))
	}
}

// SessionHash must be the key scs itself stores with HashTokenInStore, or
// the index would join to nothing.
func TestSessionHashMatchesScsStore(t *testing.T) {
	e := newEnv(t)
	sm := scs.New()
	sm.Store = sqlite3store.NewWithCleanupInterval(e.DB.Write, 0)
	sm.HashTokenInStore = true
	ctx, err := sm.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	sm.Put(ctx, "user_id", int64(1))
	token, _, err := sm.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := e.DB.Read.QueryRow(`SELECT token FROM sessions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == token {
		t.Fatal("scs stored the raw token: HashTokenInStore is not in effect")
	}
	if got := models.SessionHash(token); got != stored {
		t.Errorf("SessionHash(token) = %q, scs stored %q", got, stored)
	}

	// And the index joins to it.
	st := &models.SessionStore{DB: e.DB}
	ann := e.user(t, "Ann", models.RoleMember)
	if err := st.Record(context.Background(), token, ann.ID, "ua", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	wantHashes(t, "ForUser over a real scs session", forUser(t, st, ann.ID), token)
}
