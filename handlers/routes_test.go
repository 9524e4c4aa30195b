package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"board/handlers/boardtest"
	"board/models"
)

// publicRoutes may answer an anonymous request with something other than
// 401. Everything else in the route table must refuse with 401.
var publicRoutes = map[string]bool{
	"GET /":          true,
	"GET /healthz":   true,
	"GET /static/*":  true,
	"GET /login":     true,
	"POST /login":    true,
	"GET /register":  true,
	"POST /register": true,
	// Links in mail are for whoever holds them, signed in or not; the walk
	// still proves they show no member content.
	"GET /password/forgot":  true,
	"POST /password/forgot": true,
	"GET /password/reset":   true,
	"POST /password/reset":  true,
	"GET /email/confirm":    true,
	"POST /email/confirm":   true,
	// 404 outside demo mode; in demo mode, open to all (see README).
	"GET /dev/mailbox":          true,
	"GET /dev/mailbox/:id/html": true,
	// The ladder pages are for anyone; their live parts need sign-in.
	"GET /learn":          true,
	"GET /learn/header":   true,
	"GET /learn/browser":  true,
	"GET /learn/session":  true,
	"GET /learn/token":    true,
	"GET /learn/oauth":    true,
	"GET /learn/problems": true,
	// Public keys are public.
	"GET /.well-known/jwks.json": true,
	// The token endpoints take their credential in the body, and unknown
	// API paths answer 404 before any credential is asked for; the API
	// walk (api_test.go) proves none of them answers 2xx without one.
	"POST /api/v1/token":         true,
	"POST /api/v1/token/refresh": true,
	"POST /api/v1/token/revoke":  true,
	"GET /api":                   true,
	"GET /api/*":                 true,
}

func isPublic(method, path string) bool {
	// Social sign-in start and callback routes, if any.
	if strings.HasPrefix(path, "/auth/") {
		return true
	}
	if method == http.MethodHead {
		method = http.MethodGet // HEAD is GET without the body
	}
	return publicRoutes[method+" "+path]
}

var paramRe = regexp.MustCompile(`:[A-Za-z_]+`)

// routePath fills a route's parameters with the seeded cast: a comment's
// id on comment routes, Alice's on member routes, the post's elsewhere.
func routePath(route string, w cast) string {
	id := w.Post.ID
	switch {
	case strings.Contains(route, "/comments/") && !strings.HasPrefix(route, "/posts/"):
		id = w.Comment.ID
	case strings.Contains(route, "/users/") || strings.HasPrefix(route, "/members/"):
		id = w.Alice.ID
	}
	path := strings.ReplaceAll(route, ":provider", "google")
	path = paramRe.ReplaceAllString(path, itoa(id))
	return strings.ReplaceAll(path, "*", "style.css")
}

// TestRouteWalkAnonymous requests every registered route without cookies and
// proves no member-only route answers with content.
func TestRouteWalkAnonymous(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	b.CreateComment(t, w.Post, w.Bob, "Bob's seeded reply zq4") // notifies alice
	if _, err := b.Reports.Create(t.Context(), models.PostRef(w.Post.ID), "Bob's seeded report zq5", models.Actor{UserID: w.Bob.ID}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{w.Post.Title, w.Post.Body, w.Comment.Body, "Bob's seeded reply zq4", "Bob's seeded report zq5",
		"alice@example.com", "bob@example.com", "ada@example.com"}

	before := boardState(t, b)
	routes := b.Echo.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	walked := map[string]bool{}
	for _, r := range routes {
		method := r.Method
		if method == echo.RouteNotFound {
			// Catch-all 404 routes that groups register: probe them with GET.
			method = http.MethodGet
		}
		path := routePath(r.Path, w)
		walked[r.Method+" "+r.Path] = true

		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			c := b.Client(t) // no cookies at all
			var res *boardtest.Response
			switch method {
			case http.MethodGet:
				res = c.Get(path)
			case http.MethodPost:
				res = c.PostRaw(path, url.Values{})
			default:
				req, err := http.NewRequest(method, b.URL+path, strings.NewReader(""))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res = c.Do(req)
			}
			if res.Status >= 500 {
				t.Errorf("%s %s: %d", method, path, res.Status)
			}
			if !isPublic(method, r.Path) && res.Status != http.StatusUnauthorized {
				t.Errorf("%s %s (route %s): anonymous status %d, want 401", method, path, r.Path, res.Status)
			}
			// Public routes must not leak member content either.
			boardtest.MustNotContain(t, method+" "+path, res.Body, secrets...)
		})
	}
	for _, must := range []string{"GET /posts", "GET /posts/:id", "POST /admin/users/:id/role", "GET /comments/:id/edit", "GET /admin",
		"POST /account/email/verify", "POST /admin/users/:id/verification", "GET /password/reset", "GET /email/confirm",
		"POST /posts/:id/report", "POST /comments/:id/report", "GET /admin/reports", "POST /admin/reports/:id/dismiss",
		"GET /notifications", "POST /notifications/:id/read", "POST /notifications/read-all", "GET /notifications/settings", "POST /notifications/settings",
		"GET /posts/:id/delete", "GET /comments/:id/delete", "GET /admin/users/:id/role",
		"GET /admin/posts/:id/delete", "POST /admin/posts/:id/delete", "GET /admin/comments/:id/delete", "POST /admin/comments/:id/delete"} {
		if !walked[must] {
			t.Errorf("route %s not in the route table", must)
		}
	}
	// Nothing the walk sent changed anything.
	if after := boardState(t, b); after != before {
		t.Errorf("the anonymous walk changed the board:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if len(b.AllPosts(t)) != 1 || len(b.AllComments(t)) != 2 {
		t.Errorf("the anonymous walk changed posts or comments")
	}
	if p := b.Post(t, w.Post.ID); p.Hidden() {
		t.Errorf("the anonymous walk hid the post")
	}
	if u := b.User(t, w.Alice.ID); u.IsSuspended() || u.Role != models.RoleMember {
		t.Errorf("the anonymous walk changed alice: %+v", u)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	c := b.Client(t)
	login := c.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}})
	if !boardtest.WantStatus(t, "login", login, http.StatusSeeOther) {
		return
	}
	ck := login.Cookie(boardtest.SessionCookie)
	if ck == nil {
		t.Fatalf("no session cookie on sign-in")
	}
	if !ck.HttpOnly {
		t.Errorf("session cookie not HttpOnly: %q", ck.Raw)
	}
	if ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie SameSite: %q, want Lax", ck.Raw)
	}

	for _, path := range []string{"/posts", "/posts/" + itoa(w.Post.ID), "/posts/new"} {
		t.Run(path, func(t *testing.T) {
			res := c.Bind(t).Get(path)
			boardtest.WantStatus(t, path, res, http.StatusOK)
			csp := res.Header.Get("Content-Security-Policy")
			dirs := map[string]string{}
			for _, d := range strings.Split(csp, ";") {
				f := strings.Fields(d)
				if len(f) > 0 {
					dirs[strings.ToLower(f[0])] = strings.Join(f[1:], " ")
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows unsafe script: %q", csp)
			}
			if s, ok := dirs["script-src"]; ok && s != "'none'" {
				t.Errorf("CSP has a script source: %q", csp)
			}
			if _, ok := dirs["script-src"]; !ok && dirs["default-src"] != "'none'" {
				t.Errorf("CSP: no script-src and default-src %q is not 'none', so scripts load: %q", dirs["default-src"], csp)
			}
			if dirs["object-src"] != "'none'" {
				t.Errorf("CSP object-src %q, want 'none'", dirs["object-src"])
			}
			if dirs["frame-ancestors"] != "'none'" {
				t.Errorf("CSP frame-ancestors %q, want 'none'", dirs["frame-ancestors"])
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			switch rp := res.Header.Get("Referrer-Policy"); rp {
			case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
			default:
				t.Errorf("Referrer-Policy %q", rp)
			}
			if cc := strings.Join(res.Header.Values("Cache-Control"), ", "); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q, want no-store on a member page", cc)
			}
			for _, raw := range res.Header.Values("Set-Cookie") {
				if strings.HasPrefix(raw, "board_session=") {
					lc := strings.ToLower(raw)
					if !strings.Contains(lc, "httponly") || !strings.Contains(lc, "samesite=lax") {
						t.Errorf("session cookie on %s: %q", path, raw)
					}
				}
			}
		})
	}
	t.Run("error pages carry them too", func(t *testing.T) {
		res := b.Client(t).Get("/posts")
		boardtest.WantStatus(t, "anonymous /posts", res, http.StatusUnauthorized)
		if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("401 page headers: %v", res.Header)
		}
	})
}

// boardState is everything a stray request could change, read through the
// stores, for before/after comparisons.
func boardState(t *testing.T, b *boardtest.Board) string {
	t.Helper()
	var sb strings.Builder
	for _, u := range b.AllUsers(t) {
		fmt.Fprintf(&sb, "user %d|%s|%s|%s|%v|%s\n", u.ID, u.Email, u.DisplayName, u.Role, when(u.SuspendedAt), b.PasswordHash(t, u.ID))
		list, err := b.Notifications.List(t.Context(), u.ID, false, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range list.Notifications {
			fmt.Fprintf(&sb, "notification %d|%d|%s|%v\n", n.ID, n.UserID, n.Kind, when(n.ReadAt))
		}
	}
	for _, it := range reportsOn(t, b).Items {
		for _, r := range it.Reports {
			fmt.Fprintf(&sb, "report %d|%s %d|%s\n", r.ID, r.Target.Type, r.Target.ID, r.Status)
		}
	}
	for _, p := range b.AllPosts(t) {
		fmt.Fprintf(&sb, "post %d|%s|%s|%v\n", p.ID, p.Title, p.Body, when(p.HiddenAt))
		for _, cm := range b.CommentsOn(t, p.ID) {
			fmt.Fprintf(&sb, "comment %d|%s|%v\n", cm.ID, cm.Body, when(cm.HiddenAt))
		}
	}
	for _, e := range b.AuditEvents(t, "") {
		fmt.Fprintf(&sb, "audit %d|%s\n", e.ID, e.Kind)
	}
	return sb.String()
}

// when shows an optional time ("-" for none).
func when(at *time.Time) string {
	if at == nil {
		return "-"
	}
	return at.UTC().Format(time.RFC3339Nano)
}

// TestNoStateChangeOnGET sends GET, as the author and as an admin, to the
// path of every POST route: none of them may change anything.
func TestNoStateChangeOnGET(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	author := b.SignedIn(t, "alice@example.com", alicePW)
	admin := b.SignedIn(t, "ada@example.com", adminPW)
	before := boardState(t, b)
	for _, r := range b.Echo.Routes() {
		if r.Method != http.MethodPost {
			continue
		}
		path := routePath(r.Path, w)
		t.Run("GET "+path, func(t *testing.T) {
			for _, c := range []*boardtest.Client{author.Bind(t), admin.Bind(t)} {
				if res := c.Get(path); res.Status >= 500 {
					t.Errorf("GET %s: %d", path, res.Status)
				}
			}
		})
	}
	if after := boardState(t, b); after != before {
		t.Errorf("GET requests changed the board:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	boardtest.WantStatus(t, "author still signed in", author.Get("/posts"), http.StatusOK)
	boardtest.WantStatus(t, "admin still signed in", admin.Get("/admin"), http.StatusOK)
}

// HEAD answers like GET, without a body, on every GET route: anonymous and
// signed in, static files and /healthz included (an uptime monitor's HEAD
// must not see the board as down).
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	member := b.SignedIn(t, "bob@example.com", bobPW)
	for _, r := range b.Echo.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		path := routePath(r.Path, w)
		for _, who := range []struct {
			name string
			c    *boardtest.Client
		}{{"anonymous", b.Client(t)}, {"member", member}} {
			get := who.c.Get(path)
			req, err := http.NewRequest(http.MethodHead, b.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			head := who.c.Do(req)
			if head.Status != get.Status || head.Body != "" {
				t.Errorf("%s HEAD %s: status %d with %d bytes of body; GET answers %d", who.name, path, head.Status, len(head.Body), get.Status)
			}
			if ct := head.Header.Get("Content-Type"); ct != get.Header.Get("Content-Type") {
				t.Errorf("%s HEAD %s: Content-Type %q, GET's is %q", who.name, path, ct, get.Header.Get("Content-Type"))
			}
		}
	}
	res := b.Client(t)
	req, _ := http.NewRequest(http.MethodHead, b.URL+"/healthz", nil)
	if h := res.Do(req); h.Status != http.StatusOK {
		t.Errorf("HEAD /healthz: %d, want 200", h.Status)
	}
}
