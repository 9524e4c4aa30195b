package db

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"board/models"
)

type auditFixture struct {
	e              *testEnv
	boss, ann, bob *models.User
	postID         int64
	at             map[int64]time.Time // when each seeded event was recorded
}

// seedAudit records seven events (ids 1..7) through Audit.Record, a second
// apart on the test clock:
//
//	1 sign_in         ann
//	2 sign_in_failed  anonymous
//	3 post_hidden     boss → post
//	4 user_suspended  boss → user ann
//	5 sign_in         bob
//	6 sign_out        ann
//	7 role_granted    boss → user bob
func seedAudit(t *testing.T) *auditFixture {
	t.Helper()
	e := newEnv(t)
	f := &auditFixture{e: e, at: map[int64]time.Time{},
		boss: e.user(t, "Boss", models.RoleAdmin), ann: e.user(t, "Ann", models.RoleMember), bob: e.user(t, "Bob", models.RoleMember)}
	f.postID = e.post(t, f.ann, "p").ID
	ctx := context.Background()
	for i, ev := range []models.AuditEvent{
		{ActorID: f.ann.ID, Kind: models.AuditSignIn, ClientIP: "192.0.2.1"},
		{Kind: models.AuditSignInFailed, Detail: "ann@example.com", ClientIP: "192.0.2.99"},
		{ActorID: f.boss.ID, Kind: models.AuditPostHidden, TargetType: "post", TargetID: f.postID, Detail: "spam", ClientIP: "192.0.2.2"},
		{ActorID: f.boss.ID, Kind: models.AuditUserSuspended, TargetType: "user", TargetID: f.ann.ID, Detail: "abuse", ClientIP: "192.0.2.2"},
		{ActorID: f.bob.ID, Kind: models.AuditSignIn, ClientIP: "192.0.2.3"},
		{ActorID: f.ann.ID, Kind: models.AuditSignOut, ClientIP: "192.0.2.1"},
		{ActorID: f.boss.ID, Kind: models.AuditRoleGranted, TargetType: "user", TargetID: f.bob.ID, ClientIP: "192.0.2.2"},
	} {
		e.clock.Advance(time.Second)
		if err := e.Audit.Record(ctx, ev); err != nil {
			t.Fatalf("Record(%s): %v", ev.Kind, err)
		}
		f.at[int64(i+1)] = e.clock.Now()
	}
	return f
}

func TestAuditVerifyCleanLog(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if n, err := e.Audit.Verify(ctx); n != 0 || err != nil {
		t.Errorf("Verify(empty log) = %d, %v; want 0, nil", n, err)
	}
	f := seedAudit(t)
	n, err := f.e.Audit.Verify(ctx)
	if err != nil || n != 7 {
		t.Fatalf("Verify(clean log) = %d, %v; want 7, nil", n, err)
	}
	// Store actions that audit themselves extend the same chain.
	if err := f.e.Users.SetSuspended(ctx, f.bob.ID, true, "x", models.Actor{UserID: f.boss.ID}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.e.Audit.Verify(ctx); err != nil || n != 8 {
		t.Errorf("Verify after an audited store action = %d, %v; want 8, nil", n, err)
	}
}

func TestAuditVerifyCatchesEditedRow(t *testing.T) {
	for _, tc := range []struct {
		field, set string
	}{
		{"detail", `detail = 'x'`},
		{"actor_id", `actor_id = 999`},
		{"actor_id to NULL", `actor_id = NULL`},
		{"kind", `kind = 'sign_in'`},
		{"target_id", `target_id = target_id + 1`},
		{"client_ip", `client_ip = '203.0.113.9'`},
		{"at", `at = '2000-01-01T00:00:00Z'`},
		{"hash", `hash = 'deadbeef'`},
		{"prev_hash", `prev_hash = ''`},
	} {
		t.Run(tc.field, func(t *testing.T) {
			f := seedAudit(t)
			ctx := context.Background()
			res, err := f.e.DB.write.ExecContext(ctx, `UPDATE audit_events SET `+tc.set+` WHERE id = 3`)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("tamper updated %d rows", n)
			}
			n, err := f.e.Audit.Verify(ctx)
			var broken *models.ErrAuditChainBroken
			if !errors.As(err, &broken) {
				t.Fatalf("Verify after editing %s of row 3 = %d, %v; want *ErrAuditChainBroken", tc.field, n, err)
			}
			if broken.ID != 3 {
				t.Errorf("chain reported broken at %d, want 3", broken.ID)
			}
			if n != 2 {
				t.Errorf("Verify checked %d good rows before the break, want 2", n)
			}
		})
	}
}

func TestAuditVerifyCatchesDeletedRow(t *testing.T) {
	for _, tc := range []struct {
		deleted, brokenAt int64
	}{{3, 4}, {1, 2}, {6, 7}} {
		f := seedAudit(t)
		ctx := context.Background()
		if _, err := f.e.DB.write.ExecContext(ctx, `DELETE FROM audit_events WHERE id = ?`, tc.deleted); err != nil {
			t.Fatal(err)
		}
		_, err := f.e.Audit.Verify(ctx)
		var broken *models.ErrAuditChainBroken
		if !errors.As(err, &broken) || broken.ID != tc.brokenAt {
			t.Errorf("after deleting row %d: Verify = %v, want *ErrAuditChainBroken at %d", tc.deleted, err, tc.brokenAt)
		}
	}
}

func TestAuditListFiltersAndPages(t *testing.T) {
	ctx := context.Background()
	f := seedAudit(t)
	list := func(filter models.AuditFilter, limit int) *models.AuditPage {
		t.Helper()
		page, err := f.e.Audit.List(ctx, filter, limit)
		if err != nil {
			t.Fatal(err)
		}
		return page
	}
	eventIDs := func(evs []*models.AuditEvent) []int64 {
		var out []int64
		for _, ev := range evs {
			out = append(out, ev.ID)
		}
		return out
	}

	all := list(models.AuditFilter{}, 100)
	if got := eventIDs(all.Events); !slices.Equal(got, []int64{7, 6, 5, 4, 3, 2, 1}) || all.NextBefore != 0 {
		t.Fatalf("List(all) = %v next %d, want newest first [7..1], next 0", got, all.NextBefore)
	}
	byID := map[int64]*models.AuditEvent{}
	for i, ev := range all.Events {
		byID[ev.ID] = ev
		if !ev.At.Equal(f.at[ev.ID]) {
			t.Errorf("event %d At = %v, want the clock's time when it was recorded, %v", ev.ID, ev.At, f.at[ev.ID])
		}
		if i+1 < len(all.Events) && ev.PrevHash != all.Events[i+1].Hash {
			t.Errorf("event %d PrevHash %q does not link to event %d's hash %q", ev.ID, ev.PrevHash, all.Events[i+1].ID, all.Events[i+1].Hash)
		}
	}
	if ev := byID[3]; ev.ActorID != f.boss.ID || ev.ActorName != "Boss" || ev.Kind != models.AuditPostHidden ||
		ev.TargetType != "post" || ev.TargetID != f.postID || ev.Detail != "spam" || ev.ClientIP != "192.0.2.2" {
		t.Errorf("event 3 = %+v", ev)
	}
	if ev := byID[2]; ev.ActorID != 0 || ev.ActorName != "" || ev.Detail != "ann@example.com" || ev.TargetID != 0 {
		t.Errorf("anonymous event 2 = %+v", ev)
	}
	if byID[1].PrevHash != "" {
		t.Errorf("first event PrevHash = %q, want empty", byID[1].PrevHash)
	}

	// By kind.
	if got := eventIDs(list(models.AuditFilter{Kind: models.AuditSignIn}, 100).Events); !slices.Equal(got, []int64{5, 1}) {
		t.Errorf("List(kind=sign_in) = %v, want [5 1]", got)
	}
	if got := list(models.AuditFilter{Kind: models.AuditRoleRevoked}, 100).Events; len(got) != 0 {
		t.Errorf("List(kind=role_revoked) = %v, want none", eventIDs(got))
	}

	// By actor: every event the person did, and nothing unrelated to them
	// (events about them as a target user may be included).
	for _, u := range []*models.User{f.boss, f.ann, f.bob} {
		got := list(models.AuditFilter{ActorID: u.ID}, 100).Events
		seen := map[int64]bool{}
		for _, ev := range got {
			seen[ev.ID] = true
			if ev.ActorID != u.ID && !(ev.TargetType == "user" && ev.TargetID == u.ID) {
				t.Errorf("List(actor=%s) includes unrelated event %+v", u.DisplayName, ev)
			}
		}
		for _, ev := range all.Events {
			if ev.ActorID == u.ID && !seen[ev.ID] {
				t.Errorf("List(actor=%s) is missing their event %d (%s)", u.DisplayName, ev.ID, ev.Kind)
			}
		}
		if !slices.IsSortedFunc(got, func(a, b *models.AuditEvent) int { return int(b.ID - a.ID) }) {
			t.Errorf("List(actor=%s) not newest first: %v", u.DisplayName, eventIDs(got))
		}
	}
	if got := eventIDs(list(models.AuditFilter{ActorID: f.boss.ID}, 100).Events); !slices.Equal(got, []int64{7, 4, 3}) {
		t.Errorf("List(actor=boss) = %v, want [7 4 3]", got)
	}
	if got := eventIDs(list(models.AuditFilter{ActorID: f.ann.ID, Kind: models.AuditSignIn}, 100).Events); !slices.Equal(got, []int64{1}) {
		t.Errorf("List(actor=ann, kind=sign_in) = %v, want [1]", got)
	}

	// Pages.
	var pages [][]int64
	var nexts []int64
	before := int64(0)
	for i := 0; i < 10; i++ {
		p := list(models.AuditFilter{Before: before}, 3)
		pages = append(pages, eventIDs(p.Events))
		nexts = append(nexts, p.NextBefore)
		if p.NextBefore == 0 {
			break
		}
		before = p.NextBefore
	}
	if want := [][]int64{{7, 6, 5}, {4, 3, 2}, {1}}; !slices.EqualFunc(pages, want, slices.Equal) || !slices.Equal(nexts, []int64{5, 2, 0}) {
		t.Errorf("pages of 3 = %v (next %v), want %v (next [5 2 0])", pages, nexts, want)
	}
	p1 := list(models.AuditFilter{Kind: models.AuditSignIn}, 1)
	p2 := list(models.AuditFilter{Kind: models.AuditSignIn, Before: p1.NextBefore}, 1)
	if !slices.Equal(eventIDs(p1.Events), []int64{5}) || p1.NextBefore != 5 || !slices.Equal(eventIDs(p2.Events), []int64{1}) || p2.NextBefore != 0 {
		t.Errorf("filtered pages of 1 = %v next %d, %v next %d; want [5] next 5, [1] next 0",
			eventIDs(p1.Events), p1.NextBefore, eventIDs(p2.Events), p2.NextBefore)
	}
}

func TestAuditKindsListsStoreKinds(t *testing.T) {
	kinds := models.AuditKinds()
	for _, k := range []models.AuditKind{models.AuditPostHidden, models.AuditPostRestored, models.AuditCommentHidden,
		models.AuditCommentRestored, models.AuditUserSuspended, models.AuditUserReinstated, models.AuditRoleGranted,
		models.AuditRoleRevoked, models.AuditSignIn, models.AuditSignInFailed, models.AuditSignOut, models.AuditRegister} {
		if !slices.Contains(kinds, k) {
			t.Errorf("AuditKinds() lacks %q, so the admin page cannot filter by it", k)
		}
	}
}
