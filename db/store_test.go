package db

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"board/models"
)

func TestPostListNewestFirstAndPages(t *testing.T) {
	for _, n := range []int{0, 1, 6, 7} { // 6 = exactly two pages of 3: no empty third page
		e := newEnv(t)
		ann := e.user(t, "Ann", models.RoleMember)
		var want []int64
		for i := 0; i < n; i++ {
			want = append([]int64{e.post(t, ann, "p").ID}, want...)
		}
		for _, f := range []models.PostListFilter{models.ListFilter(ann), {IncludeAllHidden: true}, {}} {
			got := ids(listAll(t, e.Posts, f, 3))
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("n=%d filter %+v: pages gave %v, want newest first %v", n, f, got, want)
			}
		}
		page, err := e.Posts.List(context.Background(), models.ListFilter(ann), 0, 3)
		if err != nil {
			t.Fatal(err)
		}
		wantNext := int64(0)
		if n > 3 {
			wantNext = want[2]
		}
		if page.NextBefore != wantNext {
			t.Errorf("n=%d: first page NextBefore = %d, want %d", n, page.NextBefore, wantNext)
		}
	}
}

// Paging through List yields exactly the posts CanSeePost allows, each once,
// newest first: members miss others' hidden posts but keep their own.
func TestPostListFilterMatchesPolicy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	boss := e.user(t, "Boss", models.RoleAdmin)
	ann := e.user(t, "Ann", models.RoleMember)
	bob := e.user(t, "Bob", models.RoleMember)
	var all []int64
	for i := 0; i < 40; i++ {
		by := ann
		if i%3 != 0 {
			by = bob
		}
		p := e.post(t, by, "p")
		all = append(all, p.ID)
		if i%4 == 1 || i%7 == 0 { // a mix of Ann's and Bob's posts, some adjacent
			if err := e.Posts.SetHidden(ctx, p.ID, true, "spam", models.Actor{UserID: boss.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, actor := range []*models.User{ann, bob, boss} {
		var want []int64
		hiddenOwn, hiddenOther := 0, 0
		for i := len(all) - 1; i >= 0; i-- {
			p, err := e.Posts.ByID(ctx, all[i])
			if err != nil {
				t.Fatal(err)
			}
			if models.CanSeePost(actor, p).Allowed() {
				want = append(want, p.ID)
				if p.Hidden() && p.AuthorID == actor.ID {
					hiddenOwn++
				} else if p.Hidden() {
					hiddenOther++
				}
			}
		}
		if actor != boss && (hiddenOwn == 0 || hiddenOther != 0) {
			t.Fatalf("fixture: %s should see some own hidden posts (%d) and no others' (%d)", actor.DisplayName, hiddenOwn, hiddenOther)
		}
		for _, limit := range []int{1, 4, 7, 100} {
			got := ids(listAll(t, e.Posts, models.ListFilter(actor), limit))
			if !slices.Equal(got, want) {
				t.Errorf("%s, pages of %d: got %v\nwant %v", actor.DisplayName, limit, got, want)
			}
		}
	}
	if got := len(listAll(t, e.Posts, models.ListFilter(boss), 5)); got != len(all) {
		t.Errorf("admin sees %d posts, want all %d", got, len(all))
	}
}

func TestPostListCommentCountsAndAuthor(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	boss := e.user(t, "Boss", models.RoleAdmin)
	ann := e.user(t, "Ann Writer", models.RoleMember)
	bob := e.user(t, "Bob", models.RoleMember)
	p1 := e.post(t, ann, "three comments, one hidden")
	p2 := e.post(t, bob, "no comments")
	for i, by := range []*models.User{bob, ann, boss} {
		c := e.comment(t, p1, by, "c")
		if i == 1 {
			if err := e.Comments.SetHidden(ctx, c.ID, true, "rude", models.Actor{UserID: boss.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.comment(t, p2, ann, "on p2")
	if err := e.Comments.SetHidden(ctx, e.comment(t, p2, ann, "hidden on p2").ID, true, "x", models.Actor{UserID: boss.ID}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []models.PostListFilter{models.ListFilter(ann), models.ListFilter(boss)} {
		page, err := e.Posts.List(ctx, f, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]*models.Post{}
		for _, p := range page.Posts {
			got[p.ID] = p
		}
		if got[p1.ID] == nil || got[p2.ID] == nil {
			t.Fatalf("filter %+v: list is missing posts: %v", f, ids(page.Posts))
		}
		if c := got[p1.ID].CommentCount; c != 2 {
			t.Errorf("filter %+v: post 1 CommentCount = %d, want 2 (hidden comment excluded)", f, c)
		}
		if c := got[p2.ID].CommentCount; c != 1 {
			t.Errorf("filter %+v: post 2 CommentCount = %d, want 1", f, c)
		}
		if a := got[p1.ID]; a.AuthorID != ann.ID || a.AuthorName != "Ann Writer" {
			t.Errorf("post 1 author = %d %q, want %d %q", a.AuthorID, a.AuthorName, ann.ID, "Ann Writer")
		}
		if a := got[p2.ID]; a.AuthorName != "Bob" {
			t.Errorf("post 2 author name = %q, want Bob", a.AuthorName)
		}
	}
	if p, _ := e.Posts.ByID(ctx, p1.ID); p == nil || p.CommentCount != 2 {
		t.Errorf("ByID CommentCount = %+v, want 2", p)
	}
}

// When an author's row is gone their posts and comments stay, with AuthorID 0
// and no name (views render "deleted member"; the policy says "a deleted member").
func TestDeletedAuthorLeavesOrphanedContent(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ann := e.user(t, "Ann", models.RoleMember)
	gone := e.user(t, "Gone Soon", models.RoleMember)
	p := e.post(t, gone, "orphan to be")
	c := e.comment(t, p, gone, "my own reply")
	other := e.comment(t, e.post(t, ann, "ann's"), gone, "reply on ann's post")

	if _, err := e.DB.write.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, gone.ID); err != nil {
		t.Fatalf("delete user row: %v", err)
	}
	got, err := e.Posts.ByID(ctx, p.ID)
	if err != nil {
		t.Fatalf("post after author deleted: %v", err)
	}
	if got.AuthorID != 0 || got.AuthorName != "" || got.Title != "orphan to be" {
		t.Errorf("orphaned post = {AuthorID:%d AuthorName:%q Title:%q}, want {0 \"\" \"orphan to be\"}", got.AuthorID, got.AuthorName, got.Title)
	}
	page, err := e.Posts.List(ctx, models.ListFilter(ann), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, lp := range page.Posts {
		if lp.ID == p.ID {
			found = true
			if lp.AuthorID != 0 || lp.AuthorName != "" || lp.CommentCount != 1 {
				t.Errorf("listed orphan = {AuthorID:%d AuthorName:%q CommentCount:%d}, want {0 \"\" 1}", lp.AuthorID, lp.AuthorName, lp.CommentCount)
			}
		}
	}
	if !found {
		t.Errorf("orphaned post %d missing from the list %v", p.ID, ids(page.Posts))
	}
	for _, id := range []int64{c.ID, other.ID} {
		gc, err := e.Comments.ByID(ctx, id)
		if err != nil {
			t.Fatalf("comment %d after author deleted: %v", id, err)
		}
		if gc.AuthorID != 0 || gc.AuthorName != "" {
			t.Errorf("orphaned comment = {AuthorID:%d AuthorName:%q}, want {0 \"\"}", gc.AuthorID, gc.AuthorName)
		}
	}
	d := models.CanEditPost(ann, got)
	if d.Outcome != models.DenyForbidden || !strings.Contains(d.Rule, "belongs to a deleted member") {
		t.Errorf("CanEditPost(orphan) = %v %q, want 403 naming a deleted member", d.Outcome, d.Rule)
	}
}

func TestPostCreateUpdateDelete(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ann := e.user(t, "Ann", models.RoleMember)
	p, err := e.Posts.Create(ctx, ann.ID, "Hello", "First body\nline two")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == 0 || p.AuthorID != ann.ID || p.AuthorName != "Ann" || p.Title != "Hello" || p.Body != "First body\nline two" ||
		p.Hidden() || p.CommentCount != 0 || p.CreatedAt.IsZero() || p.Edited() {
		t.Errorf("created post = %+v", p)
	}
	e.clock.Advance(time.Minute)
	if err := e.Posts.Update(ctx, p.ID, ann.ID, "Hello again", "Second body"); err != nil {
		t.Fatal(err)
	}
	u, err := e.Posts.ByID(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Title != "Hello again" || u.Body != "Second body" || !u.Edited() || !u.CreatedAt.Equal(p.CreatedAt) ||
		!u.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("updated post = %+v (want new title/body, Edited at %v, CreatedAt unchanged %v)", u, e.clock.Now(), p.CreatedAt)
	}

	// Delete cascades to the post's comments, and only its comments.
	keep := e.post(t, ann, "keep")
	keptComment := e.comment(t, keep, ann, "stays")
	var gone []int64
	for i := 0; i < 3; i++ {
		gone = append(gone, e.comment(t, p, ann, "goes").ID)
	}
	if err := e.Posts.Delete(ctx, p.ID, ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Posts.ByID(ctx, p.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ByID after Delete: %v, want ErrNotFound", err)
	}
	if n := e.count(t, `SELECT count(*) FROM comments WHERE post_id = ?`, p.ID); n != 0 {
		t.Errorf("%d comments of the deleted post remain, want 0 (ON DELETE CASCADE)", n)
	}
	for _, id := range gone {
		if _, err := e.Comments.ByID(ctx, id); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("comment %d of deleted post: %v, want ErrNotFound", id, err)
		}
	}
	if _, err := e.Comments.ByID(ctx, keptComment.ID); err != nil {
		t.Errorf("comment on another post: %v, want it kept", err)
	}

	// Unknown ids.
	if err := e.Posts.Update(ctx, 9999, ann.ID, "t", "b"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Update(unknown) = %v, want ErrNotFound", err)
	}
	if err := e.Posts.Delete(ctx, p.ID, ann.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Delete(already deleted) = %v, want ErrNotFound", err)
	}
	if _, err := e.Posts.ByID(ctx, 9999); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ByID(unknown) = %v, want ErrNotFound", err)
	}
	// A post needs an existing author (foreign key).
	if _, err := e.Posts.Create(ctx, 9999, "t", "b"); err == nil {
		t.Error("Create with an unknown author id succeeded; want a foreign key error")
	}
}

func TestCommentStore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	ann := e.user(t, "Ann", models.RoleMember)
	bob := e.user(t, "Bob", models.RoleMember)
	p := e.post(t, ann, "p")
	c1 := e.comment(t, p, bob, "first")
	c2 := e.comment(t, p, ann, "second\nwith a newline")
	if c1.PostID != p.ID || c1.AuthorID != bob.ID || c1.AuthorName != "Bob" || c1.Body != "first" {
		t.Errorf("created comment = %+v", c1)
	}
	e.clock.Advance(time.Minute)
	if err := e.Comments.Update(ctx, c1.ID, bob.ID, "first, edited"); err != nil {
		t.Fatal(err)
	}
	list, err := e.Comments.ForPost(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != c1.ID || list[1].ID != c2.ID {
		t.Fatalf("ForPost = %v, want oldest first [%d %d]", list, c1.ID, c2.ID)
	}
	if list[0].Body != "first, edited" || !list[0].Edited() || list[1].Edited() {
		t.Errorf("after Update: %+v / %+v", list[0], list[1])
	}
	if _, err := e.Comments.Create(ctx, 9999, ann.ID, "orphan"); err == nil {
		t.Error("comment on a missing post was accepted; want a foreign key error")
	}
	if err := e.Comments.Delete(ctx, c1.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Delete(deleted)":    e.Comments.Delete(ctx, c1.ID, bob.ID),
		"Update(unknown)":    e.Comments.Update(ctx, 9999, bob.ID, "x"),
		"SetHidden(unknown)": e.Comments.SetHidden(ctx, 9999, true, "r", models.Actor{UserID: ann.ID}),
	} {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := e.Comments.ByID(ctx, c1.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ByID(deleted) = %v, want ErrNotFound", err)
	}
	if n := len(e.auditRows(t)); n != 0 {
		t.Errorf("failed SetHidden left %d audit rows, want 0", n)
	}
}

// Hiding and restoring change the row and write the audit event together.
func TestSetHiddenAudited(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	boss := e.user(t, "Boss", models.RoleAdmin)
	ann := e.user(t, "Ann", models.RoleMember)
	p := e.post(t, ann, "p")
	c := e.comment(t, p, ann, "c")
	by := models.Actor{UserID: boss.ID, ClientIP: "192.0.2.7"}

	if err := e.Posts.SetHidden(ctx, p.ID, true, "off-topic", by); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Posts.ByID(ctx, p.ID)
	if !got.Hidden() || got.HiddenReason != "off-topic" {
		t.Errorf("hidden post = HiddenAt %v reason %q", got.HiddenAt, got.HiddenReason)
	}
	if err := e.Posts.SetHidden(ctx, p.ID, false, "", by); err != nil {
		t.Fatal(err)
	}
	got, _ = e.Posts.ByID(ctx, p.ID)
	if got.Hidden() || got.HiddenReason != "" {
		t.Errorf("restored post = HiddenAt %v reason %q", got.HiddenAt, got.HiddenReason)
	}
	if err := e.Comments.SetHidden(ctx, c.ID, true, "rude", by); err != nil {
		t.Fatal(err)
	}
	gc, _ := e.Comments.ByID(ctx, c.ID)
	if !gc.Hidden() || gc.HiddenReason != "rude" {
		t.Errorf("hidden comment = HiddenAt %v reason %q", gc.HiddenAt, gc.HiddenReason)
	}
	if err := e.Comments.SetHidden(ctx, c.ID, false, "", by); err != nil {
		t.Fatal(err)
	}
	if err := e.Posts.SetHidden(ctx, 9999, true, "x", by); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("SetHidden(unknown post) = %v, want ErrNotFound", err)
	}

	want := []auditRow{
		{sql.NullInt64{Int64: boss.ID, Valid: true}, "post_hidden", "post", sql.NullInt64{Int64: p.ID, Valid: true}, "off-topic", "192.0.2.7"},
		{sql.NullInt64{Int64: boss.ID, Valid: true}, "post_restored", "post", sql.NullInt64{Int64: p.ID, Valid: true}, "", "192.0.2.7"},
		{sql.NullInt64{Int64: boss.ID, Valid: true}, "comment_hidden", "comment", sql.NullInt64{Int64: c.ID, Valid: true}, "rude", "192.0.2.7"},
		{sql.NullInt64{Int64: boss.ID, Valid: true}, "comment_restored", "comment", sql.NullInt64{Int64: c.ID, Valid: true}, "", "192.0.2.7"},
	}
	if got := e.auditRows(t); !reflect.DeepEqual(got, want) {
		t.Errorf("audit rows:\n got %+v\nwant %+v", got, want)
	}
}

func TestUserCreateAndLookup(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	from := models.Actor{ClientIP: "192.0.2.1"}
	u, err := e.Users.Create(ctx, models.NewUser{Email: "Ann@Example.com", DisplayName: "Ann", PasswordHash: "$argon2id$x"}, "", from)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Email != "Ann@Example.com" || u.Role != models.RoleMember || u.IsSuspended() || !u.HasPassword ||
		!u.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("created user = %+v", u)
	}
	// An operator (or admin) creating the account is its registration's actor.
	social, err := e.Users.Create(ctx, models.NewUser{Email: "sol@example.com", EmailVerified: true, DisplayName: "Sol"},
		"via google", models.Actor{UserID: u.ID, ClientIP: "192.0.2.2"})
	if err != nil {
		t.Fatal(err)
	}
	if social.HasPassword || !social.EmailVerified {
		t.Errorf("provider-only user = %+v, want no password and verified email", social)
	}
	var isNull bool
	if err := e.DB.read.QueryRow(`SELECT password_hash IS NULL FROM users WHERE id = ?`, social.ID).Scan(&isNull); err != nil || !isNull {
		t.Errorf("provider-only user's password_hash IS NULL = %v (%v), want true", isNull, err)
	}
	// The hash is read only through Credentials and PasswordHash.
	if cu, hash, err := e.Users.Credentials(ctx, "ann@EXAMPLE.com"); err != nil || cu.ID != u.ID || hash != "$argon2id$x" {
		t.Errorf("Credentials(ann) = %+v, %q, %v; want ann with her hash", cu, hash, err)
	}
	if _, hash, err := e.Users.Credentials(ctx, "sol@example.com"); err != nil || hash != "" {
		t.Errorf("Credentials(sol) hash = %q, %v; want \"\" for an account without a password", hash, err)
	}
	if _, _, err := e.Users.Credentials(ctx, "nobody@example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Credentials(unknown) = %v, want ErrNotFound", err)
	}
	if hash, err := e.Users.PasswordHash(ctx, u.ID); err != nil || hash != "$argon2id$x" {
		t.Errorf("PasswordHash(ann) = %q, %v", hash, err)
	}
	if _, err := e.Users.PasswordHash(ctx, 9999); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("PasswordHash(unknown) = %v, want ErrNotFound", err)
	}

	for _, dup := range []string{"Ann@Example.com", "ann@example.com", "ANN@EXAMPLE.COM"} {
		if _, err := e.Users.Create(ctx, models.NewUser{Email: dup, DisplayName: "Impostor"}, "", from); !errors.Is(err, models.ErrConflict) {
			t.Errorf("Create(%q) with %q taken = %v, want ErrConflict", dup, u.Email, err)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM users`); n != 2 {
		t.Errorf("%d users after conflicts, want 2", n)
	}
	// Each registration is audited with it; the refused ones are not.
	want := []auditRow{
		{sql.NullInt64{Int64: u.ID, Valid: true}, "register", "user", sql.NullInt64{Int64: u.ID, Valid: true}, "", "192.0.2.1"},
		{sql.NullInt64{Int64: u.ID, Valid: true}, "register", "user", sql.NullInt64{Int64: social.ID, Valid: true}, "via google", "192.0.2.2"},
	}
	if got := e.auditRows(t); !reflect.DeepEqual(got, want) {
		t.Errorf("audit rows:\n got %+v\nwant %+v", got, want)
	}
	byEmail, err := e.Users.ByEmail(ctx, "aNN@example.COM")
	if err != nil || byEmail.ID != u.ID {
		t.Errorf("ByEmail(other case) = %v, %v; want user %d", byEmail, err, u.ID)
	}
	if _, err := e.Users.ByEmail(ctx, "nobody@example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ByEmail(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := e.Users.ByID(ctx, 9999); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ByID(unknown) = %v, want ErrNotFound", err)
	}
	list, err := e.Users.List(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != social.ID || list[1].ID != u.ID {
		t.Errorf("List = %v, %v; want newest first [%d %d]", list, err, social.ID, u.ID)
	}
}

func TestUserSetSuspendedAndRoleAudited(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	boss := e.user(t, "Boss", models.RoleAdmin)
	ann := e.user(t, "Ann", models.RoleMember)
	by := models.Actor{UserID: boss.ID, ClientIP: "198.51.100.1"}
	live := models.NewSession{Hash: "hash-ann", UserID: ann.ID, ExpiresAt: e.clock.Now().Add(time.Hour)}
	if err := e.SessionIndex.Record(ctx, live); err != nil {
		t.Fatal(err)
	}

	if err := e.Users.SetSuspended(ctx, ann.ID, true, "spamming", by); err != nil {
		t.Fatal(err)
	}
	if ss, err := e.SessionIndex.ForUser(ctx, ann.ID); err != nil || len(ss) != 0 {
		t.Errorf("after SetSuspended ann has %d sessions (%v), want 0: suspension ends them", len(ss), err)
	}
	got, _ := e.Users.ByID(ctx, ann.ID)
	if !got.IsSuspended() || got.SuspendReason != "spamming" {
		t.Errorf("suspended user = SuspendedAt %v reason %q", got.SuspendedAt, got.SuspendReason)
	}
	if err := e.Users.SetSuspended(ctx, ann.ID, false, "", by); err != nil {
		t.Fatal(err)
	}
	got, _ = e.Users.ByID(ctx, ann.ID)
	if got.IsSuspended() || got.SuspendReason != "" {
		t.Errorf("reinstated user = SuspendedAt %v reason %q", got.SuspendedAt, got.SuspendReason)
	}
	if err := e.SessionIndex.Record(ctx, live); err != nil {
		t.Fatal(err)
	}
	if err := e.Users.SetRole(ctx, ann.ID, models.RoleAdmin, by); err != nil {
		t.Fatal(err)
	}
	if ss, err := e.SessionIndex.ForUser(ctx, ann.ID); err != nil || len(ss) != 0 {
		t.Errorf("after SetRole ann has %d sessions (%v), want 0: a role change ends them", len(ss), err)
	}
	if got, _ = e.Users.ByID(ctx, ann.ID); !got.IsAdmin() {
		t.Errorf("after SetRole(admin) role = %q", got.Role)
	}
	if err := e.Users.SetRole(ctx, ann.ID, models.RoleMember, by); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.Users.ByID(ctx, ann.ID); got.IsAdmin() {
		t.Errorf("after SetRole(member) role = %q", got.Role)
	}
	// The operator's command: by email, acting as nobody from the command line.
	op, err := e.Users.ByEmail(ctx, "ANN@example.com")
	if err != nil || op.ID != ann.ID {
		t.Fatalf("ByEmail(ANN@example.com) = %+v, %v", op, err)
	}
	if err := e.Users.SetRole(ctx, op.ID, models.RoleAdmin, models.Actor{ClientIP: "command line"}); err != nil {
		t.Errorf("SetRole from the command line: %v", err)
	}

	// Unknown ids: ErrNotFound and no audit row.
	for name, err := range map[string]error{
		"SetSuspended": e.Users.SetSuspended(ctx, 9999, true, "x", by),
		"SetRole":      e.Users.SetRole(ctx, 9999, models.RoleAdmin, by),
	} {
		if !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s(unknown) = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := e.Users.ByEmail(ctx, "nobody@example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ByEmail(unknown) = %v, want ErrNotFound (the command line's refusal)", err)
	}
	// A bad role is refused by the schema, and not audited either.
	if err := e.Users.SetRole(ctx, ann.ID, models.Role("owner"), by); err == nil {
		t.Error("SetRole(\"owner\") succeeded; want the CHECK constraint to refuse it")
	}

	id := sql.NullInt64{Int64: ann.ID, Valid: true}
	actor := sql.NullInt64{Int64: boss.ID, Valid: true}
	want := []auditRow{
		{actor, "user_suspended", "user", id, "spamming", "198.51.100.1"},
		{actor, "user_reinstated", "user", id, "", "198.51.100.1"},
		{actor, "role_granted", "user", id, "", "198.51.100.1"},
		{actor, "role_revoked", "user", id, "", "198.51.100.1"},
		{sql.NullInt64{}, "role_granted", "user", id, "", "command line"},
	}
	if got := e.auditRows(t); !reflect.DeepEqual(got, want) {
		t.Errorf("audit rows:\n got %+v\nwant %+v", got, want)
	}
}

// The change and its audit row commit together: if the audit insert fails,
// the change is rolled back.
func TestUserChangesRollBackWhenAuditFails(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	boss := e.user(t, "Boss", models.RoleAdmin)
	ann := e.user(t, "Ann", models.RoleMember)
	p := e.post(t, ann, "p")
	if _, err := e.DB.write.ExecContext(ctx, `CREATE TRIGGER audit_fails BEFORE INSERT ON audit_events
		BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`); err != nil {
		t.Fatal(err)
	}
	by := models.Actor{UserID: boss.ID}
	if err := e.Users.SetSuspended(ctx, ann.ID, true, "spam", by); err == nil || !strings.Contains(err.Error(), "audit unavailable") {
		t.Errorf("SetSuspended with a failing audit = %v, want the audit error", err)
	}
	if err := e.Users.SetRole(ctx, ann.ID, models.RoleAdmin, by); err == nil {
		t.Error("SetRole with a failing audit succeeded")
	}
	if err := e.Posts.SetHidden(ctx, p.ID, true, "spam", by); err == nil {
		t.Error("SetHidden with a failing audit succeeded")
	}
	if _, err := e.Users.Create(ctx, models.NewUser{Email: "new@example.com", DisplayName: "New"}, "", models.Actor{}); err == nil {
		t.Error("Create with a failing audit succeeded")
	}
	if n := e.count(t, `SELECT count(*) FROM users WHERE email = 'new@example.com'`); n != 0 {
		t.Errorf("a registration without its audit row left %d users, want 0", n)
	}
	got, err := e.Users.ByID(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.IsSuspended() || got.IsAdmin() {
		t.Errorf("user changed without its audit row: suspended=%v role=%q", got.IsSuspended(), got.Role)
	}
	if gp, _ := e.Posts.ByID(ctx, p.ID); gp.Hidden() {
		t.Error("post hidden without its audit row")
	}
	// The writer is still usable after the rollbacks.
	if _, err := e.DB.write.ExecContext(ctx, `DROP TRIGGER audit_fails`); err != nil {
		t.Fatal(err)
	}
	if err := e.Users.SetSuspended(ctx, ann.ID, true, "spam", by); err != nil {
		t.Errorf("SetSuspended after the audit recovers: %v", err)
	}
}

// A deleted account's id is never handed to the next account: audit rows
// (actor_id has no foreign key) and stale references would otherwise point at
// someone else.
func TestDeletedUserIDIsNotReused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.user(t, "Ann", models.RoleMember)
	last := e.user(t, "Last", models.RoleMember)
	if err := e.Audit.Record(ctx, models.AuditEvent{ActorID: last.ID, Kind: models.AuditSignIn}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DB.write.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, last.ID); err != nil {
		t.Fatal(err)
	}
	next := e.user(t, "Newcomer", models.RoleMember)
	if next.ID == last.ID {
		t.Errorf("new account got id %d, the deleted account's id: its audit events now read as the newcomer's", next.ID)
	}
	page, err := e.Audit.List(ctx, models.AuditFilter{ActorID: next.ID}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 0 {
		t.Errorf("the newcomer has %d audit events they never caused", len(page.Events))
	}
}
