package boardtest

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"board/models"
	"board/models/auth"
)

// Seeding and reading state through the stores' public API, failing the
// test on any store error.

// CreateUser makes an account directly in the store, as an operator would
// (registration itself is tested through HTTP).
func (b *Board) CreateUser(t testing.TB, email, name, password string, role models.Role) *models.User {
	t.Helper()
	u, err := b.Users.Create(context.Background(), models.NewUser{Email: email, DisplayName: name, PasswordHash: Hash(t, password)},
		"seeded by the test", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if role != models.RoleMember {
		if err := b.Users.SetRole(context.Background(), u.ID, role, models.Actor{}); err != nil {
			t.Fatal(err)
		}
		u.Role = role
	}
	return u
}

// Hash is the stored form of password.
func Hash(t testing.TB, password string) string {
	t.Helper()
	hash, err := auth.HashPassword(password)
	return must(t, hash, err)
}

// CreatePost writes a post directly through the store (fast, no HTTP).
func (b *Board) CreatePost(t testing.TB, author *models.User, title, body string) *models.Post {
	t.Helper()
	p, err := b.Posts.Create(context.Background(), author.ID, title, body)
	return must(t, p, err)
}

// CreateComment writes a comment directly through the store.
func (b *Board) CreateComment(t testing.TB, p *models.Post, author *models.User, body string) *models.Comment {
	t.Helper()
	cm, err := b.Comments.Create(context.Background(), p.ID, author.ID, body)
	return must(t, cm, err)
}

// must fails the test on a store error.
func must[T any](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// orNil turns ErrNotFound into nil, failing the test on any other error.
func orNil[T any](t testing.TB, v *T, err error) *T {
	t.Helper()
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	return must(t, v, err)
}

// User is the account with id (nil if there is none).
func (b *Board) User(t testing.TB, id int64) *models.User {
	t.Helper()
	u, err := b.Users.ByID(context.Background(), id)
	return orNil(t, u, err)
}

// UserByEmail is the account with email (nil if there is none).
func (b *Board) UserByEmail(t testing.TB, email string) *models.User {
	t.Helper()
	u, err := b.Users.ByEmail(context.Background(), email)
	return orNil(t, u, err)
}

// PasswordHash is the stored hash of a user's password ("" for none).
func (b *Board) PasswordHash(t testing.TB, userID int64) string {
	t.Helper()
	hash, err := b.Users.PasswordHash(context.Background(), userID)
	return must(t, hash, err)
}

// Post is the post with id, hidden or not (nil if it is gone).
func (b *Board) Post(t testing.TB, id int64) *models.Post {
	t.Helper()
	p, err := b.Posts.ByID(context.Background(), id)
	return orNil(t, p, err)
}

// Comment is the comment with id, hidden or not (nil if it is gone).
func (b *Board) Comment(t testing.TB, id int64) *models.Comment {
	t.Helper()
	cm, err := b.Comments.ByID(context.Background(), id)
	return orNil(t, cm, err)
}

// AllUsers is every account, newest first.
func (b *Board) AllUsers(t testing.TB) []*models.User {
	t.Helper()
	us, err := b.Users.List(context.Background(), math.MaxInt32)
	return must(t, us, err)
}

// AllPosts is every post, hidden ones included, newest first.
func (b *Board) AllPosts(t testing.TB) []*models.Post {
	t.Helper()
	var out []*models.Post
	for before := int64(0); ; {
		page, err := b.Posts.List(context.Background(), models.PostListFilter{IncludeAllHidden: true}, before, 1000)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Posts...)
		if page.NextBefore == 0 {
			return out
		}
		before = page.NextBefore
	}
}

// CommentsOn is a post's comments, hidden ones included, oldest first.
func (b *Board) CommentsOn(t testing.TB, postID int64) []*models.Comment {
	t.Helper()
	cms, err := b.Comments.ForPost(context.Background(), postID)
	return must(t, cms, err)
}

// AllComments is every comment: each belongs to a post.
func (b *Board) AllComments(t testing.TB) []*models.Comment {
	t.Helper()
	return collect(b.AllPosts(t), func(p *models.Post) []*models.Comment { return b.CommentsOn(t, p.ID) })
}

// collect gathers the children of every parent.
func collect[P, C any](parents []P, children func(P) []C) []C {
	var out []C
	for _, p := range parents {
		out = append(out, children(p)...)
	}
	return out
}

// IdentitiesOf is a user's linked provider identities.
func (b *Board) IdentitiesOf(t testing.TB, userID int64) []*models.Identity {
	t.Helper()
	ids, err := b.Identities.ForUser(context.Background(), userID)
	return must(t, ids, err)
}

// AllIdentities is every linked identity: each belongs to an account.
func (b *Board) AllIdentities(t testing.TB) []*models.Identity {
	t.Helper()
	return collect(b.AllUsers(t), func(u *models.User) []*models.Identity { return b.IdentitiesOf(t, u.ID) })
}

// SessionsOf is a user's live sessions, most recently used first.
func (b *Board) SessionsOf(t testing.TB, userID int64) []*models.Session {
	t.Helper()
	ss, err := b.SessionIndex.ForUser(context.Background(), userID)
	return must(t, ss, err)
}

// AuditEvents lists the audit events of one kind ("" for all), newest first.
func (b *Board) AuditEvents(t testing.TB, kind models.AuditKind) []*models.AuditEvent {
	t.Helper()
	var out []*models.AuditEvent
	f := models.AuditFilter{Kind: kind}
	for {
		page, err := b.Audit.List(context.Background(), f, 1000)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Events...)
		if page.NextBefore == 0 {
			return out
		}
		f.Before = page.NextBefore
	}
}

// AuditAbout lists the events of one kind about a user, newest first.
func (b *Board) AuditAbout(t testing.TB, kind models.AuditKind, userID int64) []*models.AuditEvent {
	t.Helper()
	var out []*models.AuditEvent
	for _, e := range b.AuditEvents(t, kind) {
		if e.TargetType == "user" && e.TargetID == userID {
			out = append(out, e)
		}
	}
	return out
}

// Writes is how many rows the board has changed in its database so far.
func (b *Board) Writes(t testing.TB) int64 {
	t.Helper()
	n, err := b.db.Changes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Mails are the messages the board wrote to address, newest first, as its
// outbox holds them (no SMTP server needed).
func (b *Board) Mails(t testing.TB, address string) []*models.Mail {
	t.Helper()
	mails, err := b.Outbox.Recent(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*models.Mail
	for _, m := range mails {
		if strings.EqualFold(m.To, address) {
			out = append(out, m)
		}
	}
	return out
}

// LinkTo is the one link to path (on this board) in a message's text, or
// fails the test.
func (b *Board) LinkTo(t testing.TB, text, path string) string {
	t.Helper()
	return LinkTo(t, text, b.URL, path)
}

// LinkTo is the one link to base+path in a message's text, or fails the
// test.
func LinkTo(t testing.TB, text, base, path string) string {
	t.Helper()
	var links []string
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, base+path+"?") || f == base+path {
			links = append(links, f)
		}
	}
	if len(links) != 1 {
		t.Fatalf("want one link to %s%s in the message, found %d:\n%s", base, path, len(links), text)
	}
	return links[0]
}
