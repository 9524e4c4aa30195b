package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// csrfTarget is one state-changing route: who sends it, a second session to
// steal a valid token from, and how to tell whether anything changed.
type csrfTarget struct {
	name  string
	setup func(t *testing.T, b *boardtest.Board, w cast) (actor, other *boardtest.Client, path string, form url.Values, changed func(t *testing.T) bool)
}

var csrfTargets = []csrfTarget{
	{"POST /posts", func(t *testing.T, b *boardtest.Board, w cast) (*boardtest.Client, *boardtest.Client, string, url.Values, func(*testing.T) bool) {
		actor := b.SignedIn(t, "alice@example.com", alicePW)
		other := b.SignedIn(t, "alice@example.com", alicePW) // same person, another browser
		before := len(b.AllPosts(t))
		return actor, other, "/posts", url.Values{"title": {"csrf title"}, "body": {"csrf body"}},
			func(t *testing.T) bool { return len(b.AllPosts(t)) != before }
	}},
	{"POST /login", func(t *testing.T, b *boardtest.Board, w cast) (*boardtest.Client, *boardtest.Client, string, url.Values, func(*testing.T) bool) {
		actor := b.Client(t)
		actor.Get("/login")
		other := b.Client(t)
		other.Get("/login")
		return actor, other, "/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}},
			func(t *testing.T) bool {
				return actor.Bind(t).Get("/posts").Status != http.StatusUnauthorized || len(b.AuditEvents(t, models.AuditSignIn)) != 0
			}
	}},
	{"POST /logout", func(t *testing.T, b *boardtest.Board, w cast) (*boardtest.Client, *boardtest.Client, string, url.Values, func(*testing.T) bool) {
		actor := b.SignedIn(t, "alice@example.com", alicePW)
		other := b.SignedIn(t, "alice@example.com", alicePW)
		return actor, other, "/logout", nil,
			func(t *testing.T) bool { return actor.Bind(t).Get("/posts").Status != http.StatusOK }
	}},
	{"POST /posts/:id/delete", func(t *testing.T, b *boardtest.Board, w cast) (*boardtest.Client, *boardtest.Client, string, url.Values, func(*testing.T) bool) {
		actor := b.SignedIn(t, "alice@example.com", alicePW)
		other := b.SignedIn(t, "alice@example.com", alicePW)
		return actor, other, "/posts/" + itoa(w.Post.ID) + "/delete", nil,
			func(t *testing.T) bool { return b.Post(t, w.Post.ID) == nil }
	}},
	{"POST /admin/posts/:id/hide", func(t *testing.T, b *boardtest.Board, w cast) (*boardtest.Client, *boardtest.Client, string, url.Values, func(*testing.T) bool) {
		actor := b.SignedIn(t, "ada@example.com", adminPW)
		other := b.SignedIn(t, "ada@example.com", adminPW)
		return actor, other, "/admin/posts/" + itoa(w.Post.ID) + "/hide", url.Values{"reason": {"csrf"}},
			func(t *testing.T) bool { return b.Post(t, w.Post.ID).Hidden() }
	}},
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	for _, target := range csrfTargets {
		t.Run(target.name, func(t *testing.T) {
			b := boardtest.New(t, boardtest.Options{})
			w := seedCast(t, b)
			actor, other, path, form, changed := target.setup(t, b, w)
			refused := []struct {
				name  string
				token func(t *testing.T) string
			}{
				{"token missing", func(*testing.T) string { return "" }},
				{"wrong token", func(*testing.T) string { return "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }},
				{"valid token from another session", func(t *testing.T) string { return other.Bind(t).CSRF() }},
			}
			for _, r := range refused {
				t.Run(r.name, func(t *testing.T) {
					token := r.token(t)
					if own := actor.Bind(t).CSRF(); token == own {
						t.Fatalf("test setup: the other session's token equals the actor's own")
					}
					res := actor.Bind(t).PostToken(path, form, token)
					boardtest.WantStatus(t, path, res, http.StatusForbidden)
					boardtest.MustContain(t, "403 page", res.Body, "CSRF", "Nothing was changed")
					if changed(t) {
						t.Errorf("%s %s changed state", path, r.name)
					}
				})
				if r.name == "token missing" {
					continue // a missing header is the field case above
				}
				t.Run(r.name+" in the header", func(t *testing.T) {
					token := r.token(t)
					res := actor.Bind(t).PostWithHeader(path, form, token)
					boardtest.WantStatus(t, path, res, http.StatusForbidden)
					if changed(t) {
						t.Errorf("%s %s (header) changed state", path, r.name)
					}
				})
			}
			t.Run("X-CSRF-Token header is accepted", func(t *testing.T) {
				c := actor.Bind(t)
				res := c.PostWithHeader(path, form, c.CSRF())
				boardtest.WantStatus(t, path, res, http.StatusSeeOther)
				if !changed(t) {
					t.Errorf("%s with a valid X-CSRF-Token header changed nothing", path)
				}
			})
		})
	}
}

// The token an anonymous visitor saw before signing in is not valid after.
func TestCSRFTokenRotatesOnSignIn(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	c := b.Client(t)
	old := c.CSRF()
	c.Login("alice@example.com", alicePW)
	if now := c.CSRF(); now == old {
		t.Fatalf("CSRF token unchanged across sign-in")
	}
	posts := len(b.AllPosts(t))
	res := c.PostToken("/posts", url.Values{"title": {"t"}, "body": {"b"}}, old)
	boardtest.WantStatus(t, "POST /posts with the pre-sign-in token", res, http.StatusForbidden)
	if len(b.AllPosts(t)) != posts {
		t.Errorf("post created with a stale token")
	}
}
