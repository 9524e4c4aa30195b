package main

// Browser tests of "Sign in with Google / Facebook": the board runs with
// -demo, which starts its local stand-in for both providers on 127.0.0.1
// (see social.go), and Chromium goes through the stand-in's login and
// consent pages exactly as a person would. Nothing leaves loopback: every
// request the tab makes is checked (see guardLoopback).

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// standInRE matches the line demo mode prints when the stand-in starts.
var standInRE = regexp.MustCompile(`board: demo stand-in for Google and Facebook sign-in at (\S+) `)

// standInURL is the stand-in's base URL, as demo mode tells the operator on
// stdout; it must be on loopback.
func standInURL(t *testing.T, board *boardProc) string {
	t.Helper()
	out := board.stdout.String()
	m := standInRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the -demo board did not print where its Google/Facebook stand-in listens; stdout:\n%s", out)
	}
	u, err := url.Parse(m[1])
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		t.Fatalf("the stand-in listens at %q, want http://127.0.0.1:PORT (loopback only)", m[1])
	}
	return m[1]
}

// guardLoopback records every request the person's tab sends; when the test
// ends, any that went anywhere but 127.0.0.1 (say, a real accounts.google.com
// or facebook.com) fails it.
func guardLoopback(p *person) {
	p.t.Helper()
	var (
		mu      sync.Mutex
		seen    int
		outside []string
	)
	err := chromedp.Listen(p.ctx, func(ev any) {
		e, ok := ev.(*network.EventRequestWillBeSent)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		seen++
		u, err := url.Parse(e.Request.URL)
		if err != nil {
			outside = append(outside, e.Request.URL)
			return
		}
		switch u.Scheme {
		case "data", "about", "blob":
			return
		}
		if u.Hostname() != "127.0.0.1" {
			outside = append(outside, e.Request.URL)
		}
	})
	if err != nil {
		p.t.Fatalf("%s: listening to the tab's requests: %v", p.name, err)
	}
	p.t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if seen == 0 {
			p.t.Errorf("%s: the loopback guard saw no requests at all (is it listening?)", p.name)
		}
		for _, u := range outside {
			p.t.Errorf("%s: the browser sent a request off loopback: %s", p.name, u)
		}
	})
}

// standInIdentity is what the person types on the stand-in's login page.
type standInIdentity struct {
	Email, Name string
	Verified    bool // Google only: Facebook does not vouch for addresses
}

// signInThroughStandIn goes from /login through the stand-in's login and
// consent pages, clicks Allow, and returns the status of the board page it
// lands on. It screenshots the consent page.
func (p *person) signInThroughStandIn(provider, brand, standIn string, who standInIdentity) int {
	p.t.Helper()
	if st := p.open("/login"); st != http.StatusOK {
		p.t.Fatalf("%s: GET /login: status %d", p.name, st)
	}
	button := "[data-testid=signin-" + provider + "]"
	p.expectContains(button, "Sign in with "+brand)

	// The button is a form POSTing to /auth/{provider}; the board answers
	// 303 to the stand-in's authorize page.
	if st := p.click(button); st != http.StatusOK {
		p.t.Fatalf("%s: clicking %s: status %d, want 200 (the stand-in's login page)%s", p.name, button, st, p.where())
	}
	loc := step(p, "read location", chromedp.Location())
	if !strings.HasPrefix(loc, standIn+"/") {
		p.t.Fatalf("%s: after Sign in with %s the browser is on %s, want the stand-in at %s%s", p.name, brand, loc, standIn, p.where())
	}
	p.expectContains("h1", "Local stand-in for "+brand)
	p.expectContains("p.warn", "not the real "+brand, "test double")
	if !p.has("[data-testid=standin-login-form]") {
		p.t.Fatalf("%s: the stand-in shows no login form%s", p.name, p.where())
	}

	p.fill("[data-testid=standin-email]", who.Email)
	p.fill("[data-testid=standin-name]", who.Name)
	hasVerified := p.has("[data-testid=standin-email-verified]")
	switch {
	case provider == "google" && !hasVerified:
		p.t.Fatalf("%s: the Google stand-in has no \"email verified\" checkbox%s", p.name, p.where())
	case provider != "google" && hasVerified:
		p.t.Errorf("%s: the %s stand-in offers \"email verified\", which %s does not vouch for", p.name, brand, brand)
	}
	if hasVerified {
		checked := step(p, "read email_verified", chromedp.Evaluate[bool](`document.querySelector('[data-testid=standin-email-verified]').checked`))
		if checked != who.Verified {
			step(p, "toggle email_verified", chromedp.Click(chromedp.CSS("[data-testid=standin-email-verified]")))
		}
		checked = step(p, "read email_verified", chromedp.Evaluate[bool](`document.querySelector('[data-testid=standin-email-verified]').checked`))
		if checked != who.Verified {
			p.t.Fatalf("%s: \"email verified\" is %v after clicking it, want %v", p.name, checked, who.Verified)
		}
	}
	if st := p.click("[data-testid=standin-continue]"); st != http.StatusOK {
		p.t.Fatalf("%s: stand-in Continue: status %d, want 200 (the consent page)%s", p.name, st, p.where())
	}

	// The consent page names the app, the identity and the scopes.
	if !p.has("[data-testid=consent-allow]") {
		p.t.Fatalf("%s: after Continue the stand-in shows no consent page%s", p.name, p.where())
	}
	p.expectContains("h1", "Local stand-in for "+brand)
	p.expectContains("h2", "wants to access your "+brand+" account")
	p.expectContains("body", "Signed in as "+who.Name+" <"+who.Email+">")
	if scopes := p.text("[data-testid=consent-scopes]"); scopes == "" {
		p.t.Errorf("%s: the consent page lists no scopes", p.name)
	}
	p.screenshot("standin-consent-" + provider)

	// Allow: the stand-in answers 303 to the board's callback, which
	// exchanges the code (board to stand-in, on loopback) and redirects on.
	return p.click("[data-testid=consent-allow]")
}

// expectSignedInSocially checks the person landed on /posts signed in as
// who, then that /account lists the provider as connected.
func (p *person) expectSignedInSocially(st int, provider, brand string, who standInIdentity) {
	p.t.Helper()
	if st != http.StatusOK || p.path() != "/posts" {
		p.t.Fatalf("%s: after Allow: ended on %s with status %d, want /posts 200%s", p.name, p.path(), st, p.where())
	}
	p.expectContains("[data-testid=whoami]", "Signed in", who.Name, who.Email)
	p.expectNotContains("[data-testid=whoami]", "Not signed in")
	p.watchSession()

	if st := p.open("/account"); st != http.StatusOK {
		p.t.Fatalf("%s: GET /account: status %d, want 200%s", p.name, st, p.where())
	}
	id := "[data-testid=identity-" + provider + "]"
	if !p.has(id) {
		p.t.Fatalf("%s: /account does not list %s as connected (no %s)%s", p.name, brand, id, p.where())
	}
	p.expectContains(id, brand, "connected", who.Email)
	p.expectContains("[data-testid=password-status]", "not set")
	if p.has("[data-testid=link-" + provider + "]") {
		p.t.Errorf("%s: /account still offers to connect %s, which is connected", p.name, brand)
	}
	if !p.has("[data-testid=this-device]") {
		p.t.Errorf("%s: /account lists no session marked as this device", p.name)
	}
}

func TestBrowserSignInWithGoogle(t *testing.T) {
	board := startBoard(t, "-demo")
	standIn := standInURL(t, board)
	browser := newBrowser(t)
	who := standInIdentity{Email: "gina@example.com", Name: "Gina Google", Verified: true}
	gina := newPerson(t, browser, board, who.Name)
	guardLoopback(gina)

	st := gina.signInThroughStandIn("google", "Google", standIn, who)
	gina.expectSignedInSocially(st, "google", "Google", who)
}

func TestBrowserSignInWithFacebook(t *testing.T) {
	board := startBoard(t, "-demo")
	standIn := standInURL(t, board)
	browser := newBrowser(t)
	who := standInIdentity{Email: "fred@example.com", Name: "Fred Facebook"}
	fred := newPerson(t, browser, board, who.Name)
	guardLoopback(fred)

	st := fred.signInThroughStandIn("facebook", "Facebook", standIn, who)
	fred.expectSignedInSocially(st, "facebook", "Facebook", who)
}

// TestBrowserSocialRefusesExistingEmail: alice@example.com registered with a
// password and never proved the address, so a provider that does not vouch
// for it must not sign anyone in to her account, nor connect the provider
// to it (pre-account-hijacking). (A provider that vouches takes the
// address: TestBrowserSocialOwnerClaimsSquattedAddress.)
func TestBrowserSocialRefusesExistingEmail(t *testing.T) {
	board := startBoard(t, "-demo")
	standIn := standInURL(t, board)
	browser := newBrowser(t)
	who := standInIdentity{Email: aliceEmail, Name: "Alice Example", Verified: false}
	visitor := newPerson(t, browser, board, "visitor claiming alice")
	guardLoopback(visitor)

	st := visitor.signInThroughStandIn("google", "Google", standIn, who)
	if st != http.StatusConflict {
		t.Errorf("after Allow with an existing email Google does not vouch for: status %d on %s, want 409%s", st, visitor.path(), visitor.where())
	}
	if p := visitor.path(); p != "/auth/google/callback" {
		t.Errorf("the refusal is on %s, want the callback page /auth/google/callback", p)
	}
	visitor.expectContainsFold("[data-testid=error-kind]", "409", "Not signed in")
	visitor.expectContains("[data-testid=error-heading]", "An account with this email already exists")
	visitor.expectContains("[data-testid=error-message]", aliceEmail, "did not sign you in or connect them", "sign in the way you set it up")
	visitor.expectContains("[data-testid=whoami]", "Not signed in")
	visitor.screenshot("social-409-existing-email")

	// Still anonymous on the next page too.
	if st := visitor.open("/posts"); st != http.StatusUnauthorized {
		t.Errorf("after the 409, GET /posts: status %d, want 401 (not signed in)", st)
	}
	visitor.expectContains("[data-testid=whoami]", "Not signed in")

	// Nothing was linked: Alice, signing in with her password, has no Google
	// connection and is still offered to connect it.
	alice := newPerson(t, browser, board, "Alice")
	alice.signIn(aliceEmail, alicePassword)
	if st := alice.open("/account"); st != http.StatusOK {
		t.Fatalf("alice GET /account: status %d", st)
	}
	if alice.has("[data-testid=identity-google]") {
		t.Errorf("BUG: the refused Google sign-in was connected to Alice's account anyway: %q", alice.text("[data-testid=identity-google]"))
	}
	if !alice.has("[data-testid=link-google]") {
		t.Errorf("alice's /account does not offer Connect Google")
	}
	alice.expectContains("[data-testid=password-status]", "Password: set")
	if n := step(alice, "count sessions", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=session-row]').length`)); n != 1 {
		t.Errorf("alice has %d sessions, want 1 (the refused sign-in must not have created one for her)", n)
	}
}

// TestBrowserSocialOwnerClaimsSquattedAddress: alice@example.com was
// registered with a password and never proved (issue 14 item 7). Its
// owner, signing in with Google that vouches for it, gets an account of
// their own with the address; the password account keeps its posts but
// can no longer sign in with that address.
func TestBrowserSocialOwnerClaimsSquattedAddress(t *testing.T) {
	board := startBoard(t, "-demo")
	standIn := standInURL(t, board)
	browser := newBrowser(t)
	owner := newPerson(t, browser, board, "Alice Owner")
	guardLoopback(owner)
	who := standInIdentity{Email: aliceEmail, Name: "Alice Owner", Verified: true}
	owner.expectSignedInSocially(owner.signInThroughStandIn("google", "Google", standIn, who), "google", "Google", who)
	owner.expectContains("[data-testid=email-status]", aliceEmail+": confirmed.")
	owner.screenshot("social-owner-claims-address")

	squatter := newPerson(t, browser, board, "former holder")
	if st := squatter.open("/login"); st != http.StatusOK {
		t.Fatalf("GET /login: %d", st)
	}
	squatter.fill("#email", aliceEmail)
	squatter.fill("#password", alicePassword)
	if st := squatter.click("[data-testid=login-submit]"); st != http.StatusUnauthorized {
		t.Errorf("the former holder's password with the address: status %d, want 401%s", st, squatter.where())
	}
	if st := owner.open("/posts"); st != http.StatusOK {
		t.Fatalf("GET /posts: %d", st)
	}
	// The squatting account's post stays, under its name.
	owner.expectContains("[data-testid=post-list]", "Welcome to the board", "by Alice")
}
