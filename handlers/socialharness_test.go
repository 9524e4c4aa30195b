package handlers_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"board/handlers"
	"board/handlers/standin"
	"board/models"
)

// The social sign-in harness: the real board (as in newTestServer) wired to
// the local stand-in for Google and Facebook, both on loopback httptest
// servers. Nothing here can reach a real provider: the board's provider
// client and the stand-in "browser" both refuse to dial anything but
// loopback addresses.

const (
	socialGoogleID       = "g-id"
	socialGoogleSecret   = "g-secret"
	socialFacebookID     = "fb-id"
	socialFacebookSecret = "fb-secret"
)

// socialServer is a testServer with identities, the two providers, and the
// stand-in they talk to.
type socialServer struct {
	*testServer
	// Clock is the board's clock (not the stand-in's): advance it to let
	// a sign-in flow or a re-authentication window expire.
	Clock      *testClock
	Identities *models.IdentityStore
	Sessions   *scs.SessionManager
	Provider   *standin.Provider
	StandinURL string
	// Logs is everything the board logged, for tests that look for errors
	// or leaked secrets.
	Logs *socialLogBuffer
	// standin is a plain browser for the stand-in's pages: no cookies (the
	// stand-in keeps its request state server-side), redirects not followed.
	standin *http.Client
}

type socialOptions struct {
	// providerTimeout bounds the board's calls to the providers (default 10s,
	// as in cmd/board).
	providerTimeout time.Duration
	// standinBehind sets the stand-in's clock that far in the past, so the
	// sign-ins it reports look old.
	standinBehind time.Duration
}

// socialLoopbackTransport dials loopback addresses only, and never uses a proxy.
func socialLoopbackTransport() *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return nil, fmt.Errorf("social tests refuse to dial non-loopback address %s", addr)
			}
			return d.DialContext(ctx, network, addr)
		},
	}
}

func newSocialServer(t *testing.T, opt socialOptions) *socialServer {
	t.Helper()
	if opt.providerTimeout == 0 {
		opt.providerTimeout = 10 * time.Second
	}
	// Both URLs must be known before either side is configured: the listeners
	// exist before the servers start.
	standinSrv := httptest.NewUnstartedServer(nil)
	boardSrv := httptest.NewUnstartedServer(nil)
	standinURL := "http://" + standinSrv.Listener.Addr().String()
	boardURL := "http://" + boardSrv.Listener.Addr().String()

	// One clock for both sides: when a test lets time pass, it passes for
	// the provider too.
	clock := &testClock{}
	provider, err := standin.New(standin.Config{
		Issuer: standinURL,
		Google: []standin.Client{{ID: socialGoogleID, Secret: socialGoogleSecret,
			RedirectURIs: []string{boardURL + "/auth/google/callback"}}},
		Facebook: []standin.Client{{ID: socialFacebookID, Secret: socialFacebookSecret,
			RedirectURIs: []string{boardURL + "/auth/facebook/callback"}}},
		Now: func() time.Time { return clock.Now().Add(-opt.standinBehind) },
	})
	if err != nil {
		t.Fatal(err)
	}
	standinSrv.Config.Handler = provider.Handler()
	standinSrv.Start()
	t.Cleanup(standinSrv.Close)

	d := testDB(t, filepath.Join(t.TempDir(), "board.db"))
	deps := testDeps(d, handlers.ThrottleWindow)
	client := &http.Client{Timeout: opt.providerTimeout, Transport: socialLoopbackTransport()}
	deps.Social = []handlers.SocialProvider{
		handlers.NewGoogle(socialGoogleID, socialGoogleSecret, standinURL, boardURL+"/auth/google/callback", client),
		handlers.NewFacebook(socialFacebookID, socialFacebookSecret,
			standinURL+standin.FacebookAuthPath, standinURL+standin.FacebookTokenPath, standinURL+standin.FacebookGraphPath,
			boardURL+"/auth/facebook/callback", client),
	}
	logs := &socialLogBuffer{}
	deps.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	deps.Now = clock.Now
	ts := &testServer{t: t, DB: d, Stores: deps.Stores, Echo: handlers.New(deps)}
	sx := &socialServer{testServer: ts, Identities: deps.Identities, Clock: clock,
		Sessions:   deps.Sessions,
		Provider:   provider,
		StandinURL: standinURL,
		Logs:       logs,
		standin: &http.Client{Transport: socialLoopbackTransport(), Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	boardSrv.Config.Handler = ts.Echo
	boardSrv.Start()
	t.Cleanup(boardSrv.Close)
	ts.URL = boardSrv.URL
	// An ERROR line means the board hit an unexpected internal failure (a
	// 500, a session that could not be saved): no social flow should.
	t.Cleanup(func() {
		for _, line := range sx.Logs.errorLines() {
			t.Errorf("board logged an error: %s", line)
		}
	})
	if ts.URL != boardURL {
		t.Fatalf("board URL %s, expected %s", ts.URL, boardURL)
	}
	return sx
}

// socialLogBuffer collects log output from concurrent requests.
type socialLogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *socialLogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *socialLogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// errorLines are the board's log lines at level ERROR.
func (l *socialLogBuffer) errorLines() []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			out = append(out, line)
		}
	}
	return out
}

// socialWho is what a person types on the stand-in's login page, and what
// they decide on its consent page.
type socialWho struct {
	Email, Name string
	Verified    bool // ticks "Email address is verified" (Google only: Facebook has no such box)
	Deny        bool // presses Deny instead of Allow
}

// socialFlow records each step of one round trip.
type socialFlow struct {
	Start    *response // the board's answer to POST /auth/{provider} (or .../link)
	AuthURL  string    // where that sent the browser
	Callback string    // where the stand-in sent the browser back (absolute URL)
	Final    *response // the board's answer to the callback
}

// startSocial posts the start form (with _csrf and, if given, next) as the
// sign-in page's button would, and checks it redirects to the stand-in.
func (sx *socialServer) startSocial(t *testing.T, c *client, path, next string) (*response, string) {
	t.Helper()
	form := url.Values{}
	if next != "" {
		form.Set("next", next)
	}
	if strings.HasPrefix(path, "/account/") && c.password != "" {
		form.Set("current_password", c.password) // connecting a provider asks for it
	}
	res := c.post(path, form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("POST %s: status %d, want 303 to the stand-in\n%s", path, res.Status, socialClip(res.Body))
	}
	loc := res.Location()
	if !strings.HasPrefix(loc, sx.StandinURL+"/") {
		t.Fatalf("POST %s redirected to %q, want the stand-in at %s", path, loc, sx.StandinURL)
	}
	return res, loc
}

var (
	socialFormRe = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" data-testid="([^"]+)">(.*?)</form>`)
	socialReqID  = regexp.MustCompile(`name="request_id" value="([^"]+)"`)
)

type socialPageForm struct {
	Action, RequestID, Body string
}

// socialForm finds the stand-in form with the given data-testid.
func socialForm(t *testing.T, page, testid string) socialPageForm {
	t.Helper()
	for _, m := range socialFormRe.FindAllStringSubmatch(page, -1) {
		if m[2] != testid {
			continue
		}
		f := socialPageForm{Action: html.UnescapeString(m[1]), Body: m[3]}
		if id := socialReqID.FindStringSubmatch(m[3]); id != nil {
			f.RequestID = html.UnescapeString(id[1])
		}
		if f.RequestID == "" {
			t.Fatalf("form %s has no request_id", testid)
		}
		return f
	}
	t.Fatalf("no form %q on the stand-in page:\n%s", testid, socialClip(page))
	return socialPageForm{}
}

func (sx *socialServer) standinDo(t *testing.T, req *http.Request) (int, http.Header, string) {
	t.Helper()
	u := req.URL
	if !strings.HasPrefix(u.String(), sx.StandinURL+"/") {
		t.Fatalf("refusing to send the stand-in browser to %s", u)
	}
	res, err := sx.standin.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

func (sx *socialServer) standinPost(t *testing.T, action string, form url.Values) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return sx.standinDo(t, req)
}

// authorize plays the person at the stand-in: open the authorize URL, fill
// the login form, then allow or deny. It returns the callback URL the
// stand-in redirects to (not yet visited).
func (sx *socialServer) authorize(t *testing.T, authURL string, who socialWho) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, authURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, _, page := sx.standinDo(t, req)
	if status != http.StatusOK {
		t.Fatalf("stand-in authorize page: status %d\n%s", status, socialClip(page))
	}
	login := socialForm(t, page, "standin-login-form")
	form := url.Values{"request_id": {login.RequestID}, "email": {who.Email}, "name": {who.Name}}
	// A browser sends the checkbox only if the page has it and it is ticked.
	if who.Verified && strings.Contains(login.Body, `name="email_verified"`) {
		form.Set("email_verified", "true")
	}
	status, _, page = sx.standinPost(t, login.Action, form)
	if status != http.StatusOK {
		t.Fatalf("stand-in login: status %d\n%s", status, socialClip(page))
	}
	consent := socialForm(t, page, "consent-form")
	decision := "allow"
	if who.Deny {
		decision = "deny"
	}
	status, hdr, page := sx.standinPost(t, consent.Action, url.Values{"request_id": {consent.RequestID}, "decision": {decision}})
	if status != http.StatusSeeOther {
		t.Fatalf("stand-in consent: status %d, want 303\n%s", status, socialClip(page))
	}
	cb := hdr.Get("Location")
	if !strings.HasPrefix(cb, sx.URL+"/auth/") {
		t.Fatalf("stand-in sent the browser to %q, want the board's callback", cb)
	}
	return cb
}

// visit GETs an absolute board URL (a callback) with the board browser c.
func (sx *socialServer) visit(t *testing.T, c *client, abs string) *response {
	t.Helper()
	if !strings.HasPrefix(abs, sx.URL+"/") {
		t.Fatalf("refusing to send the board browser to %s", abs)
	}
	req, err := http.NewRequest(http.MethodGet, abs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.do(req)
}

// roundTrip drives a whole flow as a browser would: start at the board,
// through the stand-in's pages, back to the board's callback.
func (sx *socialServer) roundTrip(t *testing.T, c *client, startPath, next string, who socialWho) *socialFlow {
	t.Helper()
	f := &socialFlow{}
	f.Start, f.AuthURL = sx.startSocial(t, c, startPath, next)
	f.Callback = sx.authorize(t, f.AuthURL, who)
	f.Final = sx.visit(t, c, f.Callback)
	return f
}

// signInWith is "Sign in with {provider}" from the sign-in page.
func (sx *socialServer) signInWith(t *testing.T, c *client, provider string, who socialWho, next string) *socialFlow {
	t.Helper()
	return sx.roundTrip(t, c, "/auth/"+provider, next, who)
}

// linkWith is "Connect {provider}" from the account page.
func (sx *socialServer) linkWith(t *testing.T, c *client, provider string, who socialWho) *socialFlow {
	t.Helper()
	return sx.roundTrip(t, c, "/account/identities/"+provider+"/link", "", who)
}

// browser is a fresh board browser (own cookie jar) that has loaded the
// sign-in page, as a person does before pressing a provider button.
func (sx *socialServer) browser(t *testing.T) *client {
	t.Helper()
	c := sx.newClient()
	c.t = t
	if res := c.get("/login"); res.Status != http.StatusOK {
		t.Fatalf("GET /login: status %d", res.Status)
	}
	return c
}

// --- assertions on state ---------------------------------------------------

func (sx *socialServer) countRows(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := sx.DB.Read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (sx *socialServer) userByEmail(t *testing.T, email string) *models.User {
	t.Helper()
	u, err := sx.Users.ByEmail(context.Background(), email)
	if err == models.ErrNotFound {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (sx *socialServer) identitiesOf(t *testing.T, userID int64) []*models.Identity {
	t.Helper()
	ids, err := sx.Identities.ForUser(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (sx *socialServer) auditOf(t *testing.T, kind models.AuditKind) []*models.AuditEvent {
	t.Helper()
	page, err := sx.Audit.List(context.Background(), models.AuditFilter{Kind: kind}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

// auditCount counts events of kind about user target with the given detail
// ("" matches any detail).
func (sx *socialServer) auditCount(t *testing.T, kind models.AuditKind, target int64, detail string) int {
	t.Helper()
	n := 0
	for _, e := range sx.auditOf(t, kind) {
		if e.TargetID == target && (detail == "" || e.Detail == detail) {
			n++
		}
	}
	return n
}

// socialWantAnonymous checks the browser is not signed in: member pages answer 401.
func socialWantAnonymous(t *testing.T, c *client) {
	t.Helper()
	if res := c.get("/posts"); res.Status != http.StatusUnauthorized {
		t.Errorf("browser should be anonymous, but GET /posts = %d (whoami: %s)", res.Status, socialWhoami(res.Body))
	}
}

// socialWantSignedInAs checks GET /posts shows the member's name in whoami.
func socialWantSignedInAs(t *testing.T, c *client, name string) {
	t.Helper()
	res := c.get("/posts")
	if res.Status != http.StatusOK {
		t.Errorf("GET /posts = %d, want 200 signed in as %s\n%s", res.Status, name, socialClip(res.Body))
		return
	}
	if w := socialWhoami(res.Body); !strings.Contains(w, "<strong>"+html.EscapeString(name)+"</strong>") {
		t.Errorf("whoami = %q, want it to name %q", w, name)
	}
}

func socialWantPage(t *testing.T, what string, res *response, status int, texts ...string) {
	t.Helper()
	if res.Status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, res.Status, status, socialClip(res.Body))
		return
	}
	body := html.UnescapeString(res.Body)
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q\n%s", what, s, socialClip(res.Body))
		}
	}
}

var socialWhoamiRe = regexp.MustCompile(`(?s)data-testid="whoami">(.*?)</div>`)

func socialWhoami(body string) string {
	if m := socialWhoamiRe.FindStringSubmatch(body); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

var socialMainRe = regexp.MustCompile(`(?s)<main>(.*)</main>`)

func socialClip(body string) string {
	if m := socialMainRe.FindStringSubmatch(body); m != nil {
		body = m[1]
	}
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return body
}

// --- server-side session surgery ---------------------------------------------

// sessionValues decodes c's server-side session (nil if it has none).
func (sx *socialServer) sessionValues(t *testing.T, c *client) (key string, deadline time.Time, values map[string]any) {
	t.Helper()
	sum := sha256.Sum256([]byte(c.sessionCookie()))
	key = base64.RawURLEncoding.EncodeToString(sum[:])
	var data []byte
	err := sx.DB.Write.QueryRow(`SELECT data FROM sessions WHERE token = ?`, key).Scan(&data)
	if err == sql.ErrNoRows {
		return key, time.Time{}, nil
	}
	if err != nil {
		t.Fatalf("session row: %v", err)
	}
	deadline, values, err = scs.GobCodec{}.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	return key, deadline, values
}

// hasPending reports whether c's session holds a started flow for provider.
func (sx *socialServer) hasPending(t *testing.T, c *client, provider string) bool {
	t.Helper()
	_, _, values := sx.sessionValues(t, c)
	_, ok := values["oauth:"+provider]
	return ok
}

// testClock is real time plus an offset that tests advance.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

func socialKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// socialWithQuery returns abs with query parameter k set to v ("" removes it).
func socialWithQuery(t *testing.T, abs, k, v string) string {
	t.Helper()
	u, err := url.Parse(abs)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func socialQueryParam(t *testing.T, abs, k string) string {
	t.Helper()
	u, err := url.Parse(abs)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(k)
}
