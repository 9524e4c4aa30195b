package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"board/models"
)

// csrfTarget is one state-changing route: who sends it, a second session to
// steal a valid token from, and how to tell whether anything changed.
type csrfTarget struct {
	name  string
	setup func(t *testing.T, ts *testServer, w cast) (actor, other *client, path string, form url.Values, changed func(t *testing.T) bool)
}

var csrfTargets = []csrfTarget{
	{"POST /posts", func(t *testing.T, ts *testServer, w cast) (*client, *client, string, url.Values, func(*testing.T) bool) {
		actor := ts.signedIn(t, "alice@example.com", alicePW)
		other := ts.signedIn(t, "alice@example.com", alicePW) // same person, another browser
		before := ts.count(t, "posts")
		return actor, other, "/posts", url.Values{"title": {"csrf title"}, "body": {"csrf body"}},
			func(t *testing.T) bool { return ts.count(t, "posts") != before }
	}},
	{"POST /login", func(t *testing.T, ts *testServer, w cast) (*client, *client, string, url.Values, func(*testing.T) bool) {
		actor := ts.clientT(t)
		actor.get("/login")
		other := ts.clientT(t)
		other.get("/login")
		return actor, other, "/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}},
			func(t *testing.T) bool {
				return actor.bind(t).get("/posts").Status != http.StatusUnauthorized || len(ts.auditEvents(t, models.AuditSignIn)) != 0
			}
	}},
	{"POST /logout", func(t *testing.T, ts *testServer, w cast) (*client, *client, string, url.Values, func(*testing.T) bool) {
		actor := ts.signedIn(t, "alice@example.com", alicePW)
		other := ts.signedIn(t, "alice@example.com", alicePW)
		return actor, other, "/logout", nil,
			func(t *testing.T) bool { return actor.bind(t).get("/posts").Status != http.StatusOK }
	}},
	{"POST /posts/:id/delete", func(t *testing.T, ts *testServer, w cast) (*client, *client, string, url.Values, func(*testing.T) bool) {
		actor := ts.signedIn(t, "alice@example.com", alicePW)
		other := ts.signedIn(t, "alice@example.com", alicePW)
		return actor, other, "/posts/" + itoa(w.Post.ID) + "/delete", nil,
			func(t *testing.T) bool { return ts.postByID(t, w.Post.ID) == nil }
	}},
	{"POST /admin/posts/:id/hide", func(t *testing.T, ts *testServer, w cast) (*client, *client, string, url.Values, func(*testing.T) bool) {
		actor := ts.signedIn(t, "ada@example.com", adminPW)
		other := ts.signedIn(t, "ada@example.com", adminPW)
		return actor, other, "/admin/posts/" + itoa(w.Post.ID) + "/hide", url.Values{"reason": {"csrf"}},
			func(t *testing.T) bool { return ts.postByID(t, w.Post.ID).Hidden() }
	}},
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	for _, target := range csrfTargets {
		t.Run(target.name, func(t *testing.T) {
			ts := newTestServer(t)
			w := ts.seedCast(t)
			actor, other, path, form, changed := target.setup(t, ts, w)
			refused := []struct {
				name  string
				token func(t *testing.T) string
			}{
				{"token missing", func(*testing.T) string { return "" }},
				{"wrong token", func(*testing.T) string { return "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }},
				{"valid token from another session", func(t *testing.T) string { return other.bind(t).csrf() }},
			}
			for _, r := range refused {
				t.Run(r.name, func(t *testing.T) {
					token := r.token(t)
					if own := actor.bind(t).csrf(); token == own {
						t.Fatalf("test setup: the other session's token equals the actor's own")
					}
					res := actor.bind(t).postToken(path, form, token)
					wantStatus(t, path, res, http.StatusForbidden)
					mustContain(t, "403 page", res.Body, "CSRF", "Nothing was changed")
					if changed(t) {
						t.Errorf("%s %s changed state", path, r.name)
					}
				})
				if r.name == "token missing" {
					continue // a missing header is the field case above
				}
				t.Run(r.name+" in the header", func(t *testing.T) {
					token := r.token(t)
					res := actor.bind(t).postWithHeader(path, form, token)
					wantStatus(t, path, res, http.StatusForbidden)
					if changed(t) {
						t.Errorf("%s %s (header) changed state", path, r.name)
					}
				})
			}
			t.Run("X-CSRF-Token header is accepted", func(t *testing.T) {
				c := actor.bind(t)
				res := c.postWithHeader(path, form, c.csrf())
				wantStatus(t, path, res, http.StatusSeeOther)
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
	ts := newTestServer(t)
	ts.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	c := ts.clientT(t)
	old := c.csrf()
	c.login("alice@example.com", alicePW)
	if now := c.csrf(); now == old {
		t.Fatalf("CSRF token unchanged across sign-in")
	}
	posts := ts.count(t, "posts")
	res := c.postToken("/posts", url.Values{"title": {"t"}, "body": {"b"}}, old)
	wantStatus(t, "POST /posts with the pre-sign-in token", res, http.StatusForbidden)
	if ts.count(t, "posts") != posts {
		t.Errorf("post created with a stale token")
	}
}
