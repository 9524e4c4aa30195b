package handlers_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"board/models"
)

// Helpers shared by the HTTP test files. harness_test.go holds the server and
// the browser-like client; this file adds small conveniences on top of them.

// bind returns a view of the same browser (same cookie jar) that reports
// failures to t, so subtests never call FailNow on their parent.
func (c *client) bind(t *testing.T) *client {
	cc := *c
	cc.t = t
	return &cc
}

// clientT is a new browser bound to t.
func (ts *testServer) clientT(t *testing.T) *client {
	return ts.newClient().bind(t)
}

// tryDo is do without t.Fatal on transport errors, for tests where a broken
// connection (a server-side panic) is itself the finding.
func (c *client) tryDo(req *http.Request) (*response, error) {
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: string(b)}, nil
}

// postBody sends an already-encoded form body exactly as given, so a test
// controls every byte (invalid UTF-8, unusual escapes).
func (c *client) postBody(path, body string) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.ts.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// postWithHeader sends the form with the CSRF token in X-CSRF-Token instead
// of the _csrf field.
func (c *client) postWithHeader(path string, form url.Values, token string) *response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	req, err := http.NewRequest(http.MethodPost, c.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", token)
	return c.do(req)
}

// postToken sends the form with the given _csrf value ("" leaves it out).
func (c *client) postToken(path string, form url.Values, token string) *response {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if token != "" {
		f.Set("_csrf", token)
	}
	return c.postRaw(path, f)
}

// responseCookie returns the named cookie set by a response, or nil.
func (r *response) cookie(name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// count is the number of rows in a table.
func (ts *testServer) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := ts.DB.Read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// auditEvents lists the audit rows of one kind, newest first.
func (ts *testServer) auditEvents(t *testing.T, kind models.AuditKind) []*models.AuditEvent {
	t.Helper()
	page, err := ts.Audit.List(context.Background(), models.AuditFilter{Kind: kind}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

// post reads a post straight from the store (nil if it is gone).
func (ts *testServer) postByID(t *testing.T, id int64) *models.Post {
	t.Helper()
	p, err := ts.Posts.ByID(context.Background(), id)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		t.Fatal(err)
	}
	return p
}

// commentByID reads a comment straight from the store (nil if it is gone).
func (ts *testServer) commentByID(t *testing.T, id int64) *models.Comment {
	t.Helper()
	cm, err := ts.Comments.ByID(context.Background(), id)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		t.Fatal(err)
	}
	return cm
}

func (ts *testServer) userByID(t *testing.T, id int64) *models.User {
	t.Helper()
	u, err := ts.Users.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// seedPost writes a post directly through the store (fast, no HTTP).
func (ts *testServer) seedPost(t *testing.T, author *models.User, title, body string) *models.Post {
	t.Helper()
	p, err := ts.Posts.Create(context.Background(), author.ID, title, body)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (ts *testServer) seedComment(t *testing.T, p *models.Post, author *models.User, body string) *models.Comment {
	t.Helper()
	cm, err := ts.Comments.Create(context.Background(), p.ID, author.ID, body)
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

// cast is the usual set of people: an author, a second member and an admin,
// with one post and one comment by the author.
type cast struct {
	Alice, Bob, Admin *models.User
	Post              *models.Post
	Comment           *models.Comment
}

const (
	alicePW = "alice-password-1"
	bobPW   = "bob-password-22"
	adminPW = "admin-password-333"
)

func (ts *testServer) seedCast(t *testing.T) cast {
	t.Helper()
	var c cast
	c.Alice = ts.createUser("alice@example.com", "Alice Author", alicePW, models.RoleMember)
	c.Bob = ts.createUser("bob@example.com", "Bob Bystander", bobPW, models.RoleMember)
	c.Admin = ts.createUser("ada@example.com", "Ada Admin", adminPW, models.RoleAdmin)
	c.Post = ts.seedPost(t, c.Alice, "Seeded post title zq1", "Seeded post body zq2")
	c.Comment = ts.seedComment(t, c.Post, c.Alice, "Seeded comment text zq3")
	return c
}

// signedIn is a new browser signed in through the form.
func (ts *testServer) signedIn(t *testing.T, email, password string) *client {
	t.Helper()
	c := ts.clientT(t)
	c.login(email, password)
	return c
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustContain(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body does not contain %q\n--- body ---\n%s", what, s, clip(body))
		}
	}
}

func mustNotContain(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s: body must not contain %q\n--- body ---\n%s", what, s, clip(body))
		}
	}
}

func wantStatus(t *testing.T, what string, res *response, want int) bool {
	t.Helper()
	if res.Status != want {
		t.Errorf("%s: status %d, want %d\n--- body ---\n%s", what, res.Status, want, clip(res.Body))
		return false
	}
	return true
}

// clip keeps failure output readable: the <main> part of a page if present.
func clip(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}
