package main

// Browser test of "Where you are signed in" on /account: one member signed
// in from two browsers (two browser contexts, two cookie jars) sees both
// sessions, signs the other one out, and later signs out everywhere else.

import (
	"board/handlers/boardtest"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// User agents for the two devices, so the sessions table can tell them apart
// (views.DescribeDevice: "Firefox on Linux", "Safari on iPhone").
const (
	laptopUA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	phoneUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

// setUserAgent makes the person's tab send ua from now on.
func (p *person) setUserAgent(ua string) {
	p.t.Helper()
	step(p, "set user agent", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua})
		return err
	}))
	if got := step(p, "read user agent", chromedp.Evaluate[string](`navigator.userAgent`)); got != ua {
		p.t.Fatalf("%s: navigator.userAgent = %q after the override, want %q", p.name, got, ua)
	}
}

// signInAs is signIn for a person whose label (p.name) is not the display
// name the board shows: it checks whoami names displayName instead.
func (p *person) signInAs(email, password, displayName string) {
	p.t.Helper()
	p.board.mustNotLog(password)
	if st := p.open("/login"); st != http.StatusOK {
		p.t.Fatalf("%s: GET /login: status %d", p.name, st)
	}
	p.submitLogin(email, password, displayName)
}

// submitLogin fills and submits the sign-in form on the current page (the
// /login page or a 401 page carrying the form) and expects /posts.
func (p *person) submitLogin(email, password, displayName string) {
	p.t.Helper()
	p.board.mustNotLog(password)
	p.fill("#email", email)
	p.fill("#password", password)
	if st := p.click("[data-testid=login-submit]"); st != http.StatusOK || p.path() != "/posts" {
		p.t.Fatalf("%s: signing in as %s: ended on %s with status %d, want /posts 200%s", p.name, email, p.path(), st, p.where())
	}
	p.expectContains("[data-testid=whoami]", displayName, email)
	p.watchSession()
}

// sessionCookieValue is the board session cookie the browser holds now, or "".
func (p *person) sessionCookieValue() string {
	p.t.Helper()
	res := step(p, "read cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base}})
	})
	for _, c := range res.Cookies {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// getWithSession GETs path from a fresh client (empty jar) sending only the
// given session cookie, as someone who copied it would.
func getWithSession(t *testing.T, base, path, session string) *boardtest.Response {
	t.Helper()
	c := newClient(t, base)
	c.SetSessionCookie(session)
	return c.Get(path)
}

// sessionRow is one row of the sessions table on /account.
type sessionRow struct {
	Text       string `json:"text"`
	ThisDevice bool   `json:"thisDevice"`
	Revoke     bool   `json:"revoke"`
}

func (p *person) sessionRows() []sessionRow {
	p.t.Helper()
	return step(p, "read the sessions table", chromedp.Evaluate[[]sessionRow](`
		Array.from(document.querySelectorAll('[data-testid=session-row]')).map(r => ({
			text: r.innerText.replace(/\s+/g, ' ').trim(),
			thisDevice: r.querySelector('[data-testid=this-device]') !== null,
			revoke: r.querySelector('[data-testid=revoke-session]') !== null,
		}))`))
}

// expectSessions opens nothing: it checks the sessions table of the current
// /account page and returns its rows. want maps a device description to
// whether that row must be this device.
func (p *person) expectSessions(want map[string]bool) []sessionRow {
	p.t.Helper()
	rows := p.sessionRows()
	if len(rows) != len(want) {
		p.t.Errorf("%s: /account lists %d sessions, want %d: %+v", p.name, len(rows), len(want), rows)
		return rows
	}
	here := 0
	for device, thisDevice := range want {
		found := false
		for _, r := range rows {
			if !strings.Contains(r.Text, device) {
				continue
			}
			found = true
			if r.ThisDevice != thisDevice {
				p.t.Errorf("%s: the %s session is marked this device = %v, want %v (row %q)", p.name, device, r.ThisDevice, thisDevice, r.Text)
			}
			if r.Revoke == thisDevice {
				p.t.Errorf("%s: the %s session has a Sign out button = %v, want %v (only other devices can be signed out here)", p.name, device, r.Revoke, !thisDevice)
			}
		}
		if !found {
			p.t.Errorf("%s: no session row names %q: %+v", p.name, device, rows)
		}
	}
	for _, r := range rows {
		if r.ThisDevice {
			here++
		}
	}
	if here != 1 {
		p.t.Errorf("%s: %d session rows are marked this device, want exactly 1: %+v", p.name, here, rows)
	}
	return rows
}

// expectSignedOutElsewhere: the person's next page is the 401 sign-in page
// saying their session was ended from another device.
func (p *person) expectSignedOutElsewhere(path string) {
	p.t.Helper()
	if st := p.open(path); st != http.StatusUnauthorized {
		p.t.Errorf("%s: GET %s after being signed out elsewhere: status %d, want 401%s", p.name, path, st, p.where())
	}
	p.expectContainsFold("[data-testid=error-kind]", "401", "Authentication")
	p.expectContains("[data-testid=error-message]", "signed out from another device or by an admin")
	p.expectContains("[data-testid=whoami]", "Not signed in")
	if !p.has("[data-testid=login-form]") {
		p.t.Errorf("%s: the 401 page has no sign-in form", p.name)
	}
}

func TestBrowserSessionsListAndRevoke(t *testing.T) {
	board := startBoard(t, "-demo")
	browser := newBrowser(t)
	const (
		laptop = "Firefox on Linux"
		phone  = "Safari on iPhone"
	)
	a := newPerson(t, browser, board, "Bob's laptop (A)")
	b := newPerson(t, browser, board, "Bob's phone (B)")
	a.setUserAgent(laptopUA)
	b.setUserAgent(phoneUA)
	a.signInAs(bobEmail, bobPassword, "Bob")
	b.signInAs(bobEmail, bobPassword, "Bob")
	if a.sessionCookieValue() == b.sessionCookieValue() {
		t.Fatalf("the two browser contexts share one session cookie; want two separate sessions")
	}
	stolen := b.sessionCookieValue() // as if someone had copied B's cookie

	// A sees both sessions, its own marked.
	if st := a.open("/account"); st != http.StatusOK {
		t.Fatalf("A GET /account: status %d%s", st, a.where())
	}
	a.expectSessions(map[string]bool{laptop: true, phone: false})
	if !a.has("[data-testid=end-other-sessions]") {
		t.Errorf("A: with two sessions, /account has no \"Sign out everywhere else\"")
	}
	a.screenshot("sessions-two-devices")

	// A signs the phone out from its row.
	if n := step(a, "count revoke buttons", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=revoke-session]').length`)); n != 1 {
		t.Fatalf("A: %d Sign out buttons in the sessions table, want 1 (on the phone's row)", n)
	}
	revoke := "[data-testid=session-row] [data-testid=revoke-session]"
	if st := a.click(revoke); st != http.StatusOK || a.path() != "/account" {
		t.Fatalf("A: revoking the phone's session: ended on %s with status %d, want /account 200%s", a.path(), st, a.where())
	}
	a.expectContains("[data-testid=flash]", "signed out")
	a.expectSessions(map[string]bool{laptop: true})
	if a.has("[data-testid=end-other-sessions]") {
		t.Errorf("A: with one session left, /account still offers \"Sign out everywhere else\"")
	}
	a.expectContains("[data-testid=whoami]", "Bob")
	a.screenshot("sessions-after-revoke")

	// B's next request is refused, and says why.
	b.expectSignedOutElsewhere("/posts")
	if v := b.sessionCookieValue(); v == stolen {
		t.Errorf("B: after the 401 the browser still holds the revoked session cookie (the board should clear it)")
	}
	// A copy of the revoked cookie does not work either.
	if r := getWithSession(t, board.URL, "/posts", stolen); r.Status != http.StatusUnauthorized || strings.Contains(boardtest.Whoami(r.Body), "Bob") {
		t.Errorf("GET /posts with a copy of the revoked cookie: status %d, whoami %q; want 401, not signed in", r.Status, boardtest.Whoami(r.Body))
	}

	// B signs in again, from the 401 page's form.
	b.submitLogin(bobEmail, bobPassword, "Bob")
	stolen = b.sessionCookieValue()

	// A signs out everywhere else.
	if st := a.open("/account"); st != http.StatusOK {
		t.Fatalf("A GET /account: status %d%s", st, a.where())
	}
	a.expectSessions(map[string]bool{laptop: true, phone: false})
	if st := a.click("[data-testid=end-other-sessions]"); st != http.StatusOK || a.path() != "/account" {
		t.Fatalf("A: Sign out everywhere else: ended on %s with status %d, want /account 200%s", a.path(), st, a.where())
	}
	a.expectContains("[data-testid=flash]", "1 other session was signed out", "This one stays signed in")
	a.expectSessions(map[string]bool{laptop: true})

	// B is out on its next navigation; A is still in.
	b.expectSignedOutElsewhere("/posts")
	if st := a.open("/posts"); st != http.StatusOK {
		t.Errorf("A GET /posts after signing out everywhere else: status %d, want 200%s", st, a.where())
	}
	a.expectContains("[data-testid=whoami]", "Signed in", "Bob", bobEmail)
	if r := getWithSession(t, board.URL, "/posts", stolen); r.Status != http.StatusUnauthorized {
		t.Errorf("GET /posts with a copy of B's second (ended) cookie: status %d, want 401", r.Status)
	}
}
