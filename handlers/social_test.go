package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"board/models"
)

// HTTP tests for "Sign in with Google / Facebook", through the real board and
// the local stand-in provider (see socialharness_test.go). Every flow is
// driven as a browser would: the board's form, the stand-in's login and
// consent pages, the redirect back to the callback.

// --- new accounts and returning sign-ins ------------------------------------

func TestSocialGoogleNewAccount(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	before := c.sessionCookie()
	if before == "" {
		t.Fatal("no session cookie after loading the sign-in page")
	}

	f := sx.signInWith(t, c, "google", socialWho{Email: "gina@example.com", Name: "Gina Google", Verified: true}, "/posts/new")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts/new" {
		t.Fatalf("callback: status %d to %q, want 303 to /posts/new (next honoured)\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	after := c.sessionCookie()
	if after == "" || after == before {
		t.Errorf("session token not renewed by the social sign-in: before %q, after %q", before, after)
	}

	u := sx.userByEmail(t, "gina@example.com")
	if u == nil {
		t.Fatal("no account created for gina@example.com")
	}
	if u.HasPassword() {
		t.Error("account created by Google sign-in has a password")
	}
	if u.DisplayName != "Gina Google" {
		t.Errorf("display name %q, want the provider's %q", u.DisplayName, "Gina Google")
	}
	if !u.EmailVerified {
		t.Error("Google said email_verified=true, account email is not verified")
	}
	if u.Role != models.RoleMember || u.IsSuspended() {
		t.Errorf("new account role %q suspended %v, want a plain member", u.Role, u.IsSuspended())
	}
	ids := sx.identitiesOf(t, u.ID)
	if len(ids) != 1 || ids[0].Provider != "google" || ids[0].Subject == "" || ids[0].Email != "gina@example.com" {
		t.Fatalf("identities %+v, want one google identity with a subject", ids)
	}
	if got, err := sx.Identities.Find(context.Background(), "google", ids[0].Subject); err != nil || got.UserID != u.ID {
		t.Errorf("Find(google, %s) = %+v, %v; want user %d", ids[0].Subject, got, err, u.ID)
	}

	socialWantSignedInAs(t, c, "Gina Google")

	if n := sx.auditCount(t, models.AuditRegister, u.ID, "via google"); n != 1 {
		t.Errorf("audit register via google: %d rows, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditIdentityLinked, u.ID, "google"); n != 1 {
		t.Errorf("audit identity_linked google: %d rows, want 1", n)
	}
	signIns := sx.auditOf(t, models.AuditSignIn)
	if len(signIns) != 1 || signIns[0].ActorID != u.ID || signIns[0].TargetID != u.ID || signIns[0].Detail != "via google" {
		t.Errorf("audit sign_in = %+v, want one by user %d \"via google\"", signIns, u.ID)
	}

	// The pre-sign-in token is dead: whoever knew it (session fixation) is
	// not signed in.
	fixated := sx.newClient()
	fixated.t = t
	fixated.setSessionCookie(before)
	socialWantAnonymous(t, fixated)
}

func TestSocialGoogleUnverifiedEmail(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	f := sx.signInWith(t, c, "google", socialWho{Email: "uma@example.com", Name: "Uma Unverified"}, "")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("callback: status %d to %q, want 303 to /posts", f.Final.Status, f.Final.Location())
	}
	u := sx.userByEmail(t, "uma@example.com")
	if u == nil {
		t.Fatal("no account created")
	}
	if u.EmailVerified {
		t.Error("Google said email_verified=false, but the account's email is marked verified")
	}
	socialWantSignedInAs(t, c, "Uma Unverified")
}

func TestSocialNextOnlySameOrigin(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	who := socialWho{Email: "nina@example.com", Name: "Nina Next", Verified: true}
	for _, tc := range []struct{ next, want string }{
		{"/posts/new", "/posts/new"},
		{"/account", "/account"},
		{"//evil.example", "/posts"},
		{"//evil.example/posts", "/posts"},
		{"https://evil.example/", "/posts"},
		{`/\evil.example`, "/posts"},
		{"javascript:alert(1)", "/posts"},
	} {
		c := sx.browser(t)
		f := sx.signInWith(t, c, "google", who, tc.next)
		if f.Final.Status != http.StatusSeeOther || f.Final.Location() != tc.want {
			t.Errorf("next %q: callback status %d to %q, want 303 to %q", tc.next, f.Final.Status, f.Final.Location(), tc.want)
		}
	}
	if n := sx.countRows(t, "users"); n != 1 {
		t.Errorf("%d users, want 1 (the same identity each time)", n)
	}
}

func TestSocialGoogleReturning(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	who := socialWho{Email: "rita@example.com", Name: "Rita Return", Verified: true}
	first := sx.browser(t)
	if f := sx.signInWith(t, first, "google", who, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("first sign-in: status %d\n%s", f.Final.Status, socialClip(f.Final.Body))
	}
	u := sx.userByEmail(t, "rita@example.com")
	if u == nil {
		t.Fatal("no account after the first sign-in")
	}

	// Later, another browser; the provider now reports a different name: the
	// board keys the person by (provider, subject), not by name or email.
	second := sx.browser(t)
	f := sx.signInWith(t, second, "google", socialWho{Email: who.Email, Name: "Rita Renamed", Verified: true}, "")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("returning sign-in: status %d to %q\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	socialWantSignedInAs(t, second, "Rita Return")
	if n := sx.countRows(t, "users"); n != 1 {
		t.Errorf("%d users after a returning sign-in, want 1", n)
	}
	if n := sx.countRows(t, "identities"); n != 1 {
		t.Errorf("%d identities after a returning sign-in, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditRegister, u.ID, ""); n != 1 {
		t.Errorf("register audited %d times, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditSignIn, u.ID, "via google"); n != 2 {
		t.Errorf("sign_in via google audited %d times, want 2", n)
	}
}

func TestSocialFacebookNewAccountAndReturning(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	before := c.sessionCookie()
	// Verified is ticked in spirit, but Facebook's page has no such box and
	// Facebook never vouches for an email.
	who := socialWho{Email: "fay@example.com", Name: "Fay Facebook", Verified: true}
	f := sx.signInWith(t, c, "facebook", who, "/account")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("callback: status %d to %q, want 303 to /account\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	if after := c.sessionCookie(); after == "" || after == before {
		t.Errorf("session token not renewed: before %q after %q", before, after)
	}
	u := sx.userByEmail(t, "fay@example.com")
	if u == nil {
		t.Fatal("no account created for fay@example.com")
	}
	if u.HasPassword() || u.DisplayName != "Fay Facebook" {
		t.Errorf("account: password %v, name %q; want no password and the provider's name", u.HasPassword(), u.DisplayName)
	}
	if u.EmailVerified {
		t.Error("Facebook never vouches for email, but the account's email is marked verified")
	}
	ids := sx.identitiesOf(t, u.ID)
	if len(ids) != 1 || ids[0].Provider != "facebook" || ids[0].Subject == "" {
		t.Fatalf("identities %+v, want one facebook identity", ids)
	}
	socialWantSignedInAs(t, c, "Fay Facebook")
	if n := sx.auditCount(t, models.AuditRegister, u.ID, "via facebook"); n != 1 {
		t.Errorf("audit register via facebook: %d, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditIdentityLinked, u.ID, "facebook"); n != 1 {
		t.Errorf("audit identity_linked facebook: %d, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditSignIn, u.ID, "via facebook"); n != 1 {
		t.Errorf("audit sign_in via facebook: %d, want 1", n)
	}

	again := sx.browser(t)
	f = sx.signInWith(t, again, "facebook", who, "//evil.example")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("returning: status %d to %q, want 303 to /posts (unsafe next dropped)", f.Final.Status, f.Final.Location())
	}
	socialWantSignedInAs(t, again, "Fay Facebook")
	if n := sx.countRows(t, "users"); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditSignIn, u.ID, "via facebook"); n != 2 {
		t.Errorf("audit sign_in via facebook: %d, want 2", n)
	}
}

// A Google identity and a Facebook identity are different people to the
// board unless linked, even with different emails on one browser.
func TestSocialProvidersKeyedBySubject(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	sx.signInWith(t, c, "google", socialWho{Email: "kim@example.com", Name: "Kim G", Verified: true}, "")
	c2 := sx.browser(t)
	f := sx.signInWith(t, c2, "facebook", socialWho{Email: "kim.fb@example.com", Name: "Kim F"}, "")
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("facebook sign-in: %d", f.Final.Status)
	}
	socialWantSignedInAs(t, c2, "Kim F")
	if n := sx.countRows(t, "users"); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}

// --- refusals at the callback -------------------------------------------------

// refusedAnonymously checks a refused callback left no trace: the page
// status, the browser's session token unchanged, still anonymous, and no
// account or identity created.
func (sx *socialServer) refusedAnonymously(t *testing.T, what string, c *client, res *response, cookieBefore string, status int, texts ...string) {
	t.Helper()
	socialWantPage(t, what, res, status, texts...)
	if got := c.sessionCookie(); got != cookieBefore {
		t.Errorf("%s: session token changed (%q -> %q)", what, cookieBefore, got)
	}
	socialWantAnonymous(t, c)
	if n := sx.countRows(t, "users"); n != 0 {
		t.Errorf("%s: %d users exist, want none", what, n)
	}
	if n := sx.countRows(t, "identities"); n != 0 {
		t.Errorf("%s: %d identities exist, want none", what, n)
	}
	if n := len(sx.auditOf(t, models.AuditSignIn)); n != 0 {
		t.Errorf("%s: %d sign_in audit rows, want none", what, n)
	}
}

const socialStateRefused = "This sign-in could not be completed"

var socialSomeone = socialWho{Email: "sam@example.com", Name: "Sam Someone", Verified: true}

func TestSocialTamperedState(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	for _, provider := range []string{"google", "facebook"} {
		c := sx.browser(t)
		_, authURL := sx.startSocial(t, c, "/auth/"+provider, "")
		cb := sx.authorize(t, authURL, socialSomeone)
		cookie := c.sessionCookie()
		state := socialQueryParam(t, cb, "state")
		if len(state) < 20 {
			t.Fatalf("state %q is too short to be random", state)
		}
		// Alter one character, keeping the alphabet.
		b := []byte(state)
		if b[5] == 'A' {
			b[5] = 'B'
		} else {
			b[5] = 'A'
		}
		res := sx.visit(t, c, socialWithQuery(t, cb, "state", string(b)))
		sx.refusedAnonymously(t, provider+" tampered state", c, res, cookie, http.StatusBadRequest, socialStateRefused)
	}
}

func TestSocialMissingState(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	for _, provider := range []string{"google", "facebook"} {
		c := sx.browser(t)
		_, authURL := sx.startSocial(t, c, "/auth/"+provider, "")
		cb := sx.authorize(t, authURL, socialSomeone)
		cookie := c.sessionCookie()
		res := sx.visit(t, c, socialWithQuery(t, cb, "state", ""))
		sx.refusedAnonymously(t, provider+" missing state", c, res, cookie, http.StatusBadRequest, socialStateRefused)
		// An empty state= is no better than none.
		c2 := sx.browser(t)
		_, authURL = sx.startSocial(t, c2, "/auth/"+provider, "")
		cb = sx.authorize(t, authURL, socialSomeone)
		cookie = c2.sessionCookie()
		res = sx.visit(t, c2, strings.Replace(socialWithQuery(t, cb, "state", ""), "?", "?state=&", 1))
		sx.refusedAnonymously(t, provider+" empty state", c2, res, cookie, http.StatusBadRequest, socialStateRefused)
	}
}

// A callback with a good state but neither code nor error is refused, and
// uses up the state.
func TestSocialMissingCode(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	_, authURL := sx.startSocial(t, c, "/auth/google", "")
	cb := sx.authorize(t, authURL, socialSomeone)
	cookie := c.sessionCookie()
	res := sx.visit(t, c, socialWithQuery(t, cb, "code", ""))
	sx.refusedAnonymously(t, "callback without code", c, res, cookie, http.StatusBadRequest, socialStateRefused)
	res = sx.visit(t, c, cb)
	sx.refusedAnonymously(t, "the genuine callback after the state was used", c, res, cookie, http.StatusBadRequest, socialStateRefused)
}

// A callback without any flow started in this browser (a forged or
// forwarded link: login CSRF) is refused.
func TestSocialCallbackWithoutFlow(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	starter := sx.browser(t)
	_, authURL := sx.startSocial(t, starter, "/auth/google", "")
	cb := sx.authorize(t, authURL, socialSomeone)

	victim := sx.browser(t)
	cookie := victim.sessionCookie()
	res := sx.visit(t, victim, cb)
	sx.refusedAnonymously(t, "callback in a browser that started nothing", victim, res, cookie, http.StatusBadRequest, socialStateRefused)
}

func TestSocialReplayedCallback(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	f := sx.signInWith(t, c, "google", socialSomeone, "")
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("first use of the callback: %d\n%s", f.Final.Status, socialClip(f.Final.Body))
	}
	u := sx.userByEmail(t, socialSomeone.Email)
	cookie := c.sessionCookie()

	// Same browser, same URL again (back button, reload): the state was
	// used, so nothing happens and the session stays as it was.
	res := sx.visit(t, c, f.Callback)
	socialWantPage(t, "replayed callback, same browser", res, http.StatusBadRequest, socialStateRefused)
	if got := c.sessionCookie(); got != cookie {
		t.Errorf("replay changed the session token")
	}
	socialWantSignedInAs(t, c, socialSomeone.Name)

	// Another browser that got hold of the URL (history, logs, Referer).
	other := sx.browser(t)
	otherCookie := other.sessionCookie()
	res = sx.visit(t, other, f.Callback)
	socialWantPage(t, "replayed callback, other browser", res, http.StatusBadRequest, socialStateRefused)
	if got := other.sessionCookie(); got != otherCookie {
		t.Errorf("replay in another browser changed its session token")
	}
	socialWantAnonymous(t, other)
	if n := sx.countRows(t, "users"); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditSignIn, u.ID, ""); n != 1 {
		t.Errorf("%d sign-ins audited, want 1", n)
	}
}

// State is checked per provider: a state minted for Facebook does not
// satisfy the Google callback, even in the same browser.
func TestSocialStateFromOtherProvider(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})

	// Only a Facebook flow pending.
	c := sx.browser(t)
	_, fbAuth := sx.startSocial(t, c, "/auth/facebook", "")
	fbCallback := sx.authorize(t, fbAuth, socialSomeone)
	cookie := c.sessionCookie()
	swapped := sx.URL + "/auth/google/callback?" + socialMustURL(t, fbCallback).RawQuery
	res := sx.visit(t, c, swapped)
	sx.refusedAnonymously(t, "facebook state on google callback", c, res, cookie, http.StatusBadRequest, socialStateRefused)

	// Both flows pending in one browser: each state still only fits its own.
	c2 := sx.browser(t)
	sx.startSocial(t, c2, "/auth/google", "") // pending in the session, never finished
	_, fbAuth = sx.startSocial(t, c2, "/auth/facebook", "")
	fbCallback = sx.authorize(t, fbAuth, socialSomeone)
	cookie = c2.sessionCookie()
	swapped = sx.URL + "/auth/google/callback?" + socialMustURL(t, fbCallback).RawQuery
	res = sx.visit(t, c2, swapped)
	sx.refusedAnonymously(t, "facebook state on google callback with a google flow pending", c2, res, cookie, http.StatusBadRequest, socialStateRefused)
}

func socialMustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Expiry: the board refuses a flow that comes back more than 10 minutes
// after it started, and accepts one just inside that. The board's clock is
// advanced; the stand-in's code stays valid, so only the state's age differs.
func TestSocialExpiredState(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	_, authURL := sx.startSocial(t, c, "/auth/google", "")
	cb := sx.authorize(t, authURL, socialSomeone)
	sx.Clock.Advance(10*time.Minute + time.Second)
	cookie := c.sessionCookie()
	res := sx.visit(t, c, cb)
	sx.refusedAnonymously(t, "expired state", c, res, cookie, http.StatusBadRequest, socialStateRefused)

	ok := sx.browser(t)
	_, authURL = sx.startSocial(t, ok, "/auth/google", "")
	cb = sx.authorize(t, authURL, socialSomeone)
	sx.Clock.Advance(10*time.Minute - 5*time.Second)
	if res := sx.visit(t, ok, cb); res.Status != http.StatusSeeOther {
		t.Errorf("flow back just inside 10 minutes: status %d, want 303\n%s", res.Status, socialClip(res.Body))
	}
}

// --- the provider says no, or fails -------------------------------------------

func TestSocialDeniedConsent(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	for _, tc := range []struct{ provider, label string }{{"google", "Google"}, {"facebook", "Facebook"}} {
		c := sx.browser(t)
		_, authURL := sx.startSocial(t, c, "/auth/"+tc.provider, "")
		who := socialSomeone
		who.Deny = true
		cb := sx.authorize(t, authURL, who)
		if socialQueryParam(t, cb, "error") != "access_denied" {
			t.Fatalf("stand-in callback %s lacks error=access_denied", cb)
		}
		cookie := c.sessionCookie()
		res := sx.visit(t, c, cb)
		sx.refusedAnonymously(t, tc.provider+" denied consent", c, res, cookie, http.StatusUnauthorized,
			"You declined at "+tc.label, "you are not signed in")
	}
}

func TestSocialTokenEndpointFailure(t *testing.T) {
	for _, tc := range []struct{ provider, label string }{{"google", "Google"}, {"facebook", "Facebook"}} {
		sx := newSocialServer(t, socialOptions{})
		sx.Provider.SetTokenFault(http.StatusServiceUnavailable, 0)
		c := sx.browser(t)
		f := sx.signInWith(t, c, tc.provider, socialSomeone, "")
		cookie := c.sessionCookie()
		sx.refusedAnonymously(t, tc.provider+" token endpoint 503", c, f.Final, cookie, http.StatusBadGateway,
			tc.label+" did not complete the sign-in", "you are not signed in")

		// The fault was the cause: with it cleared, the same person gets in.
		sx.Provider.SetTokenFault(0, 0)
		c2 := sx.browser(t)
		if f := sx.signInWith(t, c2, tc.provider, socialSomeone, ""); f.Final.Status != http.StatusSeeOther {
			t.Errorf("%s after clearing the fault: %d", tc.provider, f.Final.Status)
		}
	}
}

// A token endpoint slower than the board's provider timeout fails the
// sign-in with 502 instead of hanging. The board runs with a 300ms provider
// client here (cmd/board uses 10s).
func TestSocialTokenEndpointTimeout(t *testing.T) {
	sx := newSocialServer(t, socialOptions{providerTimeout: 300 * time.Millisecond})
	sx.Provider.SetTokenFault(0, 2*time.Second)
	t.Cleanup(func() { sx.Provider.SetTokenFault(0, 0) })
	c := sx.browser(t)
	_, authURL := sx.startSocial(t, c, "/auth/google", "")
	cb := sx.authorize(t, authURL, socialSomeone)
	cookie := c.sessionCookie()
	start := time.Now()
	res := sx.visit(t, c, cb)
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("callback took %v: the board waited for the slow provider instead of timing out", took)
	}
	sx.refusedAnonymously(t, "token endpoint slower than the client timeout", c, res, cookie, http.StatusBadGateway,
		"Google did not complete the sign-in")
}

// Authorization codes are single use and bound to the PKCE verifier of the
// browser that started the flow. The state check fires first on any replayed
// callback URL (TestSocialReplayedCallback), so to reach the code itself the
// attacker here starts a flow of their own (holding a genuine state for their
// own session) and pairs that state with socialSomeone else's code. What is proven:
// a stolen code is useless to another browser, whether already redeemed
// (single use at the token endpoint) or fresh (PKCE: the attacker's session
// has a different verifier), and the board reports it without signing anyone
// in.
func TestSocialCodeReplay(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	victim := socialWho{Email: "vic@example.com", Name: "Vic Victim", Verified: true}

	// 1. A code the victim already redeemed.
	v := sx.browser(t)
	f := sx.signInWith(t, v, "google", victim, "")
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("victim sign-in: %d", f.Final.Status)
	}
	usedCode := socialQueryParam(t, f.Callback, "code")

	attacker := sx.browser(t)
	_, authURL := sx.startSocial(t, attacker, "/auth/google", "")
	attackerState := socialQueryParam(t, authURL, "state")
	cookie := attacker.sessionCookie()
	res := sx.visit(t, attacker, sx.URL+"/auth/google/callback?"+url.Values{"state": {attackerState}, "code": {usedCode}}.Encode())
	socialWantPage(t, "redeemed code with the attacker's own state", res, http.StatusBadGateway, "Google did not complete the sign-in")
	if attacker.sessionCookie() != cookie {
		t.Error("attacker's session token changed")
	}
	socialWantAnonymous(t, attacker)

	// 2. A fresh code the victim has not delivered yet (code injection).
	v2 := sx.browser(t)
	_, authURL = sx.startSocial(t, v2, "/auth/google", "")
	freshCode := socialQueryParam(t, sx.authorize(t, authURL, socialWho{Email: "vic2@example.com", Name: "Vic Two", Verified: true}), "code")
	attacker2 := sx.browser(t)
	_, authURL = sx.startSocial(t, attacker2, "/auth/google", "")
	cookie = attacker2.sessionCookie()
	res = sx.visit(t, attacker2, sx.URL+"/auth/google/callback?"+
		url.Values{"state": {socialQueryParam(t, authURL, "state")}, "code": {freshCode}}.Encode())
	socialWantPage(t, "fresh stolen code with the attacker's own state", res, http.StatusBadGateway, "Google did not complete the sign-in")
	if attacker2.sessionCookie() != cookie {
		t.Error("attacker2's session token changed")
	}
	socialWantAnonymous(t, attacker2)
	if u := sx.userByEmail(t, "vic2@example.com"); u != nil {
		t.Error("an account was created from a code injected into another browser's flow")
	}
	if n := sx.countRows(t, "users"); n != 1 {
		t.Errorf("%d users, want only the victim's", n)
	}
}

// --- account takeover defences ---------------------------------------------------

const socialAccountExists = "An account with this email already exists"

// Pre-account hijacking: the attacker registers the victim's address with a
// password first, hoping the victim's later social sign-in gets attached to
// the attacker's account.
func TestSocialPreAccountHijack(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	const attackerPW = "mallory-owns-this-9"
	mal := sx.browser(t)
	res := mal.post("/register", url.Values{"email": {"victim@example.com"}, "display_name": {"Mallory"}, "password": {attackerPW}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("attacker registration: %d\n%s", res.Status, socialClip(res.Body))
	}
	acct := sx.userByEmail(t, "victim@example.com")
	if acct == nil || acct.EmailVerified || !acct.HasPassword() {
		t.Fatalf("attacker's account %+v, want unverified email with a password", acct)
	}
	usersBefore := sx.countRows(t, "users")

	for _, tc := range []struct{ provider, label string }{{"google", "Google"}, {"facebook", "Facebook"}} {
		victim := sx.browser(t)
		cookie := victim.sessionCookie()
		f := sx.signInWith(t, victim, tc.provider, socialWho{Email: "victim@example.com", Name: "Victoria", Verified: true}, "")
		socialWantPage(t, tc.provider+" sign-in onto a squatted email", f.Final, http.StatusConflict,
			socialAccountExists, "sign in the way you set it up", "connect "+tc.label+" from your account page")
		if victim.sessionCookie() != cookie {
			t.Errorf("%s: victim's session token changed", tc.provider)
		}
		socialWantAnonymous(t, victim)
		if n := sx.countRows(t, "identities"); n != 0 {
			t.Errorf("%s: %d identities exist, want none", tc.provider, n)
		}
		if n := sx.countRows(t, "users"); n != usersBefore {
			t.Errorf("%s: %d users, want %d", tc.provider, n, usersBefore)
		}
		after := sx.userByEmail(t, "victim@example.com")
		if after.ID != acct.ID || after.PasswordHash != acct.PasswordHash || after.DisplayName != "Mallory" || after.EmailVerified {
			t.Errorf("%s: attacker's account changed: %+v", tc.provider, after)
		}
	}
	if n := len(sx.auditOf(t, models.AuditIdentityLinked)); n != 0 {
		t.Errorf("%d identity_linked audit rows, want none", n)
	}
	if n := sx.auditCount(t, models.AuditSignIn, acct.ID, ""); n != 1 { // only "after registering"
		t.Errorf("%d sign-ins audited for the attacker's account, want 1", n)
	}

	// The attacker, signing in with the password, finds nothing connected.
	mal2 := sx.browser(t)
	mal2.login("victim@example.com", attackerPW)
	page := mal2.get("/account")
	if page.Status != http.StatusOK {
		t.Fatalf("GET /account: %d", page.Status)
	}
	for _, p := range []string{"google", "facebook"} {
		if strings.Contains(page.Body, `data-testid="identity-`+p+`"`) {
			t.Errorf("attacker's account page shows a %s connection", p)
		}
		if !strings.Contains(page.Body, `data-testid="link-`+p+`"`) {
			t.Errorf("attacker's account page lacks the Connect %s button", p)
		}
	}
}

func TestSocialAutoLinkOnlyWhenBothVerified(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})

	// A Google-created account with a verified email: Facebook, which never
	// vouches, cannot attach itself by email.
	g := sx.browser(t)
	sx.signInWith(t, g, "google", socialWho{Email: "x@example.com", Name: "Xena", Verified: true}, "")
	x := sx.userByEmail(t, "x@example.com")
	if x == nil || !x.EmailVerified {
		t.Fatalf("Google-created account %+v, want a verified email", x)
	}
	fb := sx.browser(t)
	f := sx.signInWith(t, fb, "facebook", socialWho{Email: "x@example.com", Name: "Not Xena"}, "")
	socialWantPage(t, "facebook onto a verified account", f.Final, http.StatusConflict, socialAccountExists)
	socialWantAnonymous(t, fb)
	if ids := sx.identitiesOf(t, x.ID); len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("identities %+v, want only google", ids)
	}

	// A verified local account with a password.
	hash, err := models.HashPassword("vera-password-123")
	if err != nil {
		t.Fatal(err)
	}
	vera, err := sx.Users.Create(context.Background(), models.NewUser{Email: "vera@example.com", EmailVerified: true,
		DisplayName: "Vera Verified", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}

	// Google does not vouch: refused, nothing linked.
	c := sx.browser(t)
	cookie := c.sessionCookie()
	f = sx.signInWith(t, c, "google", socialWho{Email: "vera@example.com", Name: "Vera G"}, "")
	socialWantPage(t, "unverified google onto a verified account", f.Final, http.StatusConflict, socialAccountExists)
	if c.sessionCookie() != cookie {
		t.Error("refused sign-in changed the session token")
	}
	socialWantAnonymous(t, c)
	if ids := sx.identitiesOf(t, vera.ID); len(ids) != 0 {
		t.Errorf("identities %+v linked without Google vouching", ids)
	}

	// Google vouches and the account is verified: linked and signed in.
	c = sx.browser(t)
	cookie = c.sessionCookie()
	f = sx.signInWith(t, c, "google", socialWho{Email: "vera@example.com", Name: "Vera G", Verified: true}, "")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("verified google onto a verified account: %d to %q\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	if c.sessionCookie() == cookie {
		t.Error("session token not renewed")
	}
	socialWantSignedInAs(t, c, "Vera Verified")
	ids := sx.identitiesOf(t, vera.ID)
	if len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("identities %+v, want google linked to vera", ids)
	}
	if n := sx.auditCount(t, models.AuditIdentityLinked, vera.ID, "google"); n != 1 {
		t.Errorf("identity_linked audited %d times, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditSignIn, vera.ID, "via google"); n != 1 {
		t.Errorf("sign_in via google audited %d times, want 1", n)
	}
	if n := sx.auditCount(t, models.AuditRegister, vera.ID, ""); n != 0 {
		t.Errorf("a register event was audited for an existing account")
	}
	after := sx.userByEmail(t, "vera@example.com")
	if after.PasswordHash != hash || after.DisplayName != "Vera Verified" {
		t.Errorf("linking changed the account: %+v", after)
	}
	if n := sx.countRows(t, "users"); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}

// --- linking and unlinking while signed in ---------------------------------------

func TestSocialLinkWhileSignedIn(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	pat := sx.createUser("pat@example.com", "Pat Password", "pat-password-123", models.RoleMember)
	c := sx.browser(t)
	c.login("pat@example.com", "pat-password-123")

	page := c.get("/account")
	socialWantPage(t, "account page", page, http.StatusOK, "Connect Google", "Connect Facebook")
	if strings.Contains(page.Body, `data-testid="identity-google"`) {
		t.Fatal("account page shows Google connected before linking")
	}

	f := sx.linkWith(t, c, "google", socialWho{Email: "pat.personal@example.org", Name: "Pat at Google"})
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("link callback: %d to %q, want 303 to /account\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	page = c.get("/account")
	socialWantPage(t, "account page after linking", page, http.StatusOK, "Google is now connected")
	if !strings.Contains(page.Body, `data-testid="identity-google"`) || strings.Contains(page.Body, `data-testid="link-google"`) {
		t.Error("account page does not show Google as connected")
	}
	ids := sx.identitiesOf(t, pat.ID)
	if len(ids) != 1 || ids[0].Provider != "google" || ids[0].Email != "pat.personal@example.org" {
		t.Fatalf("identities %+v, want google linked to pat", ids)
	}
	if n := sx.auditCount(t, models.AuditIdentityLinked, pat.ID, "google"); n != 1 {
		t.Errorf("identity_linked audited %d times, want 1", n)
	}
	socialWantSignedInAs(t, c, "Pat Password")

	// The connection works for signing in.
	c2 := sx.browser(t)
	if f := sx.signInWith(t, c2, "google", socialWho{Email: "pat.personal@example.org", Name: "Pat at Google"}, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("sign-in with the linked identity: %d", f.Final.Status)
	}
	socialWantSignedInAs(t, c2, "Pat Password")

	// A second Google identity on an account that has one: refused.
	f = sx.linkWith(t, c, "google", socialWho{Email: "pat.other@example.org", Name: "Other Pat"})
	socialWantPage(t, "second google link", f.Final, http.StatusConflict, "is already connected", "Nothing changed")
	if ids := sx.identitiesOf(t, pat.ID); len(ids) != 1 || ids[0].Email != "pat.personal@example.org" {
		t.Errorf("identities after a refused second link: %+v", ids)
	}
	if n := sx.countRows(t, "users"); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	socialWantSignedInAs(t, c, "Pat Password")
}

func TestSocialLinkIdentityOfAnotherAccount(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	// Gail's account was created by her Google sign-in.
	gb := sx.browser(t)
	sx.signInWith(t, gb, "google", socialWho{Email: "gail@example.com", Name: "Gail", Verified: true}, "")
	gail := sx.userByEmail(t, "gail@example.com")
	if gail == nil {
		t.Fatal("no account for gail")
	}
	gailIDs := sx.identitiesOf(t, gail.ID)

	quinn := sx.createUser("quinn@example.com", "Quinn", "quinn-password-123", models.RoleMember)
	c := sx.browser(t)
	c.login("quinn@example.com", "quinn-password-123")
	f := sx.linkWith(t, c, "google", socialWho{Email: "gail@example.com", Name: "Gail", Verified: true})
	socialWantPage(t, "linking another account's google identity", f.Final, http.StatusConflict,
		"That Google account is already connected", "Nothing changed")
	if ids := sx.identitiesOf(t, quinn.ID); len(ids) != 0 {
		t.Errorf("quinn got identities %+v", ids)
	}
	if ids := sx.identitiesOf(t, gail.ID); len(ids) != 1 || ids[0].ID != gailIDs[0].ID {
		t.Errorf("gail's identities changed: %+v", ids)
	}
	if n := sx.auditCount(t, models.AuditIdentityLinked, quinn.ID, ""); n != 0 {
		t.Errorf("identity_linked audited for quinn")
	}
	socialWantSignedInAs(t, c, "Quinn")
}

// A link flow is bound to the member who started it.
func TestSocialLinkCallbackInOtherMembersSession(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	ann := sx.createUser("ann@example.com", "Ann", "ann-password-123", models.RoleMember)
	ben := sx.createUser("ben@example.com", "Ben", "ben-password-123", models.RoleMember)
	linkWho := socialWho{Email: "ann.g@example.org", Name: "Ann G", Verified: true}

	// Ann starts linking; the callback ends up in Ben's browser.
	a := sx.browser(t)
	a.login("ann@example.com", "ann-password-123")
	_, authURL := sx.startSocial(t, a, "/account/identities/google/link", "")
	cb := sx.authorize(t, authURL, linkWho)
	b := sx.browser(t)
	b.login("ben@example.com", "ben-password-123")
	cookie := b.sessionCookie()
	res := sx.visit(t, b, cb)
	socialWantPage(t, "ann's link callback in ben's browser", res, http.StatusBadRequest, socialStateRefused)
	if b.sessionCookie() != cookie {
		t.Error("ben's session token changed")
	}
	socialWantSignedInAs(t, b, "Ben")

	// Same browser, but another member signed in between start and callback:
	// the pending flow survives the sign-in (the token is renewed, the data
	// kept), so only the board's "same member" check stands in the way.
	s := sx.browser(t)
	s.login("ann@example.com", "ann-password-123")
	_, authURL = sx.startSocial(t, s, "/account/identities/google/link", "")
	cb = sx.authorize(t, authURL, linkWho)
	s.login("ben@example.com", "ben-password-123")
	socialWantSignedInAs(t, s, "Ben")
	res = sx.visit(t, s, cb)
	socialWantPage(t, "ann's link callback after ben signed in on the same browser", res, http.StatusBadRequest, socialStateRefused)
	socialWantSignedInAs(t, s, "Ben")

	for _, u := range []int64{ann.ID, ben.ID} {
		if ids := sx.identitiesOf(t, u); len(ids) != 0 {
			t.Errorf("user %d got identities %+v", u, ids)
		}
	}
	if n := len(sx.auditOf(t, models.AuditIdentityLinked)); n != 0 {
		t.Errorf("%d identity_linked rows, want none", n)
	}
}

// The link endpoints are for members only and need the CSRF token.
func TestSocialLinkNeedsMemberAndCSRF(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	anon := sx.browser(t)
	res := anon.post("/account/identities/google/link", nil)
	if res.Status != http.StatusUnauthorized || strings.HasPrefix(res.Location(), sx.StandinURL) {
		t.Errorf("anonymous link start: %d to %q, want 401", res.Status, res.Location())
	}
	sx.createUser("mo@example.com", "Mo", "mo-password-123", models.RoleMember)
	m := sx.browser(t)
	m.login("mo@example.com", "mo-password-123")
	res = m.postRaw("/account/identities/google/link", url.Values{})
	if res.Status != http.StatusForbidden || res.Location() != "" {
		t.Errorf("link start without _csrf: %d to %q, want 403", res.Status, res.Location())
	}
	res = m.postRaw("/account/identities/google/unlink", url.Values{})
	if res.Status != http.StatusForbidden {
		t.Errorf("unlink without _csrf: %d, want 403", res.Status)
	}
}

func TestSocialUnlink(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})

	// A password member with Google linked may remove it.
	pat := sx.createUser("pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	c := sx.browser(t)
	c.login("pat@example.com", "pat-password-123")
	if f := sx.linkWith(t, c, "google", socialWho{Email: "pat@example.com", Name: "Pat", Verified: true}); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("link: %d", f.Final.Status)
	}
	res := c.post("/account/identities/google/unlink", url.Values{"current_password": {c.password}})
	if res.Status != http.StatusSeeOther || res.Location() != "/account" {
		t.Fatalf("unlink: %d to %q, want 303 to /account\n%s", res.Status, res.Location(), socialClip(res.Body))
	}
	if ids := sx.identitiesOf(t, pat.ID); len(ids) != 0 {
		t.Errorf("identities after unlink: %+v", ids)
	}
	if n := sx.auditCount(t, models.AuditIdentityUnlinked, pat.ID, "google"); n != 1 {
		t.Errorf("identity_unlinked audited %d times, want 1", n)
	}
	page := c.get("/account")
	socialWantPage(t, "account page after unlink", page, http.StatusOK, "Google is disconnected", "Connect Google")
	// And the Google identity no longer signs in to Pat's account (it is a
	// verified Google identity for a password account whose email is not
	// verified, so it is refused rather than re-linked).
	g := sx.browser(t)
	f := sx.signInWith(t, g, "google", socialWho{Email: "pat@example.com", Name: "Pat", Verified: true}, "")
	socialWantPage(t, "sign-in with the unlinked identity", f.Final, http.StatusConflict, socialAccountExists)
	socialWantAnonymous(t, g)

	// A Google-only member cannot remove their only way in.
	o := sx.browser(t)
	sx.signInWith(t, o, "google", socialWho{Email: "olly@example.com", Name: "Olly Only", Verified: true}, "")
	olly := sx.userByEmail(t, "olly@example.com")
	// Without a password, changing sign-in methods needs a fresh provider sign-in.
	res = o.post("/account/identities/google/unlink", nil)
	socialWantPage(t, "unlink without re-authentication", res, http.StatusUnprocessableEntity, "Confirm it is you first")
	if f := sx.roundTrip(t, o, "/account/reauth/google", "", socialWho{Email: "olly@example.com", Name: "Olly Only", Verified: true}); f.Final.Location() != "/account" {
		t.Fatalf("re-authentication: %d to %q", f.Final.Status, f.Final.Location())
	}
	res = o.post("/account/identities/google/unlink", url.Values{"current_password": {o.password}})
	socialWantPage(t, "unlinking the only sign-in method", res, http.StatusConflict, "This is your only way to sign in")
	if ids := sx.identitiesOf(t, olly.ID); len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("identities after a refused unlink: %+v", ids)
	}
	if n := sx.auditCount(t, models.AuditIdentityUnlinked, olly.ID, ""); n != 0 {
		t.Errorf("a refused unlink was audited")
	}
	socialWantSignedInAs(t, o, "Olly Only")

	// With Facebook linked too, one of the two may go, but not the last.
	if f := sx.linkWith(t, o, "facebook", socialWho{Email: "olly@example.com", Name: "Olly FB"}); f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("link facebook: %d to %q\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	if ids := sx.identitiesOf(t, olly.ID); len(ids) != 2 {
		t.Fatalf("identities %+v, want google and facebook", ids)
	}
	res = o.post("/account/identities/google/unlink", url.Values{"current_password": {o.password}})
	if res.Status != http.StatusSeeOther {
		t.Errorf("unlink google with facebook left: %d\n%s", res.Status, socialClip(res.Body))
	}
	ids := sx.identitiesOf(t, olly.ID)
	if len(ids) != 1 || ids[0].Provider != "facebook" {
		t.Errorf("identities %+v, want facebook only", ids)
	}
	res = o.post("/account/identities/facebook/unlink", url.Values{"current_password": {o.password}})
	socialWantPage(t, "unlinking the last provider", res, http.StatusConflict, "This is your only way to sign in")
	if ids := sx.identitiesOf(t, olly.ID); len(ids) != 1 {
		t.Errorf("identities %+v, want facebook kept", ids)
	}
	// Olly still gets in with Facebook.
	o2 := sx.browser(t)
	if f := sx.signInWith(t, o2, "facebook", socialWho{Email: "olly@example.com", Name: "Olly FB"}, ""); f.Final.Status != http.StatusSeeOther {
		t.Errorf("facebook sign-in after unlinking google: %d", f.Final.Status)
	}
	socialWantSignedInAs(t, o2, "Olly Only")
}

// --- suspended members ---------------------------------------------------------

func TestSocialSuspendedMember(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	who := socialWho{Email: "sue@example.com", Name: "Sue Spender", Verified: true}
	first := sx.browser(t)
	sx.signInWith(t, first, "google", who, "")
	sue := sx.userByEmail(t, "sue@example.com")
	if sue == nil {
		t.Fatal("no account")
	}
	if err := sx.Users.SetSuspended(context.Background(), sue.ID, true, "posting spam links", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	socialWantAnonymous(t, first) // the live session ends on its next request

	c := sx.browser(t)
	cookie := c.sessionCookie()
	f := sx.signInWith(t, c, "google", who, "")
	socialWantPage(t, "suspended member signing in with google", f.Final, http.StatusForbidden,
		"Your account is suspended", "posting spam links")
	if c.sessionCookie() != cookie {
		t.Error("session token changed for a refused sign-in")
	}
	socialWantAnonymous(t, c)
	if n := sx.auditCount(t, models.AuditSignIn, sue.ID, ""); n != 1 {
		t.Errorf("%d sign-ins audited for sue, want only the one before suspension", n)
	}
}

// A refused sign-in changes nothing, suspended accounts included: a
// verified Google identity whose email matches a suspended, verified account
// is refused with 403 and must not be attached to that account on the way.
func TestSocialSuspendedNoAutoLink(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	hash, err := models.HashPassword("vera-password-123")
	if err != nil {
		t.Fatal(err)
	}
	vera, err := sx.Users.Create(context.Background(), models.NewUser{Email: "vera@example.com", EmailVerified: true,
		DisplayName: "Vera", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if err := sx.Users.SetSuspended(context.Background(), vera.ID, true, "posting spam links", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	c := sx.browser(t)
	f := sx.signInWith(t, c, "google", socialWho{Email: "vera@example.com", Name: "Vera G", Verified: true}, "")
	socialWantPage(t, "google sign-in onto a suspended verified account", f.Final, http.StatusForbidden,
		"Your account is suspended", "posting spam links")
	socialWantAnonymous(t, c)
	if ids := sx.identitiesOf(t, vera.ID); len(ids) != 0 {
		t.Errorf("refused sign-in attached a Google identity to the suspended account: %+v", ids)
	}
	if n := sx.auditCount(t, models.AuditIdentityLinked, vera.ID, ""); n != 0 {
		t.Errorf("refused sign-in audited %d identity_linked rows for the suspended account", n)
	}
}

// --- buttons, methods, CSRF, unknown providers, CSP ---------------------------------

var socialStartForm = regexp.MustCompile(`(?s)<form method="post" action="/auth/([a-z]+)">(.*?)</form>`)

func TestSocialButtonsOnSignInAndRegister(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	for _, path := range []string{"/login", "/register"} {
		c := sx.browser(t)
		page := c.get(path)
		if page.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, page.Status)
		}
		forms := map[string]string{}
		for _, m := range socialStartForm.FindAllStringSubmatch(page.Body, -1) {
			forms[m[1]] = m[2]
		}
		for _, tc := range []struct{ provider, label string }{{"google", "Google"}, {"facebook", "Facebook"}} {
			body, ok := forms[tc.provider]
			if !ok {
				t.Errorf("%s: no form posting to /auth/%s", path, tc.provider)
				continue
			}
			if !strings.Contains(body, "Sign in with "+tc.label) {
				t.Errorf("%s: /auth/%s form lacks the \"Sign in with %s\" button", path, tc.provider, tc.label)
			}
			m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Errorf("%s: /auth/%s form has no _csrf field", path, tc.provider)
				continue
			}
			// The form, submitted as is, starts the flow.
			res := c.postRaw("/auth/"+tc.provider, url.Values{"_csrf": {m[1]}, "next": {""}})
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), sx.StandinURL+"/") {
				t.Errorf("%s: submitting the %s button: %d to %q, want 303 to the stand-in", path, tc.label, res.Status, res.Location())
			}
		}
	}
}

func TestSocialStartRequestChecks(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)

	// GET does not start a flow (no state change on GET). The exact status
	// is echo's routing business (anonymous: 401 from the member group's
	// catch-all; 404/405 otherwise): what matters is no redirect to the
	// provider and nothing pending in the session.
	res := c.get("/auth/google")
	if res.Status < 400 || res.Location() != "" {
		t.Errorf("GET /auth/google: %d to %q, want a 4xx and no redirect", res.Status, res.Location())
	}
	if sx.hasPending(t, c, "google") {
		t.Error("GET /auth/google left a pending flow in the session")
	}

	// No or a wrong _csrf: 403, no flow.
	res = c.postRaw("/auth/google", url.Values{})
	socialWantPage(t, "POST /auth/google without _csrf", res, http.StatusForbidden, "This form could not be accepted")
	if res.Location() != "" || sx.hasPending(t, c, "google") {
		t.Errorf("POST without _csrf started a flow (redirect %q)", res.Location())
	}
	res = c.postRaw("/auth/facebook", url.Values{"_csrf": {"not-the-token"}})
	socialWantPage(t, "POST /auth/facebook with a wrong _csrf", res, http.StatusForbidden)
	if res.Location() != "" || sx.hasPending(t, c, "facebook") {
		t.Errorf("POST with a wrong _csrf started a flow (redirect %q)", res.Location())
	}
	// Control: with the token the flow starts and is kept in the session.
	sx.startSocial(t, c, "/auth/google", "")
	if !sx.hasPending(t, c, "google") {
		t.Error("a started flow is not in the session (hasPending cannot see flows)")
	}
	// Cross-site: a fresh browser that never loaded a page of the board has no token at all.
	fresh := sx.newClient()
	fresh.t = t
	res = fresh.postRaw("/auth/google", url.Values{"_csrf": {""}})
	if res.Status != http.StatusForbidden {
		t.Errorf("POST /auth/google from a session-less browser: %d, want 403", res.Status)
	}

	// Unknown providers.
	res = c.post("/auth/unknown", nil)
	socialWantPage(t, "POST /auth/unknown", res, http.StatusNotFound, "No such sign-in provider")
	res = c.get("/auth/unknown/callback?state=x&code=y")
	if res.Status != http.StatusNotFound {
		t.Errorf("GET /auth/unknown/callback: %d, want 404", res.Status)
	}
	// A callback for a known provider without any flow: 400, not 500.
	res = c.get("/auth/google/callback?state=x&code=y")
	socialWantPage(t, "callback with no flow", res, http.StatusBadRequest, socialStateRefused)
	socialWantAnonymous(t, c)
}

func TestSocialLoginPageCSPAllowsStandin(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	res := c.get("/login")
	csp := res.Header.Get("Content-Security-Policy")
	var formAction []string
	for _, d := range strings.Split(csp, ";") {
		fields := strings.Fields(d)
		if len(fields) > 0 && fields[0] == "form-action" {
			formAction = fields[1:]
		}
	}
	if formAction == nil {
		t.Fatalf("CSP %q has no form-action", csp)
	}
	has := func(src string) bool {
		for _, s := range formAction {
			if s == src {
				return true
			}
		}
		return false
	}
	if !has("'self'") {
		t.Errorf("form-action %v lacks 'self'", formAction)
	}
	if !has(sx.StandinURL) {
		t.Errorf("form-action %v lacks the stand-in origin %s", formAction, sx.StandinURL)
	}
	// Every place the sign-in buttons redirect to is allowed.
	for _, p := range []string{"google", "facebook"} {
		_, authURL := sx.startSocial(t, c, "/auth/"+p, "")
		u := socialMustURL(t, authURL)
		if !has(u.Scheme + "://" + u.Host) {
			t.Errorf("%s authorize origin %s://%s not in form-action %v", p, u.Scheme, u.Host, formAction)
		}
	}
	for _, bad := range []string{"*", "https:", "http:"} {
		if has(bad) {
			t.Errorf("form-action %v is wide open (%s)", formAction, bad)
		}
	}
}

// The provider's display name is data, shown escaped.
func TestSocialDisplayNameEscaped(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	name := `<b onmouseover="x()">Hax</b>`
	if f := sx.signInWith(t, c, "google", socialWho{Email: "hax@example.com", Name: name, Verified: true}, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", f.Final.Status, socialClip(f.Final.Body))
	}
	res := c.get("/posts")
	if strings.Contains(res.Body, name) {
		t.Error("provider-supplied display name rendered unescaped")
	}
	socialWantSignedInAs(t, c, name)

	// Over-long names are cut to the board's limit, not refused.
	long := strings.Repeat("n", models.MaxDisplayName+20)
	c2 := sx.browser(t)
	if f := sx.signInWith(t, c2, "google", socialWho{Email: "long@example.com", Name: long, Verified: true}, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("sign-in with a long name: %d", f.Final.Status)
	}
	if got := sx.userByEmail(t, "long@example.com").DisplayName; got != long[:models.MaxDisplayName] {
		t.Errorf("display name %q (%d chars), want the first %d characters", got, len(got), models.MaxDisplayName)
	}
}

// --- re-authentication with a connected provider ----------------------------------

// A member without a password confirms who they are through their connected
// provider before sensitive changes; only that very identity counts.
func TestSocialReauthRefusals(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	rae := socialWho{Email: "rae@example.com", Name: "Rae", Verified: true}
	c := sx.browser(t)
	sx.signInWith(t, c, "google", rae, "")

	// Without confirming, a profile change is refused.
	res := c.post("/account/profile", url.Values{"email": {"rae@example.com"}, "display_name": {"Rae Renamed"}})
	socialWantPage(t, "profile change without re-authentication", res, http.StatusUnprocessableEntity, "Confirm it is you first")

	// Confirming with a different Google account unlocks nothing.
	f := sx.roundTrip(t, c, "/account/reauth/google", "", socialWho{Email: "not-rae@example.com", Name: "Not Rae", Verified: true})
	socialWantPage(t, "re-authentication as someone else", f.Final, http.StatusForbidden, "That is not your connected Google account")
	res = c.post("/account/profile", url.Values{"email": {"rae@example.com"}, "display_name": {"Rae Renamed"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("profile change after a failed re-authentication: %d, want 422", res.Status)
	}
	// Nor does a provider that is not connected at all.
	f = sx.roundTrip(t, c, "/account/reauth/facebook", "", rae)
	socialWantPage(t, "re-authentication with an unconnected provider", f.Final, http.StatusForbidden, "That is not your connected Facebook account")
	if n := sx.countRows(t, "users"); n != 1 {
		t.Errorf("%d users after re-authentication attempts, want 1", n)
	}
	if n := sx.countRows(t, "identities"); n != 1 {
		t.Errorf("%d identities after re-authentication attempts, want 1", n)
	}
	if got := sx.userByEmail(t, "rae@example.com"); got.DisplayName != "Rae" {
		t.Errorf("display name changed to %q without re-authentication", got.DisplayName)
	}

	// A re-authentication started by Rae cannot be finished by another browser.
	_, authURL := sx.startSocial(t, c, "/account/reauth/google", "")
	cb := sx.authorize(t, authURL, rae)
	anon := sx.browser(t)
	res = sx.visit(t, anon, cb)
	socialWantPage(t, "re-authentication callback in another browser", res, http.StatusBadRequest, socialStateRefused)
	socialWantAnonymous(t, anon)
}

// The successful case: the connected identity confirms, the callback's
// session changes are saved (flash, the reauth window, the state consumed),
// and the member may then change their profile.
func TestSocialReauthUnlocksSensitiveChanges(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	rae := socialWho{Email: "rae@example.com", Name: "Rae", Verified: true}
	c := sx.browser(t)
	sx.signInWith(t, c, "google", rae, "")

	f := sx.roundTrip(t, c, "/account/reauth/google", "", rae)
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("re-authentication: %d to %q\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	page := c.get("/account")
	socialWantPage(t, "account page after re-authentication", page, http.StatusOK, "Confirmed with Google")
	res := c.post("/account/profile", url.Values{"email": {"rae@example.com"}, "display_name": {"Rae Renamed"}})
	if res.Status != http.StatusSeeOther {
		t.Errorf("profile change right after re-authentication: %d, want 303", res.Status)
	}
	if got := sx.userByEmail(t, "rae@example.com"); got.DisplayName != "Rae Renamed" {
		t.Errorf("display name %q after the change, want %q", got.DisplayName, "Rae Renamed")
	}
	// Replaying the callback URL must hit the state check (400), not reach
	// the provider again.
	res = sx.visit(t, c, f.Callback)
	socialWantPage(t, "replayed re-authentication callback", res, http.StatusBadRequest, socialStateRefused)
}

// Changing the account's email makes it unverified, so a member cannot
// take a verified account, switch its address to someone else's, and have
// that person's later Google sign-in land in it.
func TestSocialEmailChangeThenHijack(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	hash, err := models.HashPassword("mal-password-123")
	if err != nil {
		t.Fatal(err)
	}
	acct, err := sx.Users.Create(context.Background(), models.NewUser{Email: "mal@example.com", EmailVerified: true,
		DisplayName: "Mal", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	c := sx.browser(t)
	c.login("mal@example.com", "mal-password-123")
	res := c.post("/account/profile", url.Values{"email": {"victim@example.com"}, "display_name": {"Mal"},
		"current_password": {"mal-password-123"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("email change: %d\n%s", res.Status, socialClip(res.Body))
	}
	after := sx.userByEmail(t, "victim@example.com")
	if after == nil || after.ID != acct.ID {
		t.Fatal("email change did not take")
	}
	if after.EmailVerified {
		t.Error("the changed email is still marked verified")
	}

	v := sx.browser(t)
	f := sx.signInWith(t, v, "google", socialWho{Email: "victim@example.com", Name: "Victoria", Verified: true}, "")
	socialWantPage(t, "victim's google sign-in onto the re-addressed account", f.Final, http.StatusConflict, socialAccountExists)
	socialWantAnonymous(t, v)
	if ids := sx.identitiesOf(t, acct.ID); len(ids) != 0 {
		t.Errorf("the victim's Google identity was attached to the attacker's account: %+v", ids)
	}
}

// Codes, states and client secrets never reach the board's logs, even when
// a provider fails.
func TestSocialSecretsNotLogged(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	ok := sx.signInWith(t, c, "google", socialSomeone, "")
	sx.visit(t, c, ok.Callback) // replay: state refused
	sx.Provider.SetTokenFault(http.StatusInternalServerError, 0)
	c2 := sx.browser(t)
	bad := sx.signInWith(t, c2, "facebook", socialSomeone, "")
	sx.Provider.SetTokenFault(0, 0)
	if bad.Final.Status != http.StatusBadGateway {
		t.Errorf("facebook with a failing token endpoint: %d, want 502", bad.Final.Status)
	}
	logs := sx.Logs.String()
	if !strings.Contains(logs, "/auth/google/callback") {
		t.Fatal("no request log lines captured: this test cannot see the logs")
	}
	for _, f := range []*socialFlow{ok, bad} {
		for _, k := range []string{"code", "state"} {
			if v := socialQueryParam(t, f.Callback, k); v != "" && strings.Contains(logs, v) {
				t.Errorf("the board logged an OAuth %s", k)
			}
		}
	}
	for _, secret := range []string{socialGoogleSecret, socialFacebookSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the board logged a client secret")
		}
	}
}
