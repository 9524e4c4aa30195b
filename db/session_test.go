package db

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"board/models"
)

// The session index over a real SQLite file. It keeps its own expiry, so
// these tests let time pass on the test clock; the session manager's row,
// which Load reads with the index row, is written to live far longer.

// sessionTTL is how long a test session lives unless a test says otherwise.
const sessionTTL = time.Hour

// signIn records hash for u, live for sessionTTL, as a completed sign-in
// leaves it.
func (e *testEnv) signIn(t *testing.T, u *models.User, hash, ua, ip string) {
	t.Helper()
	e.signInUntil(t, u, hash, ua, ip, e.clock.Now().Add(sessionTTL))
}

func (e *testEnv) signInUntil(t *testing.T, u *models.User, hash, ua, ip string, expires time.Time) {
	t.Helper()
	err := e.SessionIndex.Record(context.Background(), models.NewSession{Hash: hash, UserID: u.ID, UserAgent: ua, ClientIP: ip, ExpiresAt: expires})
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if _, err := e.DB.write.Exec(`INSERT INTO sessions (token, data, expiry) VALUES ($1, x'7b7d', $2)`,
		hash, julianDay(e.clock.Now().Add(365*24*time.Hour))); err != nil {
		t.Fatal(err)
	}
}

// errEnded stands for a session found over (or never there).
var errEnded = errors.New("session not live")

// use is what a request does with a session: Load it and, when its last use
// is a minute old or more, note this one with Seen. nil for a live session
// of userID, errEnded for one that is over.
func use(idx models.SessionIndex, now time.Time, hash string, userID int64, ip string, idleUntil time.Time) error {
	ctx := context.Background()
	stored, err := idx.Load(ctx, hash)
	switch {
	case err != nil:
		return err
	case stored == nil || stored.Member == nil || stored.Member.ID != userID || !stored.Live:
		return errEnded
	case now.Sub(stored.LastSeen) >= time.Minute:
		return idx.Seen(ctx, hash, ip, idleUntil)
	}
	return nil
}

func (e *testEnv) touch(hash string, userID int64, ip string) error {
	return use(e.SessionIndex, e.clock.Now(), hash, userID, ip, e.clock.Now().Add(sessionTTL))
}

func forUser(t *testing.T, idx models.SessionIndex, userID int64) []*models.Session {
	t.Helper()
	ss, err := idx.ForUser(context.Background(), userID)
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

func wantHashes(t *testing.T, what string, ss []*models.Session, want ...string) {
	t.Helper()
	if got := hashes(ss); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: sessions %v, want %v (in this order)", what, got, want)
	}
}

func TestSessionRecordAndForUser(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	start := e.clock.Now()
	e.signIn(t, ann, "hash-ann-1", "Firefox UA", "192.0.2.1")
	e.signIn(t, ann, "hash-ann-2", "Safari UA", "192.0.2.2")
	e.signIn(t, bob, "hash-bob-1", "Chrome UA", "192.0.2.3")

	ss := forUser(t, e.SessionIndex, ann.ID)
	if len(ss) != 2 {
		t.Fatalf("ForUser(ann) = %d sessions, want 2", len(ss))
	}
	byHash := map[string]*models.Session{}
	for _, s := range ss {
		byHash[s.Hash] = s
		if s.UserID != ann.ID || s.ID == 0 {
			t.Errorf("session %+v: want ann's, with an id", s)
		}
		if !s.CreatedAt.Equal(start) || !s.LastSeenAt.Equal(start) || !s.ExpiresAt.Equal(start.Add(sessionTTL)) {
			t.Errorf("session %+v: want created and last seen at the clock's %v, expiring at %v", s, start, start.Add(sessionTTL))
		}
	}
	s1 := byHash["hash-ann-1"]
	if s1 == nil || s1.UserAgent != "Firefox UA" || s1.ClientIP != "192.0.2.1" {
		t.Errorf("ann's first session %+v, want Firefox UA from 192.0.2.1", s1)
	}
	// The index keys rows by exactly the hash it is given (the session owner
	// hashes the token), or Touch, Forget and EndAll's keep would miss them.
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE session_hash IN ('hash-ann-1', 'hash-ann-2')`); n != 2 {
		t.Errorf("%d index rows keyed by the given hashes, want 2", n)
	}
	wantHashes(t, "ForUser(bob)", forUser(t, e.SessionIndex, bob.ID), "hash-bob-1")

	// Most recently used first; a tie goes to the newer session.
	wantHashes(t, "ann's two sessions seen at the same time", forUser(t, e.SessionIndex, ann.ID), "hash-ann-2", "hash-ann-1")
	e.clock.Advance(2 * time.Minute)
	if err := e.touch("hash-ann-1", ann.ID, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	wantHashes(t, "ann after using her first session", forUser(t, e.SessionIndex, ann.ID), "hash-ann-1", "hash-ann-2")
	e.clock.Advance(2 * time.Minute)
	if err := e.touch("hash-ann-2", ann.ID, "192.0.2.2"); err != nil {
		t.Fatal(err)
	}
	wantHashes(t, "ann after using her second session later", forUser(t, e.SessionIndex, ann.ID), "hash-ann-2", "hash-ann-1")

	// Long User-Agents are cut to 300 characters.
	e.signIn(t, bob, "hash-bob-2", strings.Repeat("é", 400), "192.0.2.4")
	for _, s := range forUser(t, e.SessionIndex, bob.ID) {
		if s.Hash == "hash-bob-2" && len([]rune(s.UserAgent)) != 300 {
			t.Errorf("stored User-Agent has %d characters, want 300", len([]rune(s.UserAgent)))
		}
	}

	// Only a sign-in is audited, in the same transaction; a renewed token is not.
	before := len(e.auditRows(t))
	err := e.SessionIndex.Record(context.Background(), models.NewSession{Hash: "hash-bob-3", UserID: bob.ID, ClientIP: "192.0.2.5",
		ExpiresAt: e.clock.Now().Add(sessionTTL), SignIn: "with password"})
	if err != nil {
		t.Fatal(err)
	}
	rows := e.auditRows(t)
	if last := rows[len(rows)-1]; len(rows) != before+1 || last.Kind != string(models.AuditSignIn) || last.ActorID.Int64 != bob.ID ||
		last.TargetID.Int64 != bob.ID || last.Detail != "with password" || last.ClientIP != "192.0.2.5" {
		t.Errorf("audit after a sign-in's Record: %+v, want one sign_in by bob \"with password\" from 192.0.2.5", last)
	}
	if before != 0 {
		t.Errorf("Records without SignIn wrote %d audit rows, want 0", before)
	}
}

func TestSessionForUserExcludesExpiredSessions(t *testing.T) {
	e := newEnv(t)
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	start := e.clock.Now()
	e.signInUntil(t, ann, "live", "ua", "192.0.2.1", start.Add(time.Hour))
	e.signInUntil(t, ann, "expired", "ua", "192.0.2.1", start.Add(10*time.Minute))
	e.signInUntil(t, ann, "ends-now", "ua", "192.0.2.1", start.Add(30*time.Minute))
	e.signInUntil(t, bob, "bob-expired", "ua", "192.0.2.1", start.Add(10*time.Minute))
	e.clock.Advance(30 * time.Minute)

	// A session is over at its expiry, not a moment after.
	wantHashes(t, "ann with one live, one expired, one ending now", forUser(t, e.SessionIndex, ann.ID), "live")
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = ?`, ann.ID); n != 3 {
		t.Errorf("ann has %d index rows before any clean-up, want 3", n)
	}
	for _, h := range []string{"expired", "ends-now"} {
		if err := e.touch(h, ann.ID, "192.0.2.1"); !errors.Is(err, errEnded) {
			t.Errorf("use(%s) after its expiry = %v, want the session over", h, err)
		}
	}

	// Record forgets the user's expired rows, and only that user's.
	e.signIn(t, ann, "new", "ua", "192.0.2.1")
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = ?`, ann.ID); n != 2 {
		t.Errorf("after Record ann has %d index rows, want 2 (live and new)", n)
	}
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = ?`, bob.ID); n != 1 {
		t.Errorf("ann's Record removed bob's rows: %d left, want 1", n)
	}
	got := forUser(t, e.SessionIndex, ann.ID)
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
	ann := e.user(t, "Ann", models.RoleMember)
	// Browser B's sign-in: recorded, its response not yet sent.
	e.signIn(t, ann, "hash-b", "ua-b", "192.0.2.2")
	// Browser A's sign-in completes meanwhile.
	e.signIn(t, ann, "hash-a", "ua-a", "192.0.2.1")

	if err := e.touch("hash-b", ann.ID, "192.0.2.2"); err != nil {
		t.Errorf("B's first request after signing in: use = %v, want nil: Record for A deleted B's index row", err)
	}
	wantHashesAnyOrder(t, "ann's sessions", forUser(t, e.SessionIndex, ann.ID), "hash-a", "hash-b")
}

func wantHashesAnyOrder(t *testing.T, what string, ss []*models.Session, want ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, s := range ss {
		got[s.Hash] = true
	}
	for _, h := range want {
		if !got[h] {
			t.Errorf("%s: %s missing (have %d)", what, h, len(ss))
		}
	}
}

func TestSessionLoadAndSeen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	e.signIn(t, ann, "hash-ann", "ua", "192.0.2.1")
	firstExpiry := e.clock.Now().Add(sessionTTL)

	if err := e.touch("hash-ann", ann.ID, "192.0.2.1"); err != nil {
		t.Errorf("use of a recorded session: %v", err)
	}
	if err := e.touch("never-recorded", ann.ID, "192.0.2.1"); !errors.Is(err, errEnded) {
		t.Errorf("use of an unknown hash: %v, want the session over", err)
	}
	if err := e.touch("hash-ann", bob.ID, "192.0.2.1"); !errors.Is(err, errEnded) {
		t.Errorf("use of ann's session as bob: %v, want the session over", err)
	}

	// Load gives the member, with their current row, and when the session
	// was last used, so a request notes its use at most once a minute.
	stored, err := e.SessionIndex.Load(ctx, "hash-ann")
	if err != nil || stored == nil || stored.Member == nil || stored.Member.ID != ann.ID || stored.Member.Email != ann.Email ||
		!stored.Live || !stored.LastSeen.Equal(e.clock.Now()) || string(stored.Data) != "{}" {
		t.Fatalf("Load of ann's new session: %+v, %v", stored, err)
	}
	if st, err := e.SessionIndex.Load(ctx, "never-recorded"); st != nil || err != nil {
		t.Errorf("Load of an unknown hash: %+v, %v; want nothing", st, err)
	}
	// Seen notes the use, with the address, and the idle expiry moves with it.
	e.clock.Advance(2 * time.Minute)
	idleUntil := e.clock.Now().Add(sessionTTL)
	if err := use(e.SessionIndex, e.clock.Now(), "hash-ann", ann.ID, "198.51.100.7", idleUntil); err != nil {
		t.Fatal(err)
	}
	s := forUser(t, e.SessionIndex, ann.ID)[0]
	if !s.LastSeenAt.Equal(e.clock.Now()) || s.ClientIP != "198.51.100.7" || !s.ExpiresAt.Equal(idleUntil) {
		t.Errorf("after Seen of a 2-minute-idle session: last seen %v from %q, expiring %v; want now (%v) from 198.51.100.7, expiring %v",
			s.LastSeenAt, s.ClientIP, s.ExpiresAt, e.clock.Now(), idleUntil)
	}
	if stored, err := e.SessionIndex.Load(ctx, "hash-ann"); err != nil || !stored.LastSeen.Equal(s.LastSeenAt) {
		t.Errorf("Load after Seen: last seen %v, %v; want %v", stored.LastSeen, err, s.LastSeenAt)
	}

	// Used, it outlives its first expiry; idle past the new one, it is over.
	e.clock.Advance(firstExpiry.Sub(e.clock.Now()) + time.Minute)
	if err := e.touch("hash-ann", ann.ID, "192.0.2.1"); err != nil {
		t.Errorf("use past the first expiry of a session used since: %v, want nil", err)
	}
	e.clock.Advance(sessionTTL)
	if err := e.touch("hash-ann", ann.ID, "192.0.2.1"); !errors.Is(err, errEnded) {
		t.Errorf("use after a whole idle timeout unused: %v, want the session over", err)
	}

	e.signIn(t, ann, "hash-ann-2", "ua", "192.0.2.1")
	if err := e.SessionIndex.Forget(ctx, "hash-ann-2"); err != nil {
		t.Fatal(err)
	}
	if err := e.touch("hash-ann-2", ann.ID, "192.0.2.1"); !errors.Is(err, errEnded) {
		t.Errorf("use after Forget: %v, want the session over", err)
	}
}

func TestSessionRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	e.signIn(t, ann, "hash-ann-1", "ua", "192.0.2.1")
	e.signIn(t, ann, "hash-ann-2", "ua", "192.0.2.1")
	e.signIn(t, bob, "hash-bob", "ua", "192.0.2.1")
	var target int64
	for _, s := range forUser(t, e.SessionIndex, ann.ID) {
		if s.Hash == "hash-ann-2" {
			target = s.ID
		}
	}
	auditBefore := len(e.auditRows(t))

	// Not bob's to revoke.
	if err := e.SessionIndex.Revoke(ctx, bob.ID, target, models.Actor{UserID: bob.ID, ClientIP: "192.0.2.9"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("bob revoking ann's session: %v, want ErrNotFound", err)
	}
	if err := e.touch("hash-ann-2", ann.ID, "192.0.2.1"); err != nil {
		t.Errorf("ann's session after bob's refused revoke: %v", err)
	}
	if len(e.auditRows(t)) != auditBefore {
		t.Error("a refused revoke was audited")
	}

	if err := e.SessionIndex.Revoke(ctx, ann.ID, target, models.Actor{UserID: ann.ID, ClientIP: "192.0.2.1"}); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if err := e.touch("hash-ann-2", ann.ID, "192.0.2.1"); !errors.Is(err, errEnded) {
		t.Errorf("revoked session: use = %v, want the session over", err)
	}
	if err := e.touch("hash-ann-1", ann.ID, "192.0.2.1"); err != nil {
		t.Errorf("ann's other session after the revoke: %v", err)
	}
	if err := e.touch("hash-bob", bob.ID, "192.0.2.1"); err != nil {
		t.Errorf("bob's session after ann's revoke: %v", err)
	}
	rows := e.auditRows(t)
	last := rows[len(rows)-1]
	if len(rows) != auditBefore+1 || last.Kind != string(models.AuditSessionRevoked) || last.ActorID.Int64 != ann.ID ||
		last.TargetType != "user" || last.TargetID.Int64 != ann.ID || last.ClientIP != "192.0.2.1" {
		t.Errorf("audit after Revoke: %+v, want one session_revoked by ann about ann", last)
	}
	if err := e.SessionIndex.Revoke(ctx, ann.ID, target, models.Actor{UserID: ann.ID}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("revoking it again: %v, want ErrNotFound", err)
	}
}

func TestSessionEndAllKeepsOne(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann, bob := e.user(t, "Ann", models.RoleMember), e.user(t, "Bob", models.RoleMember)
	// a0 expires before EndAll: it is removed but not counted as ended.
	e.signInUntil(t, ann, "a0", "ua", "192.0.2.1", e.clock.Now().Add(time.Minute))
	for _, h := range []string{"a1", "a2", "a3"} {
		e.signIn(t, ann, h, "ua", "192.0.2.1")
	}
	e.signIn(t, bob, "b1", "ua", "192.0.2.1")
	e.clock.Advance(2 * time.Minute)

	n, err := e.SessionIndex.EndAll(ctx, ann.ID, "a2", "signed out everywhere else", models.Actor{UserID: ann.ID, ClientIP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("EndAll keeping a2 ended %d, want 2 (a1 and a3; a0 had already expired)", n)
	}
	for h, want := range map[string]error{"a0": errEnded, "a1": errEnded, "a2": nil, "a3": errEnded} {
		if err := e.touch(h, ann.ID, "192.0.2.1"); !errors.Is(err, want) {
			t.Errorf("after EndAll keeping a2: use(%s) = %v, want %v", h, err, want)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM user_sessions WHERE user_id = ?`, ann.ID); n != 1 {
		t.Errorf("after EndAll keeping a2 ann has %d index rows, want 1 (expired ones go too)", n)
	}
	if err := e.touch("b1", bob.ID, "192.0.2.1"); err != nil {
		t.Errorf("bob's session after ann's EndAll: %v", err)
	}
	rows := e.auditRows(t)
	last := rows[len(rows)-1]
	if last.Kind != string(models.AuditSessionsEnded) || last.TargetID.Int64 != ann.ID || last.ActorID.Int64 != ann.ID ||
		last.Detail != "signed out everywhere else" {
		t.Errorf("audit after EndAll: %+v, want sessions_ended about ann with the reason", last)
	}

	// A member may not end someone else's sessions; an admin ends them all.
	if _, err := e.SessionIndex.EndAll(ctx, ann.ID, "", "not mine to end", models.Actor{UserID: bob.ID}); !errors.Is(err, models.ErrRefusedAtWrite) {
		t.Errorf("bob, a member, ending ann's sessions: %v, want ErrRefusedAtWrite", err)
	}
	boss := e.user(t, "Boss", models.RoleAdmin)
	n, err = e.SessionIndex.EndAll(ctx, ann.ID, "", "ended by an admin", models.Actor{UserID: boss.ID, ClientIP: "192.0.2.5"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("EndAll with no keep ended %d, want 1", n)
	}
	if ss := forUser(t, e.SessionIndex, ann.ID); len(ss) != 0 {
		t.Errorf("ann still has %d sessions", len(ss))
	}
	if ss := forUser(t, e.SessionIndex, bob.ID); len(ss) != 1 {
		t.Errorf("bob has %d sessions, want 1", len(ss))
	}
}

// migrateThrough applies the embedded migrations up to and including last,
// as a database migrated by an older board would have them.
func migrateThrough(t *testing.T, d *DB, last string) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.write.ExecContext(ctx, `CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT '')`); err != nil {
		t.Fatal(err)
	}
	for _, name := range embeddedMigrations(t) {
		if name > last {
			return
		}
		body, err := fs.ReadFile(migrations, "migrations/"+name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.write.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := d.write.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name); err != nil {
			t.Fatal(err)
		}
	}
}

// Before 0004 the index had no expiry of its own: a session was live while
// scs's row, keyed by the same hash, was. 0004 copies that expiry over, so
// live sessions stay signed in across the upgrade and dead ones stay dead.
// The copy joins on the key, so this also checks scs (with HashTokenInStore,
// as the board runs it) stores the SHA-256, base64url form the index uses.
func TestSessionExpiryMigrationCarriesOverScsExpiry(t *testing.T) {
	ctx := context.Background()
	d, _ := openTest(t)
	migrateThrough(t, d, "0003_sessions_throttle.sql")
	store, stop := d.SessionStore(0, time.Now)
	defer stop()
	sm := scs.New()
	sm.Store = store
	sm.HashTokenInStore = true
	sm.Lifetime = time.Hour
	// issue commits a real scs session with the given deadline.
	issue := func(deadline time.Time) (token string, expiry time.Time) {
		t.Helper()
		sctx, err := sm.Load(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		sm.Put(sctx, "user_id", int64(1))
		sm.SetDeadline(sctx, deadline)
		token, expiry, err = sm.Commit(sctx)
		if err != nil {
			t.Fatal(err)
		}
		return token, expiry
	}
	indexKey := func(token string) string {
		sum := sha256.Sum256([]byte(token))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	liveToken, liveExpiry := issue(time.Now().Add(time.Hour))
	deadToken, _ := issue(time.Now().Add(-time.Minute))

	var stored string
	if err := d.read.QueryRow(`SELECT token FROM sessions WHERE token != $1`, indexKey(deadToken)).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == liveToken {
		t.Fatal("scs stored the raw token: HashTokenInStore is not in effect")
	}
	if want := indexKey(liveToken); stored != want {
		t.Errorf("scs stored %q for the live session, want the index's key %q", stored, want)
	}

	// Index rows as the older board wrote them: a live, an expired and a
	// vanished (no scs row) session of one member.
	now := formatTime(time.Now())
	if _, err := d.write.Exec(`INSERT INTO users (id, email, display_name, created_at) VALUES (1, 'ann@example.com', 'Ann', $1)`, now); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{indexKey(liveToken), indexKey(deadToken), "vanished"} {
		if _, err := d.write.Exec(`INSERT INTO user_sessions (session_hash, user_id, created_at, last_seen_at) VALUES ($1, 1, $2, $2)`, h, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("Migrate from 0003: %v", err)
	}

	st := NewStores(d, time.Now, time.Minute)
	ss := forUser(t, st.SessionIndex, 1)
	if len(ss) != 1 || ss[0].Hash != indexKey(liveToken) {
		t.Fatalf("after 0004 ForUser = %v, want only the live session", hashes(ss))
	}
	if diff := ss[0].ExpiresAt.Sub(liveExpiry).Abs(); diff > 2*time.Millisecond {
		t.Errorf("after 0004 the live session expires %v, want scs's expiry %v", ss[0].ExpiresAt, liveExpiry)
	}
	for what, h := range map[string]string{"expired": indexKey(deadToken), "vanished": "vanished"} {
		if err := use(st.SessionIndex, time.Now(), h, 1, "192.0.2.1", time.Now().Add(time.Hour)); !errors.Is(err, errEnded) {
			t.Errorf("after 0004 use of the %s session = %v, want the session over", what, err)
		}
	}
	if err := use(st.SessionIndex, time.Now(), indexKey(liveToken), 1, "192.0.2.1", time.Now().Add(time.Hour)); err != nil {
		t.Errorf("after 0004 use of the live session = %v, want nil", err)
	}
}
