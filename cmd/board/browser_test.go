package main

// Browser tests: Debian's Chromium, driven by chromedp over its pipe, against
// the real board (run on a loopback port, demo accounts seeded).

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	browserTestTimeout = 90 * time.Second // the whole scenario, browser included
	stepTimeout        = 15 * time.Second // one step: a missing element fails fast
)

// chromiumPath finds Debian's Chromium, or skips (fails on CI) without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	const msg = "Chromium not found at /usr/bin/chromium or in PATH; install it with: apt-get install -y chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium for this test and returns its root
// context; each person then gets their own browser context (see person).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
	)
	// The timeout bounds the whole browser: when it ends, Chromium stops.
	ctx, cancel := context.WithTimeout(context.Background(), browserTestTimeout)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancelBrowser)
	start := time.Now()
	if err := chromedp.Do(browserCtx); err != nil { // starts Chromium
		t.Fatalf("starting Chromium: %v", err)
	}
	t.Logf("Chromium started in %v", time.Since(start).Round(time.Millisecond))
	return browserCtx
}

// person is one member at their own browser: a separate browser context
// (its own cookie jar, like a separate profile) with one tab.
type person struct {
	t     *testing.T
	name  string
	base  string
	board *boardProc
	ctx   context.Context
}

func newPerson(t *testing.T, browserCtx context.Context, board *boardProc, name string) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatalf("%s: opening a tab: %v", name, err)
	}
	return &person{t: t, name: name, base: board.URL, board: board, ctx: ctx}
}

// step runs a on the person's tab with a per-step timeout.
func step[T any](p *person, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %s: %v%s", p.name, what, err, p.where())
	}
	return v
}

// where describes the page the person is on, for failure messages.
func (p *person) where() string {
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return ""
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(text) > 1500 {
		text = text[:1500] + "…"
	}
	return fmt.Sprintf("\n  (page %s:\n%s)", loc, text)
}

// open navigates to path and returns the HTTP status of the document.
func (p *person) open(path string) int {
	p.t.Helper()
	res := step(p, "open "+path, chromedp.NavigateResponse(p.base+path))
	if res == nil {
		p.t.Fatalf("%s: open %s: no response", p.name, path)
	}
	return int(res.Status)
}

// click clicks the element and waits for the page it leads to; it returns
// the status of that page (after redirects).
func (p *person) click(sel string) int {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("%s: click %s: %v%s", p.name, sel, err, p.where())
	}
	if res == nil {
		p.t.Fatalf("%s: click %s: no response", p.name, sel)
	}
	return int(res.Status)
}

// fill types value, key by key, into an empty field; replace overwrites
// what is there.
func (p *person) fill(sel, value string) {
	p.t.Helper()
	step(p, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
}

func (p *person) replace(sel, value string) {
	p.t.Helper()
	step(p, "set "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// text is the visible text of the first element matching sel.
func (p *person) text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(step(p, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// has reports whether an element matches sel now, without waiting.
func (p *person) has(sel string) bool {
	p.t.Helper()
	return step(p, "look for "+sel, chromedp.Evaluate[bool](
		fmt.Sprintf(`document.querySelector(%s) !== null`, strconv.Quote(sel))))
}

func (p *person) path() string {
	p.t.Helper()
	loc := step(p, "read location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		p.t.Fatalf("%s: location %q: %v", p.name, loc, err)
	}
	return u.Path
}

// signIn signs in through the form, and registers the password and the
// session cookie as strings the request log must never contain.
func (p *person) signIn(email, password string) {
	p.t.Helper()
	p.board.mustNotLog(password)
	if st := p.open("/login"); st != http.StatusOK {
		p.t.Fatalf("%s: GET /login: status %d", p.name, st)
	}
	p.fill("#email", email)
	p.fill("#password", password)
	if st := p.click("[data-testid=login-submit]"); st != http.StatusOK || p.path() != "/posts" {
		p.t.Fatalf("%s: signing in as %s: ended on %s with status %d, want /posts 200%s", p.name, email, p.path(), st, p.where())
	}
	p.expectContains("[data-testid=whoami]", p.name)
	p.watchSession()
}

// watchSession registers the current session cookie value as a secret.
func (p *person) watchSession() {
	p.t.Helper()
	res := step(p, "read cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base}})
	})
	found := false
	for _, c := range res.Cookies {
		if c.Name == sessionCookie {
			found = true
			p.board.mustNotLog(c.Value)
			if !c.HTTPOnly {
				p.t.Errorf("%s: the session cookie is not HttpOnly", p.name)
			}
		}
	}
	if !found {
		p.t.Errorf("%s: signed in, but the browser holds no %s cookie", p.name, sessionCookie)
	}
}

func (p *person) expectContains(sel string, wants ...string) string {
	p.t.Helper()
	got := p.text(sel)
	for _, w := range wants {
		if !strings.Contains(got, w) {
			p.t.Errorf("%s: %s says %q, want it to contain %q", p.name, sel, got, w)
		}
	}
	return got
}

// expectContainsFold is expectContains ignoring case: the visible text of
// some labels is upper-cased by CSS (text-transform).
func (p *person) expectContainsFold(sel string, wants ...string) string {
	p.t.Helper()
	got := p.text(sel)
	for _, w := range wants {
		if !strings.Contains(strings.ToLower(got), strings.ToLower(w)) {
			p.t.Errorf("%s: %s says %q, want it to contain %q (any case)", p.name, sel, got, w)
		}
	}
	return got
}

func (p *person) expectNotContains(sel string, unwanted string) {
	p.t.Helper()
	if got := p.text(sel); strings.Contains(got, unwanted) {
		p.t.Errorf("%s: %s says %q, want no %q", p.name, sel, got, unwanted)
	}
}

// screenshot saves a full-page PNG into t.TempDir(), checks it is a real,
// non-empty PNG, and returns its path.
func (p *person) screenshot(name string) string {
	p.t.Helper()
	data := step(p, "screenshot "+name, chromedp.FullScreenshot(100))
	if len(data) == 0 {
		p.t.Fatalf("%s: screenshot %s is empty", p.name, name)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		p.t.Fatalf("%s: screenshot %s is not a PNG (starts %q)", p.name, name, data[:min(8, len(data))])
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		p.t.Fatalf("%s: screenshot %s: bad PNG (%dx%d): %v", p.name, name, cfg.Width, cfg.Height, err)
	}
	path := filepath.Join(p.t.TempDir(), name+".png")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		p.t.Fatal(err)
	}
	// t.TempDir() is removed after the test; to look at the pictures, set
	// BOARD_TEST_SCREENSHOTS to a directory and they are copied there too.
	if dir := os.Getenv("BOARD_TEST_SCREENSHOTS"); dir != "" {
		keep := filepath.Join(dir, p.t.Name()+"-"+name+".png")
		if err := os.WriteFile(keep, data, 0o644); err != nil {
			p.t.Errorf("keeping screenshot: %v", err)
		} else {
			p.t.Logf("screenshot %s kept at %s", name, keep)
		}
	}
	p.t.Logf("screenshot %s: %s (%d bytes, %dx%d)", name, path, len(data), cfg.Width, cfg.Height)
	return path
}

func TestBrowserMemberJourney(t *testing.T) {
	begin := time.Now()
	board := startBoard(t, "-demo")
	browser := newBrowser(t)

	// A newcomer registers through the form.
	const (
		ninaEmail    = "nina@example.com"
		ninaName     = "Nina Newcomer"
		ninaPassword = "nina's correct horse battery staple"
	)
	nina := newPerson(t, browser, board, ninaName)
	nina.board.mustNotLog(ninaPassword)
	if st := nina.open("/register"); st != http.StatusOK {
		t.Fatalf("GET /register: status %d", st)
	}
	nina.expectContains("[data-testid=whoami]", "Not signed in")
	nina.fill("#email", ninaEmail)
	nina.fill("#display_name", ninaName)
	nina.fill("#password", ninaPassword)
	if st := nina.click("[data-testid=register-submit]"); st != http.StatusOK || nina.path() != "/posts" {
		t.Fatalf("registering: ended on %s with status %d, want /posts 200%s", nina.path(), st, nina.where())
	}
	nina.expectContains("[data-testid=flash]", "Welcome, "+ninaName)
	nina.expectContains("[data-testid=whoami]", ninaName, ninaEmail, "member")
	nina.watchSession()

	// She writes a post and sees it, then finds it in the list.
	const (
		title  = "Lost umbrella near the bike shed"
		body   = "A green umbrella waits at the front desk.\n\nAsk for it before Friday."
		title2 = "Found: green umbrella (claimed)"
	)
	if st := nina.click("[data-testid=new-post]"); st != http.StatusOK || nina.path() != "/posts/new" {
		t.Fatalf("new post link: ended on %s with status %d", nina.path(), st)
	}
	nina.fill("#title", title)
	nina.fill("#body", body)
	if st := nina.click("[data-testid=post-submit]"); st != http.StatusOK {
		t.Fatalf("publishing: status %d%s", st, nina.where())
	}
	postPath := nina.path()
	if _, err := strconv.ParseInt(strings.TrimPrefix(postPath, "/posts/"), 10, 64); err != nil || !strings.HasPrefix(postPath, "/posts/") {
		t.Fatalf("after publishing the browser is on %s, want /posts/ID", postPath)
	}
	t.Logf("the new post is %s", postPath)
	nina.expectContains("[data-testid=flash]", "published")
	nina.expectContains("[data-testid=post-title]", title)
	nina.expectContains("[data-testid=post-author]", ninaName)
	nina.expectContains("[data-testid=post]", "Ask for it before Friday.")
	if !nina.has("[data-testid=edit-post]") || !nina.has("[data-testid=delete-post]") {
		t.Errorf("the author sees no Edit/Delete on her own post")
	}
	if nina.has("[data-testid=hide-post]") {
		t.Errorf("a member sees the moderator's Hide button")
	}
	if st := nina.open("/posts"); st != http.StatusOK {
		t.Fatalf("GET /posts: status %d", st)
	}
	nina.expectContains("[data-testid=post-list]", title, ninaName, "Welcome to the board")
	nina.screenshot("post-list")

	// Alice is signed in as herself and may not edit Nina's post: a 403 that
	// says who she is and which rule denied her.
	alice := newPerson(t, browser, board, "Alice")
	alice.signIn(aliceEmail, alicePassword)
	if st := alice.open(postPath); st != http.StatusOK {
		t.Fatalf("alice GET %s: status %d, want 200 (members read every visible post)", postPath, st)
	}
	alice.expectContains("[data-testid=post-title]", title)
	if alice.has("[data-testid=edit-post]") || alice.has("[data-testid=delete-post]") {
		t.Errorf("alice sees Edit/Delete on Nina's post")
	}
	editPath := postPath + "/edit"
	if st := alice.open(editPath); st != http.StatusForbidden {
		t.Errorf("alice GET %s: status %d, want 403", editPath, st)
	}
	alice.expectContainsFold("[data-testid=error-kind]", "403", "Authorization")
	alice.expectContains("[data-testid=error-message]", "signed in as Alice", aliceEmail, "not a sign-in problem")
	alice.expectContains("[data-testid=error-rule]",
		"You are signed in as Alice", "This post belongs to "+ninaName, "Only its author may edit it")
	alice.expectContains("[data-testid=whoami]", "Alice", aliceEmail)
	alice.screenshot("edit-forbidden-403")
	if alice.has("#title") {
		t.Errorf("the 403 page carries the edit form")
	}

	// The author edits it: the new title shows.
	if st := nina.open(postPath); st != http.StatusOK {
		t.Fatalf("nina GET %s: status %d", postPath, st)
	}
	if st := nina.click("[data-testid=edit-post]"); st != http.StatusOK || nina.path() != editPath {
		t.Fatalf("edit link: ended on %s with status %d, want %s 200", nina.path(), st, editPath)
	}
	nina.replace("#title", title2)
	if st := nina.click("[data-testid=post-submit]"); st != http.StatusOK || nina.path() != postPath {
		t.Fatalf("saving the edit: ended on %s with status %d, want %s 200%s", nina.path(), st, postPath, nina.where())
	}
	nina.expectContains("[data-testid=flash]", "saved")
	nina.expectContains("[data-testid=post-title]", title2)
	nina.expectContains("[data-testid=post]", "edited", "Ask for it before Friday.")
	nina.open("/posts")
	nina.expectContains("[data-testid=post-list]", title2)
	nina.expectNotContains("[data-testid=post-list]", title)

	// Ada, an admin, hides it with a reason.
	const reason = "Lost-and-found notices go on the front-desk board"
	ada := newPerson(t, browser, board, "Ada")
	ada.signIn(adaEmail, adaPassword)
	ada.expectContains("[data-testid=whoami]", "admin")
	if st := ada.open(postPath); st != http.StatusOK {
		t.Fatalf("ada GET %s: status %d", postPath, st)
	}
	if ada.has("[data-testid=edit-post]") {
		t.Errorf("an admin sees Edit on someone else's post (admins moderate by hiding, not rewriting)")
	}
	ada.fill("[data-testid=hide-reason-post]", reason)
	if st := ada.click("[data-testid=hide-post]"); st != http.StatusOK || ada.path() != postPath {
		t.Fatalf("hiding: ended on %s with status %d, want %s 200%s", ada.path(), st, postPath, ada.where())
	}
	ada.expectContains("[data-testid=flash]", "hidden")
	ada.expectContains("[data-testid=hidden-notice]", "Hidden by a moderator", reason)
	if !ada.has("[data-testid=restore-post]") {
		t.Errorf("ada sees no Restore button on the hidden post")
	}

	// The author still sees it, with the moderator's reason.
	if st := nina.open(postPath); st != http.StatusOK {
		t.Fatalf("nina GET %s (hidden): status %d, want 200", postPath, st)
	}
	nina.expectContains("[data-testid=hidden-notice]", "Hidden by a moderator", reason)
	nina.expectContains("[data-testid=post-title]", title2)
	nina.open("/posts")
	nina.expectContains("[data-testid=post-list]", title2, "hidden")

	// Bob, another member, gets a 404: he may not know it exists.
	bob := newPerson(t, browser, board, "Bob")
	bob.signIn(bobEmail, bobPassword)
	if st := bob.open(postPath); st != http.StatusNotFound {
		t.Errorf("bob GET %s (hidden): status %d, want 404", postPath, st)
	}
	bob.expectContainsFold("[data-testid=error-kind]", "404", "Not found")
	bob.expectNotContains("[data-testid=error]", title2)
	if bob.has("[data-testid=hidden-notice]") || bob.has("[data-testid=post-title]") {
		t.Errorf("bob's 404 page shows the hidden post")
	}
	if st := bob.open(editPath); st != http.StatusNotFound {
		t.Errorf("bob GET %s (hidden): status %d, want 404 (not 403, which would confirm it exists)", editPath, st)
	}
	bob.open("/posts")
	bob.expectNotContains("[data-testid=post-list]", title2)
	bob.expectContains("[data-testid=post-list]", "Welcome to the board")

	// Later the author deletes it: gone from her list, and its page is a 404.
	if st := nina.open(postPath); st != http.StatusOK {
		t.Fatalf("nina GET %s: status %d", postPath, st)
	}
	if st := nina.click("[data-testid=delete-post]"); st != http.StatusOK || nina.path() != "/posts" {
		t.Fatalf("deleting: ended on %s with status %d, want /posts 200%s", nina.path(), st, nina.where())
	}
	nina.expectContains("[data-testid=flash]", "deleted")
	nina.expectNotContains("[data-testid=post-list]", title2)
	nina.expectContains("[data-testid=post-list]", "Welcome to the board")
	if st := nina.open(postPath); st != http.StatusNotFound {
		t.Errorf("nina GET %s after deleting: status %d, want 404", postPath, st)
	}
	t.Logf("browser journey took %v", time.Since(begin).Round(time.Millisecond))
}

// TestBrowserAnonymousIsAskedToSignIn: a member page opened without a session
// answers with the sign-in page, which says it is about authentication.
func TestBrowserAnonymousIsAskedToSignIn(t *testing.T) {
	board := startBoard(t, "-demo")
	browser := newBrowser(t)
	anon := newPerson(t, browser, board, "anonymous")
	st := anon.open("/posts")
	switch {
	case st == http.StatusUnauthorized:
		anon.expectContainsFold("[data-testid=error-kind]", "401", "Authentication")
		if !anon.has("[data-testid=login-form]") {
			t.Errorf("the 401 page has no sign-in form")
		}
	case st == http.StatusOK && anon.path() == "/login":
		// the 303-to-/login?next= variant of the design
	default:
		t.Fatalf("anonymous GET /posts: status %d on %s, want 401 with the sign-in form", st, anon.path())
	}
	anon.expectContains("[data-testid=whoami]", "Not signed in")

	// Signing in from that page lands on the page that was asked for.
	anon.board.mustNotLog(bobPassword)
	anon.fill("#email", bobEmail)
	anon.fill("#password", bobPassword)
	if st := anon.click("[data-testid=login-submit]"); st != http.StatusOK || anon.path() != "/posts" {
		t.Fatalf("signing in from the 401 page: ended on %s with status %d, want /posts 200%s", anon.path(), st, anon.where())
	}
	anon.expectContains("[data-testid=whoami]", "Bob")
	anon.watchSession()
}
