package handlers_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
)

// Tests of the /learn pages: readable by anyone, live with the reader's own
// account, every live part doing what it shows.

var learnPages = []string{"/learn", "/learn/header", "/learn/browser", "/learn/session", "/learn/token", "/learn/oauth", "/learn/problems"}

func TestLearnPagesAreForAnyone(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	anon := b.Client(t)
	for _, path := range learnPages {
		res := anon.Get(path)
		boardtest.WantPage(t, path, res, http.StatusOK, "인증 authentication", "인가 authorization")
		boardtest.MustNotContain(t, path, res.Body, w.Post.Title, "alice@example.com")
		if path != "/learn" && path != "/learn/problems" && path != "/learn/browser" {
			boardtest.MustContain(t, path, res.Body, `data-testid="sign-in-to-try"`, `href="/login?next=`+path+`"`)
		}
	}
	index := anon.Get("/learn").Body
	for _, step := range []string{"/learn/header", "/learn/browser", "/learn/session", "/learn/token", "/learn/oauth"} {
		boardtest.MustContain(t, "index links", index, `href="`+step+`"`)
	}
	boardtest.MustContain(t, "korean terms", html.UnescapeString(anon.Get("/learn/token").Body), "토큰", "액세스 토큰", "리프레시 토큰")
	// The sign-in link comes back to the step.
	res := anon.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}, "next": {"/learn/token"}})
	if res.Location() != "/learn/token" {
		t.Errorf("sign-in from a step goes to %q", res.Location())
	}
}

var preRe = regexp.MustCompile(`(?s)<pre[^>]* data-testid="([^"]+)">(.*?)</pre>`)

// pre is the text of the <pre> block with the data-testid.
func pre(t *testing.T, body, testid string) string {
	t.Helper()
	for _, m := range preRe.FindAllStringSubmatch(body, -1) {
		if m[1] == testid {
			return html.UnescapeString(m[2])
		}
	}
	t.Fatalf("no <pre data-testid=%q> in\n%s", testid, boardtest.Clip(body))
	return ""
}

// Step 1 shows the curl line for the reader and the API's real refusal.
func TestLearnHeaderShowsTheRealRefusal(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	page := alice.Get("/learn/header").Body
	if got, want := pre(t, page, "curl-basic"), "curl -u 'alice@example.com' "+b.URL+"/api/v1/me"; got != want {
		t.Errorf("curl line %q, want %q", got, want)
	}
	boardtest.MustNotContain(t, "header page", page, alicePW)

	shown := pre(t, page, "refusal")
	head, body, ok := strings.Cut(shown, "\n\n")
	if !ok {
		t.Fatalf("refusal %q has no body", shown)
	}
	real := call(t, b, http.MethodGet, "/api/v1/me", "", nil)
	lines := strings.Split(head, "\n")
	if lines[0] != "HTTP/1.1 401 Unauthorized" || real.Status != http.StatusUnauthorized {
		t.Errorf("status line %q; the API answered %d", lines[0], real.Status)
	}
	var challenges []string
	for _, l := range lines[1:] {
		if v, ok := strings.CutPrefix(l, "WWW-Authenticate: "); ok {
			challenges = append(challenges, v)
		}
	}
	if !reflect.DeepEqual(challenges, real.Header.Values("WWW-Authenticate")) {
		t.Errorf("shown challenges %q, the API sends %q", challenges, real.Header.Values("WWW-Authenticate"))
	}
	var shownJSON, realJSON map[string]any
	if json.Unmarshal([]byte(body), &shownJSON) != nil || json.Unmarshal([]byte(real.Body), &realJSON) != nil || !reflect.DeepEqual(shownJSON, realJSON) {
		t.Errorf("shown body\n%s\nthe API's body\n%s", body, real.Body)
	}
}

func TestLearnBrowserShowsTheCookieAsSet(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	c := b.Client(t)
	login := c.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}})
	ck := login.Cookie(boardtest.SessionCookie)
	if ck == nil {
		t.Fatal("no session cookie")
	}
	page := c.Get("/learn/browser").Body
	yesNo := map[bool]string{true: "yes", false: "no"}
	for testid, want := range map[string]string{"cookie-httponly": yesNo[ck.HttpOnly], "cookie-secure": yesNo[ck.Secure], "cookie-samesite": "Lax"} {
		boardtest.MustContain(t, testid, page, `data-testid="`+testid+`">`+want+`<`)
	}
	if ck.SameSite != http.SameSiteLaxMode || !ck.HttpOnly || ck.Secure {
		t.Errorf("the real cookie %q is not what this test expects on http", ck.Raw)
	}
	boardtest.MustContain(t, "browser page", page, "<code>"+boardtest.SessionCookie+"</code>", `data-testid="has-cookie"`)
	boardtest.MustNotContain(t, "anonymous browser page", b.Client(t).Get("/learn/browser").Body, `data-testid="has-cookie"`)
}

func TestLearnSessionRowAndRevoke(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	other := b.SignedIn(t, "alice@example.com", alicePW)
	page := alice.Get("/learn/session").Body
	boardtest.MustContain(t, "session page", page, `data-testid="session-row"`, `data-testid="revoke-this-session"`)
	s := b.SessionsOf(t, w.Alice.ID)
	if len(s) != 2 {
		t.Fatalf("%d sessions", len(s))
	}
	boardtest.WantStatus(t, "revoke without CSRF", alice.PostToken("/learn/session/revoke", nil, ""), http.StatusForbidden)
	boardtest.WantStatus(t, "anonymous revoke", b.Client(t).Post("/learn/session/revoke", nil), http.StatusUnauthorized)
	cookie := alice.SessionCookie()

	res := alice.Post("/learn/session/revoke", nil)
	if !boardtest.WantStatus(t, "revoke", res, http.StatusSeeOther) || res.Location() != "/learn/session?revoked=1" {
		t.Fatalf("revoke went to %q", res.Location())
	}
	if alice.SessionCookie() != cookie {
		t.Error("the cookie changed: the demo is that the board refuses the same cookie")
	}
	page = alice.Get(res.Location()).Body
	boardtest.MustContain(t, "after revoking", page, `data-testid="session-revoked"`)
	if who := boardtest.Whoami(page); !strings.Contains(who, "Not signed in") {
		t.Errorf("after revoking, whoami %q", who)
	}
	boardtest.WantSignedOut(t, "revoked browser", alice, "")
	replay := b.Client(t)
	replay.SetSessionCookie(cookie)
	boardtest.WantStatus(t, "a copy of the cookie", replay.Get("/posts"), http.StatusUnauthorized)
	boardtest.WantSignedIn(t, "the other browser", other, "Alice Author")
	if got := b.AuditAbout(t, models.AuditSessionRevoked, w.Alice.ID); len(got) != 1 {
		t.Errorf("session_revoked audit rows %d", len(got))
	}
	// The notice is about the reader's own refused cookie, not a query parameter.
	boardtest.MustNotContain(t, "a visitor with ?revoked=1", b.Client(t).Get("/learn/session?revoked=1").Body, `data-testid="session-revoked"`)
}

var (
	hiddenInputRe = regexp.MustCompile(`name="(refresh_token|newest)" value="([^"]+)"`)
	outcomeRe     = regexp.MustCompile(`(?s)data-testid="token-outcome">(.*?)</p>`)
)

// tokenPage is what the token step shows after a button.
type tokenPage struct {
	Status         int
	Access         string
	Refresh        string
	Header         string
	Payload        string
	Outcome        string
	SpentForm      string // the refresh token the "use it again" button sends
	NewestForm     string // the newest token that form (or "try newest") names
	ExpiresAt      int64
	CSP            string
	HasCountdown   bool
	ScriptIncluded bool
}

func readTokenPage(t *testing.T, res *boardtest.Response) tokenPage {
	t.Helper()
	p := tokenPage{Status: res.Status, CSP: res.Header.Get("Content-Security-Policy"),
		ScriptIncluded: regexp.MustCompile(`<script src="/static/learn.js\?v=[0-9a-f]+" defer></script>`).MatchString(res.Body)}
	if m := outcomeRe.FindStringSubmatch(res.Body); m != nil {
		p.Outcome = text(m[1])
	}
	if strings.Contains(res.Body, `data-testid="issued"`) {
		p.Access, p.Refresh = pre(t, res.Body, "access-token"), pre(t, res.Body, "refresh-token")
		p.Header, p.Payload = pre(t, res.Body, "jwt-header"), pre(t, res.Body, "jwt-payload")
		m := regexp.MustCompile(`data-expires-at="(\d+)"`).FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatal("no countdown")
		}
		p.HasCountdown = true
		p.ExpiresAt, _ = strconv.ParseInt(m[1], 10, 64)
	}
	for _, form := range strings.Split(res.Body, `<form method="post" action="/learn/token/refresh">`)[1:] {
		form = form[:strings.Index(form, "</form>")]
		values := map[string]string{}
		for _, m := range hiddenInputRe.FindAllStringSubmatch(form, -1) {
			values[m[1]] = m[2]
		}
		switch {
		case strings.Contains(form, `data-testid="reuse"`):
			p.SpentForm, p.NewestForm = values["refresh_token"], values["newest"]
		case strings.Contains(form, `data-testid="try-newest"`):
			p.NewestForm = values["refresh_token"]
		}
	}
	return p
}

func TestLearnTokenLadder(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	anon := b.Client(t)
	boardtest.WantStatus(t, "anonymous issue", anon.Post("/learn/token", nil), http.StatusUnauthorized)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	boardtest.WantStatus(t, "issue without CSRF", alice.PostToken("/learn/token", nil, ""), http.StatusForbidden)
	if fams := tokenFamilyRows(alice.Get("/account").Body); len(fams) != 0 {
		t.Fatalf("families before any issue: %d", len(fams))
	}

	first := readTokenPage(t, alice.Post("/learn/token", nil))
	if first.Status != http.StatusOK || first.Access == "" || len(first.Refresh) < 43 {
		t.Fatalf("issue: %+v", first)
	}
	boardtest.MustContain(t, "decoded header", first.Header, `"typ": "at+jwt"`, `"alg": "ES256"`, `"kid"`)
	boardtest.MustContain(t, "decoded payload", first.Payload, `"sub": "`+itoa(w.Alice.ID)+`"`, `"iss": "`+b.URL+`"`,
		`"aud": "`+b.URL+`/api/v1"`, `"client_id": "board-learn"`, `"scope": "email posts:read posts:write"`)
	if got := claimsOf(t, first.Access)["exp"].(float64); int64(got) != first.ExpiresAt {
		t.Errorf("countdown target %d, token exp %v", first.ExpiresAt, got)
	}
	if !first.ScriptIncluded || !strings.Contains(first.CSP, "script-src 'self'") || strings.Contains(first.CSP, "unsafe-inline") {
		t.Errorf("token page: script %v, CSP %q", first.ScriptIncluded, first.CSP)
	}
	if me(t, b, bearer(first.Access)).ID != w.Alice.ID {
		t.Fatal("the issued token is not Alice's")
	}
	rows := tokenFamilyRows(alice.Get("/account").Body)
	if len(rows) != 1 || !strings.Contains(text(rows[0]), "The /learn token page") {
		t.Errorf("account page families %q", rows)
	}

	// Refresh: rotation, with the spent token kept for the reuse button.
	second := readTokenPage(t, alice.Post("/learn/token/refresh", url.Values{"refresh_token": {first.Refresh}}))
	if second.Status != http.StatusOK || second.Refresh == first.Refresh || second.Access == first.Access ||
		second.SpentForm != first.Refresh || second.NewestForm != second.Refresh {
		t.Fatalf("refresh: %+v", second)
	}
	boardtest.MustContain(t, "rotation outcome", second.Outcome, "Rotated")
	me(t, b, bearer(second.Access))

	// Reuse: the family dies, and the page offers to show the newest is dead too.
	reused := readTokenPage(t, alice.Post("/learn/token/refresh", url.Values{"refresh_token": {second.SpentForm}, "newest": {second.NewestForm}}))
	if reused.Status != http.StatusBadRequest || reused.Access != "" || reused.NewestForm != second.Refresh {
		t.Fatalf("reuse: %+v", reused)
	}
	boardtest.MustContain(t, "reuse outcome", reused.Outcome, "is dead", "already spent", "audit log")
	wantTokenRefused(t, "the family's newest access token", b, second.Access, models.RevokedRefreshReused)
	newest := readTokenPage(t, alice.Post("/learn/token/refresh", url.Values{"refresh_token": {reused.NewestForm}}))
	if newest.Status != http.StatusBadRequest {
		t.Errorf("newest refresh token after reuse: %+v", newest)
	}
	boardtest.MustContain(t, "newest outcome", newest.Outcome, "revoked ("+models.RevokedRefreshReused+")")
	if got := b.AuditAbout(t, models.AuditTokenReused, w.Alice.ID); len(got) != 1 {
		t.Errorf("refresh_token_reused audit rows %d", len(got))
	}
	if rows := tokenFamilyRows(alice.Get("/account").Body); len(rows) != 0 {
		t.Errorf("the dead family is still listed: %q", rows)
	}
	bad := readTokenPage(t, alice.Post("/learn/token/refresh", url.Values{"refresh_token": {"made-up"}}))
	if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Outcome, "unknown or has expired") {
		t.Errorf("made-up refresh token: %+v", bad)
	}

	// A family made on this page lives an hour at most.
	short := readTokenPage(t, alice.Post("/learn/token", nil))
	b.Clock.Advance(61 * time.Minute)
	if got := readTokenPage(t, alice.Post("/learn/token/refresh", url.Values{"refresh_token": {short.Refresh}})); got.Status != http.StatusBadRequest {
		t.Errorf("refresh of a learn family after an hour: %+v", got)
	}

	// Other pages allow no script at all.
	if csp := alice.Get("/learn/session").Header.Get("Content-Security-Policy"); strings.Contains(csp, "script-src") {
		t.Errorf("the session page's CSP lets scripts run: %q", csp)
	}
}

func TestLearnTokenPageForAPasswordlessMember(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	b.SignInWith(t, c, "google", boardtest.Who{Email: "gina@example.com", Name: "Gina", Verified: true}, "")
	page := readTokenPage(t, c.Post("/learn/token", nil))
	if page.Status != http.StatusOK || me(t, b, bearer(page.Access)).Email != "gina@example.com" {
		t.Errorf("a member without a password gets no token: %+v", page)
	}
}

func TestLearnOAuthShowsTheLastSignIn(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{Social: true})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	boardtest.MustContain(t, "no sign-in through a provider yet", b.SignedIn(t, "alice@example.com", alicePW).Get("/learn/oauth").Body,
		`data-testid="no-trace"`)

	c := b.Visitor(t)
	flow := b.SignInWith(t, c, "google", boardtest.Who{Email: "gina@example.com", Name: "Gina", Verified: true}, "")
	cb, err := url.Parse(flow.Callback)
	if err != nil {
		t.Fatal(err)
	}
	code, state := cb.Query().Get("code"), cb.Query().Get("state")
	if code == "" || len(state) < 20 {
		t.Fatalf("callback %q", flow.Callback)
	}
	page := c.Get("/learn/oauth")
	boardtest.WantStatus(t, "oauth page", page, http.StatusOK)
	body := html.UnescapeString(page.Body)
	boardtest.MustContain(t, "trace", body,
		"POST /auth/google",
		"client_id="+boardtest.GoogleID, "code_challenge_method=S256", "response_type=code", "state="+state[:6]+"…",
		"GET "+b.URL+"/auth/google/callback?code=[elided]",
		"POST "+b.Standin.URL, "grant_type=authorization_code", "code=[elided]", "code_verifier=[elided]",
		"id_token: [elided]", "access_token: [elided]", "The back channel",
		"Location: /posts")
	// Secrets never reach the page, nor the database.
	u := b.UserByEmail(t, "gina@example.com")
	stored, err := b.SignInTraces.Last(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	storedJSON, _ := json.Marshal(stored)
	for what, secret := range map[string]string{"client secret": boardtest.GoogleSecret, "code": code, "state": state} {
		for where, s := range map[string]string{"page": body, "database": string(storedJSON)} {
			if strings.Contains(s, secret) {
				t.Errorf("the %s is in the %s", what, where)
			}
		}
	}
	if len(stored.Steps) < 8 || stored.Provider != "Google" {
		t.Errorf("stored trace %+v", stored)
	}

	// Facebook: the Graph call's proof and token are elided too; the last
	// sign-in replaces the one before.
	fb := b.Visitor(t)
	b.SignInWith(t, fb, "facebook", boardtest.Who{Email: "fred@example.com", Name: "Fred"}, "")
	body = html.UnescapeString(fb.Get("/learn/oauth").Body)
	boardtest.MustContain(t, "facebook trace", body, "Facebook", "appsecret_proof=[elided]", "Authorization: Bearer [elided]", "id: ")
	boardtest.MustNotContain(t, "facebook trace", body, boardtest.FacebookSecret)
}
