package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/labstack/echo/v4"

	"board/db"
	"board/handlers"
	"board/models"
)

// testServer is the real board (real handlers, real SQLite file in a temp
// dir) behind httptest.
type testServer struct {
	t   *testing.T
	URL string
	DB  *db.DB
	*models.Stores
	Echo *echo.Echo
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	d := testDB(t, filepath.Join(t.TempDir(), "board.db"))
	deps := testDeps(d, handlers.ThrottleWindow)
	ts := &testServer{t: t, DB: d, Stores: deps.Stores, Echo: handlers.New(deps)}
	srv := httptest.NewServer(ts.Echo)
	t.Cleanup(srv.Close)
	ts.URL = srv.URL
	return ts
}

// testDB opens and migrates the SQLite file at path for one test.
func testDB(tb testing.TB, path string) *db.DB {
	tb.Helper()
	d, err := db.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return d
}

// testDeps wires the board over d as cmd/board does, with a discarded log;
// callers add providers, proxies or their own logger.
func testDeps(d *db.DB, throttleWindow time.Duration) handlers.Deps {
	return handlers.Deps{
		Stores:   models.NewStores(d, throttleWindow),
		Sessions: handlers.NewSessionManager(sqlite3store.NewWithCleanupInterval(d.Write, 0), false),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// createUser makes an account directly in the store (registration itself is
// tested through HTTP elsewhere).
func (ts *testServer) createUser(email, name, password string, role models.Role) *models.User {
	ts.t.Helper()
	hash, err := models.HashPassword(password)
	if err != nil {
		ts.t.Fatal(err)
	}
	ctx := context.Background()
	u, err := ts.Users.Create(ctx, models.NewUser{Email: email, DisplayName: name, PasswordHash: hash})
	if err != nil {
		ts.t.Fatal(err)
	}
	if role == models.RoleAdmin {
		if err := ts.Users.SetRole(ctx, u.ID, role, models.Actor{}); err != nil {
			ts.t.Fatal(err)
		}
		u.Role = role
	}
	return u
}

// client is one browser: its own cookie jar, redirects not followed so tests
// see every 303.
type client struct {
	t  *testing.T
	ts *testServer
	hc *http.Client
	// password is the one this client last signed in with, for forms that
	// ask for the current password again.
	password string
}

func (ts *testServer) newClient() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: ts.t, ts: ts, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

func (r *response) Location() string { return r.Header.Get("Location") }

func (c *client) do(req *http.Request) *response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) get(path string) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.ts.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// postRaw sends the form exactly as given (no CSRF token added).
func (c *client) postRaw(path string, form url.Values) *response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// post sends the form with this client's CSRF token, as a browser would.
func (c *client) post(path string, form url.Values) *response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", c.csrf())
	return c.postRaw(path, form)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf reads the token from a page, as a browser's form would carry it.
func (c *client) csrf() string {
	c.t.Helper()
	// Signed in, every page has the sign-out form; anonymous, the sign-in page has a form.
	for _, path := range []string{"/", "/login"} {
		if m := csrfInput.FindStringSubmatch(c.get(path).Body); m != nil {
			return m[1]
		}
	}
	c.t.Fatal("no _csrf field on / or /login")
	return ""
}

// login signs in through the real form and fails the test if it does not work.
func (c *client) login(email, password string) {
	c.t.Helper()
	res := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303\n%s", email, res.Status, res.Body)
	}
	c.password = password
}

// sessionCookie is the current value of the session cookie ("" if none).
func (c *client) sessionCookie() string {
	u, _ := url.Parse(c.ts.URL)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "board_session" {
			return ck.Value
		}
	}
	return ""
}

// setSessionCookie replaces the session cookie, e.g. to replay an old one.
func (c *client) setSessionCookie(value string) {
	u, _ := url.Parse(c.ts.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "board_session", Value: value, Path: "/"}})
}
