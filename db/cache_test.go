package db

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"board/models"
)

// Two processes on one database file: what one writes, the other's cached
// reads show at once, whichever table the write touches.
func TestContentCacheSeesEveryWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "board.db")
	open := func() *models.Stores {
		d, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return NewStores(d, time.Now, time.Minute)
	}
	reader, writer := open(), open()
	author, err := writer.Users.Create(ctx, models.NewUser{Email: "ann@example.com", DisplayName: "Ann"}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	admin := models.Actor{} // the operator: no actor recheck
	p, err := writer.Posts.Create(ctx, author.ID, "First title", "body")
	if err != nil {
		t.Fatal(err)
	}
	members := models.PostListFilter{HiddenOfAuthor: 999}
	list := func(what string) *models.PostPage {
		t.Helper()
		page, err := reader.Posts.List(ctx, members, 0, 20)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return page
	}
	post := func(what string) *models.Post {
		t.Helper()
		got, err := reader.Posts.ByID(ctx, p.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return got
	}
	comments := func(what string) []*models.Comment {
		t.Helper()
		cs, err := reader.Comments.ForPost(ctx, p.ID)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return cs
	}
	// Read everything once, so each is cached before each write.
	if page := list("first read"); len(page.Posts) != 1 || page.Posts[0].Title != "First title" {
		t.Fatalf("first read: %+v", page.Posts)
	}
	post("first read")
	comments("first read")

	if err := writer.Posts.Update(ctx, p.ID, author.ID, "Second title", "body"); err != nil {
		t.Fatal(err)
	}
	if page := list("after an edit"); page.Posts[0].Title != "Second title" {
		t.Errorf("after an edit elsewhere the list shows %q", page.Posts[0].Title)
	}
	if got := post("after an edit"); got.Title != "Second title" {
		t.Errorf("after an edit elsewhere the post shows %q", got.Title)
	}

	if _, err := writer.Comments.Create(ctx, p.ID, author.ID, "A reply"); err != nil {
		t.Fatal(err)
	}
	if cs := comments("after a comment"); len(cs) != 1 {
		t.Errorf("after a comment elsewhere: %d comments", len(cs))
	}
	if page := list("after a comment"); page.Posts[0].CommentCount != 1 {
		t.Errorf("after a comment elsewhere the list counts %d", page.Posts[0].CommentCount)
	}
	if got := post("after a comment"); got.AuthorName != "Ann" {
		t.Fatalf("the post is by %q", got.AuthorName)
	}

	if err := writer.Users.UpdateProfile(ctx, author, "Ann Renamed", models.Actor{UserID: author.ID}); err != nil {
		t.Fatal(err)
	}
	if got := post("after a rename"); got.AuthorName != "Ann Renamed" {
		t.Errorf("after a rename elsewhere the post is by %q", got.AuthorName)
	}

	// A hidden post must leave members' lists on the very next read.
	if err := writer.Posts.SetHidden(ctx, p.ID, true, "spam", admin); err != nil {
		t.Fatal(err)
	}
	if page := list("after hiding"); len(page.Posts) != 0 {
		t.Errorf("BUG: a post hidden elsewhere is still listed: %+v", page.Posts)
	}
	if got := post("after hiding"); !got.Hidden() {
		t.Error("BUG: a post hidden elsewhere reads as not hidden")
	}

	if err := writer.Users.Delete(ctx, author.ID, true, admin); err != nil {
		t.Fatal(err)
	}
	if got := post("after the author left"); got.AuthorID != 0 {
		t.Errorf("after the author's account was deleted elsewhere the post names author %d", got.AuthorID)
	}
}

// Writes that change nothing pages show (sessions, audit, throttle) keep the
// cache: a page view does not pay for the sign-ins going on around it.
func TestContentCacheOutlivesOtherWrites(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann := e.user(t, "Ann", models.RoleMember)
	e.post(t, ann, "A post")
	if _, err := e.Posts.List(ctx, models.PostListFilter{}, 0, 20); err != nil {
		t.Fatal(err)
	}
	version := e.DB.cache.version
	e.signIn(t, ann, "hash-ann", "ua", "192.0.2.1")
	if err := e.Audit.Record(ctx, models.AuditEvent{Kind: models.AuditSignOut}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Throttle.Begin(ctx, models.ThrottleKey{Key: "k", Limit: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Posts.List(ctx, models.PostListFilter{}, 0, 20); err != nil {
		t.Fatal(err)
	}
	if e.DB.cache.version != version || len(e.DB.cache.entries) == 0 {
		t.Errorf("content version %d → %d with %d entries: sessions, audit or throttle writes dropped the cache",
			version, e.DB.cache.version, len(e.DB.cache.entries))
	}
}
