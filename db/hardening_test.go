package db

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"board/models"
	"board/models/clocktest"
)

// openHardening is a migrated database in a temp dir with stores on a
// movable clock.
func openHardening(tb testing.TB, opts ...Option) (*DB, *models.Stores, *clocktest.Clock) {
	tb.Helper()
	d, err := Open(filepath.Join(tb.TempDir(), "board.db"), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	clock := clocktest.At(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return d, NewStores(d, clock.Now, 15*time.Minute), clock
}

func newMember(tb testing.TB, st *models.Stores, email string, role models.Role) *models.User {
	tb.Helper()
	ctx := context.Background()
	u, err := st.Users.Create(ctx, models.NewUser{Email: email, DisplayName: email}, "", models.Actor{})
	if err != nil {
		tb.Fatal(err)
	}
	if role == models.RoleAdmin {
		if err := st.Users.SetRole(ctx, u.ID, role, models.Actor{}); err != nil {
			tb.Fatal(err)
		}
	}
	return u
}

// Each write rechecks its actor in its own transaction: the author for
// author-only writes, an unsuspended member for creation, an unsuspended
// admin (not the target) for moderation and member management. A missing
// target stays ErrNotFound.
func TestWritesRecheckTheActorInTheTransaction(t *testing.T) {
	_, st, _ := openHardening(t)
	ctx := context.Background()
	alice := newMember(t, st, "alice@example.com", models.RoleMember)
	bob := newMember(t, st, "bob@example.com", models.RoleMember)
	ann := newMember(t, st, "ann@example.com", models.RoleAdmin)
	ben := newMember(t, st, "ben@example.com", models.RoleAdmin)
	p, err := st.Posts.Create(ctx, alice.ID, "Title", "body")
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Comments.Create(ctx, p.ID, alice.ID, "comment")
	if err != nil {
		t.Fatal(err)
	}
	refused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, models.ErrRefusedAtWrite) {
			t.Errorf("%s: %v, want ErrRefusedAtWrite", what, err)
		}
	}
	refused("bob updating alice's post", st.Posts.Update(ctx, p.ID, bob.ID, "mine now", "x"))
	refused("bob deleting alice's post", st.Posts.Delete(ctx, p.ID, bob.ID))
	refused("bob updating alice's comment", st.Comments.Update(ctx, c.ID, bob.ID, "x"))
	refused("bob deleting alice's comment", st.Comments.Delete(ctx, c.ID, bob.ID))
	refused("a member hiding a post", st.Posts.SetHidden(ctx, p.ID, true, "x", models.Actor{UserID: bob.ID}))
	refused("a member suspending", st.Users.SetSuspended(ctx, alice.ID, true, "x", models.Actor{UserID: bob.ID}))
	refused("an admin suspending themselves", st.Users.SetSuspended(ctx, ann.ID, true, "x", models.Actor{UserID: ann.ID}))
	refused("a member ending another's sessions", func() error {
		_, err := st.SessionIndex.EndAll(ctx, alice.ID, "", "x", models.Actor{UserID: bob.ID})
		return err
	}())
	if got, _ := st.Posts.ByID(ctx, p.ID); got.Title != "Title" || got.Hidden() {
		t.Fatalf("post changed by refused writes: %+v", got)
	}
	if err := st.Posts.Update(ctx, 999, alice.ID, "t", "b"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("updating a missing post: %v, want ErrNotFound", err)
	}

	// Ben suspends Ann; Ann, checked a moment earlier, can no longer act.
	if err := st.Users.SetSuspended(ctx, ann.ID, true, "compromised", models.Actor{UserID: ben.ID}); err != nil {
		t.Fatal(err)
	}
	refused("a suspended admin suspending", st.Users.SetSuspended(ctx, ben.ID, true, "x", models.Actor{UserID: ann.ID}))
	refused("a suspended admin hiding", st.Comments.SetHidden(ctx, c.ID, true, "x", models.Actor{UserID: ann.ID}))
	refused("a suspended admin granting", st.Users.SetRole(ctx, bob.ID, models.RoleAdmin, models.Actor{UserID: ann.ID}))
	if err := st.Users.SetRole(ctx, ben.ID, models.RoleMember, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	refused("a demoted admin hiding", st.Posts.SetHidden(ctx, p.ID, true, "x", models.Actor{UserID: ben.ID}))

	// Alice, suspended, can no longer write, even her own.
	if err := st.Users.SetSuspended(ctx, alice.ID, true, "spam", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	refused("a suspended author updating", st.Posts.Update(ctx, p.ID, alice.ID, "t", "b"))
	refused("a suspended author commenting", func() error { _, err := st.Comments.Create(ctx, p.ID, alice.ID, "x"); return err }())
	refused("a suspended author posting", func() error { _, err := st.Posts.Create(ctx, alice.ID, "t", "b"); return err }())

	// A hidden post takes comments only from its author and admins.
	if err := st.Users.SetSuspended(ctx, alice.ID, false, "", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Posts.SetHidden(ctx, p.ID, true, "off topic", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	refused("bob commenting on a hidden post", func() error { _, err := st.Comments.Create(ctx, p.ID, bob.ID, "x"); return err }())
	if _, err := st.Comments.Create(ctx, p.ID, alice.ID, "mine"); err != nil {
		t.Errorf("the author commenting on her hidden post: %v", err)
	}
	if _, err := st.Comments.Create(ctx, 999, alice.ID, "x"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("commenting on a missing post: %v, want ErrNotFound", err)
	}
}

// Keys with their own window, and growing delays once Free are counted.
func TestThrottleWindowsAndBackoff(t *testing.T) {
	_, st, clock := openHardening(t)
	ctx := context.Background()
	key := models.ThrottleKey{Key: "k", Window: time.Hour, Free: 2, Backoff: time.Second, MaxDelay: 4 * time.Second}
	var waits []time.Duration
	for range 6 {
		_, wait, err := st.Throttle.Begin(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		waits = append(waits, wait)
		if wait > 0 {
			clock.Advance(wait)
		}
	}
	// free, free, wait 1 s, counted, wait 2 s, counted
	want := []time.Duration{0, 0, time.Second, 0, 2 * time.Second, 0}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	// The delay stops doubling at MaxDelay.
	for _, want := range []time.Duration{4 * time.Second, 4 * time.Second} {
		_, wait, _ := st.Throttle.Begin(ctx, key)
		if wait != want {
			t.Fatalf("wait %v, want %v", wait, want)
		}
		clock.Advance(wait)
		st.Throttle.Begin(ctx, key)
	}
	// Within the key's own hour the count stays: after a pause one attempt
	// goes through, and the next waits the longest delay again.
	waitsNow := func() (time.Duration, time.Duration) {
		_, first, _ := st.Throttle.Begin(ctx, key)
		_, second, _ := st.Throttle.Begin(ctx, key)
		return first, second
	}
	clock.Advance(50 * time.Minute) // past the store's default 15-minute window
	if first, second := waitsNow(); first != 0 || second != 4*time.Second {
		t.Errorf("within the hour: waits %v then %v, want 0 then 4s", first, second)
	}
	// Once the hour has passed, the free attempts are back.
	clock.Advance(time.Hour + time.Second)
	if first, second := waitsNow(); first != 0 || second != 0 {
		t.Errorf("after the hour: waits %v then %v, want 0 then 0", first, second)
	}
}

// Secrets are made once and the same for every instance on the database.
func TestSecretsAreSharedAndStable(t *testing.T) {
	d, st, clock := openHardening(t)
	ctx := context.Background()
	first, err := st.Secrets.Secret(ctx, models.SecretCSRF)
	if err != nil || len(first) != 32 {
		t.Fatalf("secret %x, %v; want 32 bytes", first, err)
	}
	other := NewStores(d, clock.Now, time.Minute) // another instance
	again, err := other.Secrets.Secret(ctx, models.SecretCSRF)
	if err != nil || string(again) != string(first) {
		t.Fatalf("another instance read %x, %v; want %x", again, err, first)
	}
	device, err := other.Secrets.Secret(ctx, models.SecretDevice)
	if err != nil || string(device) == string(first) {
		t.Fatalf("device secret %x, %v; want its own", device, err)
	}
}

// Strangers' failures gather into one open notice per member until it is
// dismissed; only the member can dismiss it.
func TestSignInNotices(t *testing.T) {
	_, st, clock := openHardening(t)
	ctx := context.Background()
	alice := newMember(t, st, "alice@example.com", models.RoleMember)
	bob := newMember(t, st, "bob@example.com", models.RoleMember)
	fail := func(ip string, notify bool) {
		t.Helper()
		if err := st.Notices.SignInFailed(ctx, models.AuditEvent{Kind: models.AuditSignInFailed, TargetType: "user", TargetID: alice.ID,
			ClientIP: ip}, notify, nil); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	start := clock.Now()
	fail("192.0.2.1", true)
	fail("192.0.2.2", false) // her own browser: audited, not noticed
	fail("192.0.2.3", true)
	n, err := st.Notices.Open(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Failures != 2 || !n.Since.Equal(start) || n.LatestIP != "192.0.2.3" {
		t.Errorf("notice %+v, want 2 failures since %v, latest from 192.0.2.3", n, start)
	}
	if err := st.Notices.Dismiss(ctx, bob.ID, n.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("bob dismissing alice's notice: %v, want ErrNotFound", err)
	}
	if err := st.Notices.Dismiss(ctx, alice.ID, n.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Notices.Open(ctx, alice.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("open notice after dismissing: %v", err)
	}
	fail("192.0.2.4", true)
	if n2, err := st.Notices.Open(ctx, alice.ID); err != nil || n2.ID == n.ID || n2.Failures != 1 {
		t.Errorf("a new failure after dismissing: %+v, %v; want a new notice of 1", n2, err)
	}
	page, err := st.Audit.List(ctx, models.AuditFilter{Kind: models.AuditSignInFailed}, 10)
	if err != nil || len(page.Events) != 4 {
		t.Errorf("%d sign_in_failed events, %v; want all 4 audited", len(page.Events), err)
	}
}

// FullSync opens both pools with synchronous=FULL (2); the default is
// NORMAL (1).
func TestFullSync(t *testing.T) {
	for _, tc := range []struct {
		opts []Option
		want int
	}{{nil, 1}, {[]Option{FullSync()}, 2}} {
		d, _, _ := openHardening(t, tc.opts...)
		for _, q := range []querier{d.write, d.read} {
			var got int
			if err := q.QueryRowContext(context.Background(), `PRAGMA synchronous`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("synchronous = %d, want %d", got, tc.want)
			}
		}
	}
}

// BenchmarkPostCreate measures a post's write under each durability:
// go test ./db -run '^$' -bench PostCreate
func BenchmarkPostCreate(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts []Option
	}{{"sync=normal", nil}, {"sync=full", []Option{FullSync()}}} {
		b.Run(tc.name, func(b *testing.B) {
			_, st, _ := openHardening(b, tc.opts...)
			author := newMember(b, st, "author@example.com", models.RoleMember)
			ctx := context.Background()
			for b.Loop() {
				if _, err := st.Posts.Create(ctx, author.ID, "A title", "A body of a few words."); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
