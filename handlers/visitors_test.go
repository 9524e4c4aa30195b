package handlers_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// Looking at the board stores nothing: no page a visitor can reach, error
// pages and unknown addresses included, makes a session row or sets a
// session cookie. Only signing in does.
func TestVisitorsStoreNoSessions(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	c := seedCast(t, b)
	p := b.CreatePost(t, c.Alice, "Members only", "body")
	paths := []string{"/", "/login", "/login?next=/posts", "/register", "/posts", "/posts/" + itoa(p.ID),
		"/account", "/no-such-page", "/posts/999999"}
	for round := 0; round < 20; round++ {
		for _, path := range paths {
			res := b.Client(t).Get(path) // a new cookie-less browser each time
			if ck := res.Cookie(boardtest.SessionCookie); ck != nil {
				t.Fatalf("GET %s (%d) set a session cookie %q for a visitor", path, res.Status, ck.Raw)
			}
		}
	}
	if n := b.StoredSessions(t); n != 0 {
		t.Fatalf("%d sessions stored after %d visitor page views, want 0", n, 20*len(paths))
	}

	// The sign-in form still works: its token is bound to the visitor
	// cookie, and signing in is what makes the first session.
	v := b.Client(t)
	v.Login("alice@example.com", alicePW)
	boardtest.WantSignedIn(t, "after signing in", v, "Alice Author")
	if n := b.StoredSessions(t); n != 1 {
		t.Errorf("%d sessions stored after one sign-in, want 1", n)
	}
}

// A visitor's token is signed by the server and bound to the browser's own
// visitor cookie: another browser's token, a token without its cookie, or a
// made-up token is refused (login CSRF).
func TestVisitorTokenIsBoundToItsBrowser(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	form := url.Values{"email": {"alice@example.com"}, "password": {alicePW}}

	attacker := b.Client(t)
	stolen := attacker.CSRFFrom("/login")
	victim := b.Client(t)
	victim.Get("/login") // the victim has a visitor cookie of their own
	boardtest.WantPage(t, "another browser's token", victim.PostToken("/login", form, stolen), http.StatusForbidden,
		"This form could not be accepted")

	bare := b.Client(t) // never loaded a page: no visitor cookie
	boardtest.WantPage(t, "a token without its cookie", bare.PostToken("/login", form, stolen), http.StatusForbidden,
		"This form could not be accepted")

	own := victim.CSRFFrom("/login")
	expires, _, _ := strings.Cut(own, ".")
	boardtest.WantPage(t, "a made-up signature", victim.PostToken("/login", form, expires+".AAAA"), http.StatusForbidden,
		"This form could not be accepted")
	later, _ := strconv.ParseInt(expires, 10, 64)
	boardtest.WantPage(t, "the signature with a later expiry", victim.PostToken("/login", form, strconv.FormatInt(later+86400, 10)+own[len(expires):]),
		http.StatusForbidden, "This form could not be accepted")

	boardtest.WantStatus(t, "the browser's own token", victim.PostToken("/login", form, own), http.StatusSeeOther)
}

// Sessions a client address can make the board store are limited: a
// visitor gets one only by starting a sign-in, and those are counted.
func TestNewSessionsAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{Social: true, TrustedProxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	start := func(addr string) *boardtest.Response {
		v := b.Client(t)
		v.SetHeader("X-Forwarded-For", addr)
		return v.Post("/auth/google", url.Values{})
	}
	for i := 1; i <= models.NewSessionsPerAddress; i++ {
		if res := start("203.0.113.9"); res.Status != http.StatusSeeOther {
			t.Fatalf("social sign-in start %d: status %d, want 303\n%s", i, res.Status, boardtest.Clip(res.Body))
		}
	}
	if n := b.StoredSessions(t); n != models.NewSessionsPerAddress {
		t.Errorf("%d sessions stored, want %d", n, models.NewSessionsPerAddress)
	}
	res := start("203.0.113.9")
	boardtest.WantPage(t, fmt.Sprintf("start %d from one address", models.NewSessionsPerAddress+1), res,
		http.StatusTooManyRequests, "Too many new sessions")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if n := b.StoredSessions(t); n != models.NewSessionsPerAddress {
		t.Errorf("the refused start stored a session: %d stored", n)
	}
	boardtest.WantStatus(t, "another address", start("203.0.113.10"), http.StatusSeeOther)

	// Signing in makes a session too, and is counted the same way.
	b.CreateUser(t, "nat@example.com", "Nat", "nat-password-1", models.RoleMember)
	m := b.Client(t)
	m.SetHeader("X-Forwarded-For", "203.0.113.9")
	boardtest.WantPage(t, "signing in from the exhausted address", m.Attempt("nat@example.com", "nat-password-1"),
		http.StatusTooManyRequests, "Too many new sessions")
	b.Clock.Advance(models.SignInWindow)
	boardtest.WantStatus(t, "signing in once the window passed", m.Attempt("nat@example.com", "nat-password-1"), http.StatusSeeOther)
}

// Cross-site requests are refused before any session is loaded, even with
// a valid token; same-origin and header-less requests pass, and the OAuth
// callbacks (GETs) are not affected.
func TestCrossOriginRequestsAreRefused(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{BaseURL: "https://board.example.org"})
	cast := seedCast(t, b)
	p := b.CreatePost(t, cast.Alice, "A post", "body")
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	comment := func(headers map[string]string) *boardtest.Response {
		for k, v := range headers {
			alice.SetHeader(k, v)
			defer alice.SetHeader(k, "")
		}
		return alice.Post("/posts/"+itoa(p.ID)+"/comments", url.Values{"body": {"hello"}})
	}
	for _, tc := range []struct {
		name    string
		headers map[string]string
	}{
		{"Sec-Fetch-Site: cross-site", map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"Sec-Fetch-Site: same-site", map[string]string{"Sec-Fetch-Site": "same-site"}},
		{"a foreign Origin", map[string]string{"Origin": "https://evil.example"}},
		{"both", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
	} {
		boardtest.WantPage(t, tc.name, comment(tc.headers), http.StatusForbidden, "Cross-site request refused")
	}
	if n := len(b.CommentsOn(t, p.ID)); n != 0 {
		t.Fatalf("%d comments saved by refused cross-site requests", n)
	}
	for _, tc := range []struct {
		name    string
		headers map[string]string
	}{
		{"no Sec-Fetch-Site or Origin", nil},
		{"Sec-Fetch-Site: same-origin", map[string]string{"Sec-Fetch-Site": "same-origin"}},
		{"Origin of this host", map[string]string{"Origin": b.URL}},
		{"Origin of the configured base URL", map[string]string{"Origin": "https://board.example.org", "Sec-Fetch-Site": "cross-site"}},
	} {
		boardtest.WantStatus(t, tc.name, comment(tc.headers), http.StatusSeeOther)
	}
	// The sign-in form, posted cross-site, is refused the same way.
	v := b.Client(t)
	token := v.CSRFFrom("/login")
	v.SetHeader("Sec-Fetch-Site", "cross-site")
	boardtest.WantPage(t, "cross-site sign-in", v.PostToken("/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}}, token),
		http.StatusForbidden, "Cross-site request refused")
	// A provider's redirect back is a cross-site GET: it passes on to the
	// callback's own state check.
	boardtest.WantPage(t, "cross-site GET of a callback", v.Get("/auth/google/callback?state=x&code=y"), http.StatusNotFound,
		"No such sign-in provider")
}

// A suspended member's form from an old page is answered with why their
// session ended, not with a CSRF refusal.
func TestSuspensionNoticeWinsOverStaleForm(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	cast := seedCast(t, b)
	p := b.CreatePost(t, cast.Alice, "A post", "body")
	for _, tc := range []struct{ path string }{{"/register"}, {"/login"}, {"/logout"}, {"/posts/" + itoa(p.ID) + "/comments"}} {
		bob := b.SignedIn(t, "bob@example.com", bobPW)
		token := bob.CSRF() // the old page's form
		if err := b.Users.SetSuspended(t.Context(), cast.Bob.ID, true, "spamming the board", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		res := bob.PostToken(tc.path, url.Values{"body": {"hi"}, "email": {"x@example.com"}, "display_name": {"X"}, "password": {"whatever-pw-1"}}, token)
		boardtest.WantPage(t, "suspended member posting "+tc.path, res, http.StatusUnauthorized,
			"Your account was suspended by an admin", "spamming the board")
		boardtest.MustNotContain(t, tc.path, res.Body, "This form could not be accepted")
		if err := b.Users.SetSuspended(t.Context(), cast.Bob.ID, false, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
	}
}
