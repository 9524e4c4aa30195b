package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
)

// HTTP tests for "Sign in with Google / Facebook", through the real board and
// the local stand-in provider (boardtest.Options.Social). Every flow is
// driven as a browser would: the board's form, the stand-in's login and
// consent pages, the redirect back to the callback.

// auditCount counts the events of kind about user target with the given
// detail ("" matches any detail).
func auditCount(t *testing.T, b *boardtest.Board, kind models.AuditKind, target int64, detail string) int {
	t.Helper()
	n := 0
	for _, e := range b.AuditAbout(t, kind, target) {
		if detail == "" || e.Detail == detail {
			n++
		}
	}
	return n
}

// flowSession is the session a visitor's social sign-in started with: the
// board stores one for a visitor only once a flow needs it.
func flowSession(f *boardtest.Flow) string {
	if ck := f.Start.Cookie(boardtest.SessionCookie); ck != nil {
		return ck.Value
	}
	return ""
}

// --- new accounts and returning sign-ins ------------------------------------

func TestSocialGoogleNewAccount(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	f := b.SignInWith(t, c, "google", boardtest.Who{Email: "gina@example.com", Name: "Gina Google", Verified: true}, "/posts/new")
	before := flowSession(f)
	if before == "" {
		t.Fatal("no session cookie after starting the sign-in")
	}
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts/new" {
		t.Fatalf("callback: status %d to %q, want 303 to /posts/new (next honoured)\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	after := c.SessionCookie()
	if after == "" || after == before {
		t.Errorf("session token not renewed by the social sign-in: before %q, after %q", before, after)
	}

	u := b.UserByEmail(t, "gina@example.com")
	if u == nil {
		t.Fatal("no account created for gina@example.com")
	}
	if u.HasPassword {
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
	ids := b.IdentitiesOf(t, u.ID)
	if len(ids) != 1 || ids[0].Provider != "google" || ids[0].Subject == "" || ids[0].Email != "gina@example.com" {
		t.Fatalf("identities %+v, want one google identity with a subject", ids)
	}
	if got, err := b.Identities.Find(context.Background(), "google", ids[0].Subject); err != nil || got.UserID != u.ID {
		t.Errorf("Find(google, %s) = %+v, %v; want user %d", ids[0].Subject, got, err, u.ID)
	}

	boardtest.WantSignedIn(t, "browser c", c, "Gina Google")

	if n := auditCount(t, b, models.AuditRegister, u.ID, "via google"); n != 1 {
		t.Errorf("audit register via google: %d rows, want 1", n)
	}
	if n := auditCount(t, b, models.AuditIdentityLinked, u.ID, "google"); n != 1 {
		t.Errorf("audit identity_linked google: %d rows, want 1", n)
	}
	signIns := b.AuditEvents(t, models.AuditSignIn)
	if len(signIns) != 1 || signIns[0].ActorID != u.ID || signIns[0].TargetID != u.ID || signIns[0].Detail != "via google" {
		t.Errorf("audit sign_in = %+v, want one by user %d \"via google\"", signIns, u.ID)
	}

	// The pre-sign-in token is dead: whoever knew it (session fixation) is
	// not signed in.
	fixated := b.Client(t)
	fixated.SetSessionCookie(before)
	boardtest.WantSignedOut(t, "browser fixated", fixated, "")
}

func TestSocialGoogleUnverifiedEmail(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	f := b.SignInWith(t, c, "google", boardtest.Who{Email: "uma@example.com", Name: "Uma Unverified"}, "")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("callback: status %d to %q, want 303 to /posts", f.Final.Status, f.Final.Location())
	}
	u := b.UserByEmail(t, "uma@example.com")
	if u == nil {
		t.Fatal("no account created")
	}
	if u.EmailVerified {
		t.Error("Google said email_verified=false, but the account's email is marked verified")
	}
	boardtest.WantSignedIn(t, "browser c", c, "Uma Unverified")
}

func TestSocialNextOnlySameOrigin(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	who := boardtest.Who{Email: "nina@example.com", Name: "Nina Next", Verified: true}
	for _, tc := range []struct{ next, want string }{
		{"/posts/new", "/posts/new"},
		{"/account", "/account"},
		{"//evil.example", "/posts"},
		{"//evil.example/posts", "/posts"},
		{"https://evil.example/", "/posts"},
		{`/\evil.example`, "/posts"},
		{"javascript:alert(1)", "/posts"},
	} {
		c := b.Visitor(t)
		f := b.SignInWith(t, c, "google", who, tc.next)
		if f.Final.Status != http.StatusSeeOther || f.Final.Location() != tc.want {
			t.Errorf("next %q: callback status %d to %q, want 303 to %q", tc.next, f.Final.Status, f.Final.Location(), tc.want)
		}
	}
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d users, want 1 (the same identity each time)", n)
	}
}

func TestSocialGoogleReturning(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	who := boardtest.Who{Email: "rita@example.com", Name: "Rita Return", Verified: true}
	first := b.Visitor(t)
	if f := b.SignInWith(t, first, "google", who, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("first sign-in: status %d\n%s", f.Final.Status, boardtest.Clip(f.Final.Body))
	}
	u := b.UserByEmail(t, "rita@example.com")
	if u == nil {
		t.Fatal("no account after the first sign-in")
	}

	// Later, another browser; the provider now reports a different name: the
	// board keys the person by (provider, subject), not by name or email.
	second := b.Visitor(t)
	f := b.SignInWith(t, second, "google", boardtest.Who{Email: who.Email, Name: "Rita Renamed", Verified: true}, "")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("returning sign-in: status %d to %q\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	boardtest.WantSignedIn(t, "browser second", second, "Rita Return")
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d users after a returning sign-in, want 1", n)
	}
	if n := len(b.AllIdentities(t)); n != 1 {
		t.Errorf("%d identities after a returning sign-in, want 1", n)
	}
	if n := auditCount(t, b, models.AuditRegister, u.ID, ""); n != 1 {
		t.Errorf("register audited %d times, want 1", n)
	}
	if n := auditCount(t, b, models.AuditSignIn, u.ID, "via google"); n != 2 {
		t.Errorf("sign_in via google audited %d times, want 2", n)
	}
}

func TestSocialFacebookNewAccountAndReturning(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	before := c.SessionCookie()
	// Verified is ticked in spirit, but Facebook's page has no such box and
	// Facebook never vouches for an email.
	who := boardtest.Who{Email: "fay@example.com", Name: "Fay Facebook", Verified: true}
	f := b.SignInWith(t, c, "facebook", who, "/account")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("callback: status %d to %q, want 303 to /account\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	if after := c.SessionCookie(); after == "" || after == before {
		t.Errorf("session token not renewed: before %q after %q", before, after)
	}
	u := b.UserByEmail(t, "fay@example.com")
	if u == nil {
		t.Fatal("no account created for fay@example.com")
	}
	if u.HasPassword || u.DisplayName != "Fay Facebook" {
		t.Errorf("account: password %v, name %q; want no password and the provider's name", u.HasPassword, u.DisplayName)
	}
	if u.EmailVerified {
		t.Error("Facebook never vouches for email, but the account's email is marked verified")
	}
	ids := b.IdentitiesOf(t, u.ID)
	if len(ids) != 1 || ids[0].Provider != "facebook" || ids[0].Subject == "" {
		t.Fatalf("identities %+v, want one facebook identity", ids)
	}
	boardtest.WantSignedIn(t, "browser c", c, "Fay Facebook")
	if n := auditCount(t, b, models.AuditRegister, u.ID, "via facebook"); n != 1 {
		t.Errorf("audit register via facebook: %d, want 1", n)
	}
	if n := auditCount(t, b, models.AuditIdentityLinked, u.ID, "facebook"); n != 1 {
		t.Errorf("audit identity_linked facebook: %d, want 1", n)
	}
	if n := auditCount(t, b, models.AuditSignIn, u.ID, "via facebook"); n != 1 {
		t.Errorf("audit sign_in via facebook: %d, want 1", n)
	}

	again := b.Visitor(t)
	f = b.SignInWith(t, again, "facebook", who, "//evil.example")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("returning: status %d to %q, want 303 to /posts (unsafe next dropped)", f.Final.Status, f.Final.Location())
	}
	boardtest.WantSignedIn(t, "browser again", again, "Fay Facebook")
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if n := auditCount(t, b, models.AuditSignIn, u.ID, "via facebook"); n != 2 {
		t.Errorf("audit sign_in via facebook: %d, want 2", n)
	}
}

// A Google identity and a Facebook identity are different people to the
// board unless linked, even with different emails on one browser.
func TestSocialProvidersKeyedBySubject(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	b.SignInWith(t, c, "google", boardtest.Who{Email: "kim@example.com", Name: "Kim G", Verified: true}, "")
	c2 := b.Visitor(t)
	f := b.SignInWith(t, c2, "facebook", boardtest.Who{Email: "kim.fb@example.com", Name: "Kim F"}, "")
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("facebook sign-in: %d", f.Final.Status)
	}
	boardtest.WantSignedIn(t, "browser c2", c2, "Kim F")
	if n := len(b.AllUsers(t)); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}

// --- refusals at the callback -------------------------------------------------

// refusedAnonymously checks a refused callback left no trace: the page
// status, the browser's session token unchanged, still anonymous, and no
// account or identity created.
func refusedAnonymously(t *testing.T, b *boardtest.Board, what string, c *boardtest.Client, res *boardtest.Response, cookieBefore string, status int, texts ...string) {
	t.Helper()
	boardtest.WantPage(t, what, res, status, texts...)
	if got := c.SessionCookie(); got != cookieBefore {
		t.Errorf("%s: session token changed (%q -> %q)", what, cookieBefore, got)
	}
	boardtest.WantSignedOut(t, what, c, "")
	if n := len(b.AllUsers(t)); n != 0 {
		t.Errorf("%s: %d users exist, want none", what, n)
	}
	if n := len(b.AllIdentities(t)); n != 0 {
		t.Errorf("%s: %d identities exist, want none", what, n)
	}
	if n := len(b.AuditEvents(t, models.AuditSignIn)); n != 0 {
		t.Errorf("%s: %d sign_in audit rows, want none", what, n)
	}
}

const stateRefused = "This sign-in could not be completed"

var someone = boardtest.Who{Email: "sam@example.com", Name: "Sam Someone", Verified: true}

func TestSocialTamperedState(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	for _, provider := range []string{"google", "facebook"} {
		c := b.Visitor(t)
		_, authURL := b.StartSocial(t, c, "/auth/"+provider, "")
		cb := b.Authorize(t, authURL, someone)
		cookie := c.SessionCookie()
		state := queryParam(t, cb, "state")
		if len(state) < 20 {
			t.Fatalf("state %q is too short to be random", state)
		}
		// Alter one character, keeping the alphabet.
		tampered := []byte(state)
		if tampered[5] == 'A' {
			tampered[5] = 'B'
		} else {
			tampered[5] = 'A'
		}
		res := c.Get(withQuery(t, cb, "state", string(tampered)))
		refusedAnonymously(t, b, provider+" tampered state", c, res, cookie, http.StatusBadRequest, stateRefused)
	}
}

func TestSocialMissingState(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	for _, provider := range []string{"google", "facebook"} {
		c := b.Visitor(t)
		_, authURL := b.StartSocial(t, c, "/auth/"+provider, "")
		cb := b.Authorize(t, authURL, someone)
		cookie := c.SessionCookie()
		res := c.Get(withQuery(t, cb, "state", ""))
		refusedAnonymously(t, b, provider+" missing state", c, res, cookie, http.StatusBadRequest, stateRefused)
		// An empty state= is no better than none.
		c2 := b.Visitor(t)
		_, authURL = b.StartSocial(t, c2, "/auth/"+provider, "")
		cb = b.Authorize(t, authURL, someone)
		cookie = c2.SessionCookie()
		res = c2.Get(strings.Replace(withQuery(t, cb, "state", ""), "?", "?state=&", 1))
		refusedAnonymously(t, b, provider+" empty state", c2, res, cookie, http.StatusBadRequest, stateRefused)
	}
}

// A callback with a good state but neither code nor error is refused, and
// uses up the state.
func TestSocialMissingCode(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	_, authURL := b.StartSocial(t, c, "/auth/google", "")
	cb := b.Authorize(t, authURL, someone)
	cookie := c.SessionCookie()
	res := c.Get(withQuery(t, cb, "code", ""))
	refusedAnonymously(t, b, "callback without code", c, res, cookie, http.StatusBadRequest, stateRefused)
	res = c.Get(cb)
	refusedAnonymously(t, b, "the genuine callback after the state was used", c, res, cookie, http.StatusBadRequest, stateRefused)
}

// A callback without any flow started in this browser (a forged or
// forwarded link: login CSRF) is refused.
func TestSocialCallbackWithoutFlow(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	starter := b.Visitor(t)
	_, authURL := b.StartSocial(t, starter, "/auth/google", "")
	cb := b.Authorize(t, authURL, someone)

	victim := b.Visitor(t)
	cookie := victim.SessionCookie()
	res := victim.Get(cb)
	refusedAnonymously(t, b, "callback in a browser that started nothing", victim, res, cookie, http.StatusBadRequest, stateRefused)
}

func TestSocialReplayedCallback(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	f := b.SignInWith(t, c, "google", someone, "")
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("first use of the callback: %d\n%s", f.Final.Status, boardtest.Clip(f.Final.Body))
	}
	u := b.UserByEmail(t, someone.Email)
	cookie := c.SessionCookie()

	// Same browser, same URL again (back button, reload): the state was
	// used, so nothing happens and the session stays as it was.
	res := c.Get(f.Callback)
	boardtest.WantPage(t, "replayed callback, same browser", res, http.StatusBadRequest, stateRefused)
	if got := c.SessionCookie(); got != cookie {
		t.Errorf("replay changed the session token")
	}
	boardtest.WantSignedIn(t, "browser c", c, someone.Name)

	// Another browser that got hold of the URL (history, logs, Referer).
	other := b.Visitor(t)
	otherCookie := other.SessionCookie()
	res = other.Get(f.Callback)
	boardtest.WantPage(t, "replayed callback, other browser", res, http.StatusBadRequest, stateRefused)
	if got := other.SessionCookie(); got != otherCookie {
		t.Errorf("replay in another browser changed its session token")
	}
	boardtest.WantSignedOut(t, "browser other", other, "")
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if n := auditCount(t, b, models.AuditSignIn, u.ID, ""); n != 1 {
		t.Errorf("%d sign-ins audited, want 1", n)
	}
}

// State is checked per provider: a state minted for Facebook does not
// satisfy the Google callback, even in the same browser.
func TestSocialStateFromOtherProvider(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})

	// Only a Facebook flow pending.
	c := b.Visitor(t)
	_, fbAuth := b.StartSocial(t, c, "/auth/facebook", "")
	fbCallback := b.Authorize(t, fbAuth, someone)
	cookie := c.SessionCookie()
	swapped := b.URL + "/auth/google/callback?" + mustURL(t, fbCallback).RawQuery
	res := c.Get(swapped)
	refusedAnonymously(t, b, "facebook state on google callback", c, res, cookie, http.StatusBadRequest, stateRefused)

	// Both flows pending in one browser: each state still only fits its own.
	c2 := b.Visitor(t)
	b.StartSocial(t, c2, "/auth/google", "") // pending in the session, never finished
	_, fbAuth = b.StartSocial(t, c2, "/auth/facebook", "")
	fbCallback = b.Authorize(t, fbAuth, someone)
	cookie = c2.SessionCookie()
	swapped = b.URL + "/auth/google/callback?" + mustURL(t, fbCallback).RawQuery
	res = c2.Get(swapped)
	refusedAnonymously(t, b, "facebook state on google callback with a google flow pending", c2, res, cookie, http.StatusBadRequest, stateRefused)
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// withQuery returns abs with query parameter k set to v ("" removes it).
func withQuery(t *testing.T, abs, k, v string) string {
	t.Helper()
	u := mustURL(t, abs)
	q := u.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func queryParam(t *testing.T, abs, k string) string {
	t.Helper()
	return mustURL(t, abs).Query().Get(k)
}

// Expiry: the board refuses a flow that comes back more than 10 minutes
// after it started, and accepts one just inside that. The board's clock is
// advanced; the stand-in's code stays valid, so only the state's age differs.
func TestSocialExpiredState(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	_, authURL := b.StartSocial(t, c, "/auth/google", "")
	cb := b.Authorize(t, authURL, someone)
	b.Clock.Advance(10*time.Minute + time.Second)
	cookie := c.SessionCookie()
	res := c.Get(cb)
	refusedAnonymously(t, b, "expired state", c, res, cookie, http.StatusBadRequest, stateRefused)

	ok := b.Visitor(t)
	_, authURL = b.StartSocial(t, ok, "/auth/google", "")
	cb = b.Authorize(t, authURL, someone)
	b.Clock.Advance(10*time.Minute - 5*time.Second)
	if res := ok.Get(cb); res.Status != http.StatusSeeOther {
		t.Errorf("flow back just inside 10 minutes: status %d, want 303\n%s", res.Status, boardtest.Clip(res.Body))
	}
}

// --- the provider says no, or fails -------------------------------------------

func TestSocialDeniedConsent(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	for _, tc := range []struct{ provider, label string }{{"google", "Google"}, {"facebook", "Facebook"}} {
		c := b.Visitor(t)
		_, authURL := b.StartSocial(t, c, "/auth/"+tc.provider, "")
		who := someone
		who.Deny = true
		cb := b.Authorize(t, authURL, who)
		if queryParam(t, cb, "error") != "access_denied" {
			t.Fatalf("stand-in callback %s lacks error=access_denied", cb)
		}
		cookie := c.SessionCookie()
		res := c.Get(cb)
		refusedAnonymously(t, b, tc.provider+" denied consent", c, res, cookie, http.StatusUnauthorized,
			"You declined at "+tc.label, "you are not signed in")
	}
}

func TestSocialTokenEndpointFailure(t *testing.T) {
	for _, tc := range []struct{ provider, label string }{{"google", "Google"}, {"facebook", "Facebook"}} {
		b := boardtest.New(t, boardtest.Options{Social: true})
		b.Standin.SetTokenFault(http.StatusServiceUnavailable, 0)
		c := b.Visitor(t)
		f := b.SignInWith(t, c, tc.provider, someone, "")
		cookie := c.SessionCookie()
		refusedAnonymously(t, b, tc.provider+" token endpoint 503", c, f.Final, cookie, http.StatusBadGateway,
			tc.label+" did not complete the sign-in", "you are not signed in")

		// The fault was the cause: with it cleared, the same person gets in.
		b.Standin.SetTokenFault(0, 0)
		c2 := b.Visitor(t)
		if f := b.SignInWith(t, c2, tc.provider, someone, ""); f.Final.Status != http.StatusSeeOther {
			t.Errorf("%s after clearing the fault: %d", tc.provider, f.Final.Status)
		}
	}
}

// A token endpoint slower than the board's provider timeout fails the
// sign-in with 502 instead of hanging. The board runs with a 300ms provider
// client here (cmd/board uses 10s).
func TestSocialTokenEndpointTimeout(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true, ProviderTimeout: 300 * time.Millisecond})
	b.Standin.SetTokenFault(0, 2*time.Second)
	t.Cleanup(func() { b.Standin.SetTokenFault(0, 0) })
	c := b.Visitor(t)
	_, authURL := b.StartSocial(t, c, "/auth/google", "")
	cb := b.Authorize(t, authURL, someone)
	cookie := c.SessionCookie()
	start := time.Now()
	res := c.Get(cb)
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("callback took %v: the board waited for the slow provider instead of timing out", took)
	}
	refusedAnonymously(t, b, "token endpoint slower than the client timeout", c, res, cookie, http.StatusBadGateway,
		"Google did not complete the sign-in")
}

// Authorization codes are single use and bound to the PKCE verifier of the
// browser that started the flow. The state check fires first on any replayed
// callback URL (TestSocialReplayedCallback), so to reach the code itself the
// attacker here starts a flow of their own (holding a genuine state for their
// own session) and pairs that state with someone else's code. What is proven:
// a stolen code is useless to another browser, whether already redeemed
// (single use at the token endpoint) or fresh (PKCE: the attacker's session
// has a different verifier), and the board reports it without signing anyone
// in.
func TestSocialCodeReplay(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	victim := boardtest.Who{Email: "vic@example.com", Name: "Vic Victim", Verified: true}

	// 1. A code the victim already redeemed.
	v := b.Visitor(t)
	f := b.SignInWith(t, v, "google", victim, "")
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("victim sign-in: %d", f.Final.Status)
	}
	usedCode := queryParam(t, f.Callback, "code")

	attacker := b.Visitor(t)
	_, authURL := b.StartSocial(t, attacker, "/auth/google", "")
	attackerState := queryParam(t, authURL, "state")
	cookie := attacker.SessionCookie()
	res := attacker.Get(b.URL + "/auth/google/callback?" + url.Values{"state": {attackerState}, "code": {usedCode}}.Encode())
	boardtest.WantPage(t, "redeemed code with the attacker's own state", res, http.StatusBadGateway, "Google did not complete the sign-in")
	if attacker.SessionCookie() != cookie {
		t.Error("attacker's session token changed")
	}
	boardtest.WantSignedOut(t, "browser attacker", attacker, "")

	// 2. A fresh code the victim has not delivered yet (code injection).
	v2 := b.Visitor(t)
	_, authURL = b.StartSocial(t, v2, "/auth/google", "")
	freshCode := queryParam(t, b.Authorize(t, authURL, boardtest.Who{Email: "vic2@example.com", Name: "Vic Two", Verified: true}), "code")
	attacker2 := b.Visitor(t)
	_, authURL = b.StartSocial(t, attacker2, "/auth/google", "")
	cookie = attacker2.SessionCookie()
	res = attacker2.Get(b.URL + "/auth/google/callback?" +
		url.Values{"state": {queryParam(t, authURL, "state")}, "code": {freshCode}}.Encode())
	boardtest.WantPage(t, "fresh stolen code with the attacker's own state", res, http.StatusBadGateway, "Google did not complete the sign-in")
	if attacker2.SessionCookie() != cookie {
		t.Error("attacker2's session token changed")
	}
	boardtest.WantSignedOut(t, "browser attacker2", attacker2, "")
	if u := b.UserByEmail(t, "vic2@example.com"); u != nil {
		t.Error("an account was created from a code injected into another browser's flow")
	}
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d users, want only the victim's", n)
	}
}

// --- account takeover defences ---------------------------------------------------

const accountExists = "An account with this email already exists"

// Pre-account hijacking and squatting (issue 14 item 7): the attacker
// registers the victim's address with a password first, hoping the
// victim's later social sign-in gets attached to the attacker's account, or
// is locked out. A provider that does not vouch for the address is refused;
// the verified owner's Google sign-in gets its own account and the address,
// and the squatting account keeps its posts but loses the address.
func TestSocialPreAccountHijack(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	const attackerPW = "mallory-owns-this-9"
	mal := b.Visitor(t)
	res := mal.Post("/register", url.Values{"email": {"victim@example.com"}, "display_name": {"Mallory"}, "password": {attackerPW}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("attacker registration: %d\n%s", res.Status, boardtest.Clip(res.Body))
	}
	mal.Password = attackerPW
	acct := b.UserByEmail(t, "victim@example.com")
	if acct == nil || acct.EmailVerified || !acct.HasPassword {
		t.Fatalf("attacker's account %+v, want unverified email with a password", acct)
	}
	if res := mal.Post("/posts", url.Values{"title": {"Squatter's post"}, "body": {"still mine"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("attacker's post: %d", res.Status)
	}
	hashBefore := b.PasswordHash(t, acct.ID)

	// Facebook does not vouch for addresses: refused, nothing changes.
	fbVictim := b.Visitor(t)
	f := b.SignInWith(t, fbVictim, "facebook", boardtest.Who{Email: "victim@example.com", Name: "Victoria"}, "")
	boardtest.WantPage(t, "facebook sign-in onto a squatted email", f.Final, http.StatusConflict,
		accountExists, "sign in the way you set it up", "connect Facebook from your account page")
	if fbVictim.SessionCookie() != flowSession(f) {
		t.Errorf("facebook: victim's session token changed")
	}
	boardtest.WantSignedOut(t, "browser victim", fbVictim, "")
	if n := len(b.AllIdentities(t)); n != 0 || len(b.AllUsers(t)) != 1 {
		t.Fatalf("after the refusal: %d identities, %d users; want none and only the attacker's", n, len(b.AllUsers(t)))
	}

	// Google vouches: the owner gets their own account, with the address.
	victim := b.Visitor(t)
	f = b.SignInWith(t, victim, "google", boardtest.Who{Email: "victim@example.com", Name: "Victoria", Verified: true}, "")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("the owner's Google sign-in: %d to %q\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	boardtest.WantSignedIn(t, "the owner", victim, "Victoria")
	owner := b.UserByEmail(t, "victim@example.com")
	if owner == nil || owner.ID == acct.ID || !owner.EmailVerified || owner.HasPassword {
		t.Fatalf("the address now belongs to %+v; want a new, verified account without a password", owner)
	}
	if ids := b.IdentitiesOf(t, owner.ID); len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("owner's identities: %+v", ids)
	}
	if ids := b.IdentitiesOf(t, acct.ID); len(ids) != 0 {
		t.Errorf("BUG: the owner's Google identity reached the attacker's account: %+v", ids)
	}
	if n := auditCount(t, b, models.AuditEmailReleased, acct.ID, ""); n != 1 {
		t.Errorf("%d email_released rows about the attacker's account, want 1", n)
	}

	// The squatting account keeps its content, loses the address.
	squat := b.User(t, acct.ID)
	if !squat.EmailReleased() || squat.DisplayName != "Mallory" || b.PasswordHash(t, acct.ID) != hashBefore {
		t.Errorf("the squatting account afterwards: %+v", squat)
	}
	if posts := b.AllPosts(t); len(posts) != 1 || posts[0].AuthorID != acct.ID {
		t.Errorf("the squatter's post: %+v; want it kept, still theirs", posts)
	}
	boardtest.WantStatus(t, "the attacker's password with the address", b.Client(t).Attempt("victim@example.com", attackerPW), http.StatusUnauthorized)
	boardtest.WantStatus(t, "the attacker's password with the placeholder", b.Client(t).Attempt(squat.Email, attackerPW), http.StatusUnauthorized)
	page := mal.Get("/account")
	boardtest.WantPage(t, "the squatter's account page", page, http.StatusOK, "Your account has no email address")
	for _, p := range []string{"google", "facebook"} {
		if strings.Contains(page.Body, `data-testid="identity-`+p+`"`) {
			t.Errorf("attacker's account page shows a %s connection", p)
		}
	}
	// Nor can the squatter get the address back: it is verified now.
	res = mal.Post("/account/profile", url.Values{"email": {"victim@example.com"}, "display_name": {"Mallory"}, "current_password": {attackerPW}})
	boardtest.WantPage(t, "the squatter asking for the address again", res, http.StatusUnprocessableEntity, "Another account uses this email.")
	// The link the attacker's registration mailed (to the owner's inbox) no
	// longer does anything.
	// (The owner was also warned of the attacker's failed sign-in above.)
	var welcome []*models.Mail
	for _, m := range b.Mails(t, "victim@example.com") {
		if m.Subject != "Someone failed to sign in to your account" {
			welcome = append(welcome, m)
		}
	}
	if len(welcome) != 1 {
		t.Fatalf("%d messages to the owner's address besides the warning, want the attacker's registration link only", len(welcome))
	}
	c := b.Client(t)
	c.Get(b.LinkTo(t, welcome[0].Text, "/email/confirm"))
	boardtest.WantStatus(t, "the squatter's verification link", c.Get("/email/confirm"), http.StatusGone)
}

func TestSocialAutoLinkOnlyWhenBothVerified(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})

	// A Google-created account with a verified email: Facebook, which never
	// vouches, cannot attach itself by email.
	g := b.Visitor(t)
	b.SignInWith(t, g, "google", boardtest.Who{Email: "x@example.com", Name: "Xena", Verified: true}, "")
	x := b.UserByEmail(t, "x@example.com")
	if x == nil || !x.EmailVerified {
		t.Fatalf("Google-created account %+v, want a verified email", x)
	}
	fb := b.Visitor(t)
	f := b.SignInWith(t, fb, "facebook", boardtest.Who{Email: "x@example.com", Name: "Not Xena"}, "")
	boardtest.WantPage(t, "facebook onto a verified account", f.Final, http.StatusConflict, accountExists)
	boardtest.WantSignedOut(t, "browser fb", fb, "")
	if ids := b.IdentitiesOf(t, x.ID); len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("identities %+v, want only google", ids)
	}

	// A verified local account with a password.
	hash := boardtest.Hash(t, "vera-password-123")
	vera, err := b.Users.Create(context.Background(), models.NewUser{Email: "vera@example.com", EmailVerified: true,
		DisplayName: "Vera Verified", PasswordHash: hash}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	registrations := auditCount(t, b, models.AuditRegister, vera.ID, "")

	// Google does not vouch: refused, nothing linked.
	c := b.Visitor(t)
	f = b.SignInWith(t, c, "google", boardtest.Who{Email: "vera@example.com", Name: "Vera G"}, "")
	boardtest.WantPage(t, "unverified google onto a verified account", f.Final, http.StatusConflict, accountExists)
	if c.SessionCookie() != flowSession(f) {
		t.Error("refused sign-in changed the session token")
	}
	boardtest.WantSignedOut(t, "browser c", c, "")
	if ids := b.IdentitiesOf(t, vera.ID); len(ids) != 0 {
		t.Errorf("identities %+v linked without Google vouching", ids)
	}

	// Google vouches and the account is verified: linked and signed in.
	c = b.Visitor(t)
	f = b.SignInWith(t, c, "google", boardtest.Who{Email: "vera@example.com", Name: "Vera G", Verified: true}, "")
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/posts" {
		t.Fatalf("verified google onto a verified account: %d to %q\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	if c.SessionCookie() == flowSession(f) {
		t.Error("session token not renewed")
	}
	boardtest.WantSignedIn(t, "browser c", c, "Vera Verified")
	ids := b.IdentitiesOf(t, vera.ID)
	if len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("identities %+v, want google linked to vera", ids)
	}
	if n := auditCount(t, b, models.AuditIdentityLinked, vera.ID, "google"); n != 1 {
		t.Errorf("identity_linked audited %d times, want 1", n)
	}
	if n := auditCount(t, b, models.AuditSignIn, vera.ID, "via google"); n != 1 {
		t.Errorf("sign_in via google audited %d times, want 1", n)
	}
	if n := auditCount(t, b, models.AuditRegister, vera.ID, ""); n != registrations {
		t.Errorf("a register event was audited for an existing account")
	}
	after := b.UserByEmail(t, "vera@example.com")
	if b.PasswordHash(t, after.ID) != hash || after.DisplayName != "Vera Verified" {
		t.Errorf("linking changed the account: %+v", after)
	}
	if n := len(b.AllUsers(t)); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}

// --- linking and unlinking while signed in ---------------------------------------

func TestSocialLinkWhileSignedIn(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	pat := b.CreateUser(t, "pat@example.com", "Pat Password", "pat-password-123", models.RoleMember)
	c := b.Visitor(t)
	c.Login("pat@example.com", "pat-password-123")

	page := c.Get("/account")
	boardtest.WantPage(t, "account page", page, http.StatusOK, "Connect Google", "Connect Facebook")
	if strings.Contains(page.Body, `data-testid="identity-google"`) {
		t.Fatal("account page shows Google connected before linking")
	}

	f := b.LinkWith(t, c, "google", boardtest.Who{Email: "pat.personal@example.org", Name: "Pat at Google"})
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("link callback: %d to %q, want 303 to /account\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	page = c.Get("/account")
	boardtest.WantPage(t, "account page after linking", page, http.StatusOK, "Google is now connected")
	if !strings.Contains(page.Body, `data-testid="identity-google"`) || strings.Contains(page.Body, `data-testid="link-google"`) {
		t.Error("account page does not show Google as connected")
	}
	ids := b.IdentitiesOf(t, pat.ID)
	if len(ids) != 1 || ids[0].Provider != "google" || ids[0].Email != "pat.personal@example.org" {
		t.Fatalf("identities %+v, want google linked to pat", ids)
	}
	if n := auditCount(t, b, models.AuditIdentityLinked, pat.ID, "google"); n != 1 {
		t.Errorf("identity_linked audited %d times, want 1", n)
	}
	boardtest.WantSignedIn(t, "browser c", c, "Pat Password")

	// The connection works for signing in.
	c2 := b.Visitor(t)
	if f := b.SignInWith(t, c2, "google", boardtest.Who{Email: "pat.personal@example.org", Name: "Pat at Google"}, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("sign-in with the linked identity: %d", f.Final.Status)
	}
	boardtest.WantSignedIn(t, "browser c2", c2, "Pat Password")

	// A second Google identity on an account that has one: refused.
	f = b.LinkWith(t, c, "google", boardtest.Who{Email: "pat.other@example.org", Name: "Other Pat"})
	boardtest.WantPage(t, "second google link", f.Final, http.StatusConflict, "is already connected", "Nothing changed")
	if ids := b.IdentitiesOf(t, pat.ID); len(ids) != 1 || ids[0].Email != "pat.personal@example.org" {
		t.Errorf("identities after a refused second link: %+v", ids)
	}
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	boardtest.WantSignedIn(t, "browser c", c, "Pat Password")
}

func TestSocialLinkIdentityOfAnotherAccount(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	// Gail's account was created by her Google sign-in.
	gb := b.Visitor(t)
	b.SignInWith(t, gb, "google", boardtest.Who{Email: "gail@example.com", Name: "Gail", Verified: true}, "")
	gail := b.UserByEmail(t, "gail@example.com")
	if gail == nil {
		t.Fatal("no account for gail")
	}
	gailIDs := b.IdentitiesOf(t, gail.ID)

	quinn := b.CreateUser(t, "quinn@example.com", "Quinn", "quinn-password-123", models.RoleMember)
	c := b.Visitor(t)
	c.Login("quinn@example.com", "quinn-password-123")
	f := b.LinkWith(t, c, "google", boardtest.Who{Email: "gail@example.com", Name: "Gail", Verified: true})
	boardtest.WantPage(t, "linking another account's google identity", f.Final, http.StatusConflict,
		"That Google account is already connected", "Nothing changed")
	if ids := b.IdentitiesOf(t, quinn.ID); len(ids) != 0 {
		t.Errorf("quinn got identities %+v", ids)
	}
	if ids := b.IdentitiesOf(t, gail.ID); len(ids) != 1 || ids[0].ID != gailIDs[0].ID {
		t.Errorf("gail's identities changed: %+v", ids)
	}
	if n := auditCount(t, b, models.AuditIdentityLinked, quinn.ID, ""); n != 0 {
		t.Errorf("identity_linked audited for quinn")
	}
	boardtest.WantSignedIn(t, "browser c", c, "Quinn")
}

// A link flow is bound to the member who started it.
func TestSocialLinkCallbackInOtherMembersSession(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	ann := b.CreateUser(t, "ann@example.com", "Ann", "ann-password-123", models.RoleMember)
	ben := b.CreateUser(t, "ben@example.com", "Ben", "ben-password-123", models.RoleMember)
	linkWho := boardtest.Who{Email: "ann.g@example.org", Name: "Ann G", Verified: true}

	// Ann starts linking; the callback ends up in Ben's browser.
	a := b.Visitor(t)
	a.Login("ann@example.com", "ann-password-123")
	_, authURL := b.StartSocial(t, a, "/account/identities/google/link", "")
	cb := b.Authorize(t, authURL, linkWho)
	bens := b.Visitor(t)
	bens.Login("ben@example.com", "ben-password-123")
	cookie := bens.SessionCookie()
	res := bens.Get(cb)
	boardtest.WantPage(t, "ann's link callback in ben's browser", res, http.StatusBadRequest, stateRefused)
	if bens.SessionCookie() != cookie {
		t.Error("ben's session token changed")
	}
	boardtest.WantSignedIn(t, "ben's browser", bens, "Ben")

	// Same browser, but another member signed in between start and callback:
	// the pending flow survives the sign-in (the token is renewed, the data
	// kept), so only the board's "same member" check stands in the way.
	s := b.Visitor(t)
	s.Login("ann@example.com", "ann-password-123")
	_, authURL = b.StartSocial(t, s, "/account/identities/google/link", "")
	cb = b.Authorize(t, authURL, linkWho)
	s.Login("ben@example.com", "ben-password-123")
	boardtest.WantSignedIn(t, "browser s", s, "Ben")
	res = s.Get(cb)
	boardtest.WantPage(t, "ann's link callback after ben signed in on the same browser", res, http.StatusBadRequest, stateRefused)
	boardtest.WantSignedIn(t, "browser s", s, "Ben")

	for _, u := range []int64{ann.ID, ben.ID} {
		if ids := b.IdentitiesOf(t, u); len(ids) != 0 {
			t.Errorf("user %d got identities %+v", u, ids)
		}
	}
	if n := len(b.AuditEvents(t, models.AuditIdentityLinked)); n != 0 {
		t.Errorf("%d identity_linked rows, want none", n)
	}
}

// The link endpoints are for members only and need the CSRF token.
func TestSocialLinkNeedsMemberAndCSRF(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	anon := b.Visitor(t)
	res := anon.Post("/account/identities/google/link", nil)
	if res.Status != http.StatusUnauthorized || strings.HasPrefix(res.Location(), b.Standin.URL) {
		t.Errorf("anonymous link start: %d to %q, want 401", res.Status, res.Location())
	}
	b.CreateUser(t, "mo@example.com", "Mo", "mo-password-123", models.RoleMember)
	m := b.Visitor(t)
	m.Login("mo@example.com", "mo-password-123")
	res = m.PostRaw("/account/identities/google/link", url.Values{})
	if res.Status != http.StatusForbidden || res.Location() != "" {
		t.Errorf("link start without _csrf: %d to %q, want 403", res.Status, res.Location())
	}
	res = m.PostRaw("/account/identities/google/unlink", url.Values{})
	if res.Status != http.StatusForbidden {
		t.Errorf("unlink without _csrf: %d, want 403", res.Status)
	}
}

func TestSocialUnlink(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})

	// A password member with Google linked may remove it.
	pat := b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	c := b.Visitor(t)
	c.Login("pat@example.com", "pat-password-123")
	if f := b.LinkWith(t, c, "google", boardtest.Who{Email: "pat@example.com", Name: "Pat", Verified: true}); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("link: %d", f.Final.Status)
	}
	res := c.Post("/account/identities/google/unlink", url.Values{"current_password": {c.Password}})
	if res.Status != http.StatusSeeOther || res.Location() != "/account" {
		t.Fatalf("unlink: %d to %q, want 303 to /account\n%s", res.Status, res.Location(), boardtest.Clip(res.Body))
	}
	if ids := b.IdentitiesOf(t, pat.ID); len(ids) != 0 {
		t.Errorf("identities after unlink: %+v", ids)
	}
	if n := auditCount(t, b, models.AuditIdentityUnlinked, pat.ID, "google"); n != 1 {
		t.Errorf("identity_unlinked audited %d times, want 1", n)
	}
	page := c.Get("/account")
	boardtest.WantPage(t, "account page after unlink", page, http.StatusOK, "Google is disconnected", "Connect Google")
	// And the Google identity no longer signs in to Pat's account. Pat never
	// proved the address and Google vouches for it, so the Google sign-in
	// gets an account of its own, and Pat's unproven address goes with it.
	g := b.Visitor(t)
	f := b.SignInWith(t, g, "google", boardtest.Who{Email: "pat@example.com", Name: "Pat", Verified: true}, "")
	boardtest.WantStatus(t, "sign-in with the unlinked identity", f.Final, http.StatusSeeOther)
	if u := b.UserByEmail(t, "pat@example.com"); u == nil || u.ID == pat.ID {
		t.Errorf("the unlinked identity signed in to Pat's account again")
	}
	if ids := b.IdentitiesOf(t, pat.ID); len(ids) != 0 {
		t.Errorf("Pat's identities after the sign-in: %+v", ids)
	}

	// A Google-only member cannot remove their only way in.
	o := b.Visitor(t)
	b.SignInWith(t, o, "google", boardtest.Who{Email: "olly@example.com", Name: "Olly Only", Verified: true}, "")
	olly := b.UserByEmail(t, "olly@example.com")
	// Without a password, changing sign-in methods needs a fresh provider sign-in.
	res = o.Post("/account/identities/google/unlink", nil)
	boardtest.WantPage(t, "unlink without re-authentication", res, http.StatusUnprocessableEntity, "Confirm it is you first")
	if f := b.RoundTrip(t, o, "/account/reauth/google", "", boardtest.Who{Email: "olly@example.com", Name: "Olly Only", Verified: true}); f.Final.Location() != "/account" {
		t.Fatalf("re-authentication: %d to %q", f.Final.Status, f.Final.Location())
	}
	res = o.Post("/account/identities/google/unlink", url.Values{"current_password": {o.Password}})
	boardtest.WantPage(t, "unlinking the only sign-in method", res, http.StatusConflict, "This is your only way to sign in")
	if ids := b.IdentitiesOf(t, olly.ID); len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("identities after a refused unlink: %+v", ids)
	}
	if n := auditCount(t, b, models.AuditIdentityUnlinked, olly.ID, ""); n != 0 {
		t.Errorf("a refused unlink was audited")
	}
	boardtest.WantSignedIn(t, "browser o", o, "Olly Only")

	// With Facebook linked too, one of the two may go, but not the last.
	if f := b.LinkWith(t, o, "facebook", boardtest.Who{Email: "olly@example.com", Name: "Olly FB"}); f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("link facebook: %d to %q\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	if ids := b.IdentitiesOf(t, olly.ID); len(ids) != 2 {
		t.Fatalf("identities %+v, want google and facebook", ids)
	}
	res = o.Post("/account/identities/google/unlink", url.Values{"current_password": {o.Password}})
	if res.Status != http.StatusSeeOther {
		t.Errorf("unlink google with facebook left: %d\n%s", res.Status, boardtest.Clip(res.Body))
	}
	ids := b.IdentitiesOf(t, olly.ID)
	if len(ids) != 1 || ids[0].Provider != "facebook" {
		t.Errorf("identities %+v, want facebook only", ids)
	}
	res = o.Post("/account/identities/facebook/unlink", url.Values{"current_password": {o.Password}})
	boardtest.WantPage(t, "unlinking the last provider", res, http.StatusConflict, "This is your only way to sign in")
	if ids := b.IdentitiesOf(t, olly.ID); len(ids) != 1 {
		t.Errorf("identities %+v, want facebook kept", ids)
	}
	// Olly still gets in with Facebook.
	o2 := b.Visitor(t)
	if f := b.SignInWith(t, o2, "facebook", boardtest.Who{Email: "olly@example.com", Name: "Olly FB"}, ""); f.Final.Status != http.StatusSeeOther {
		t.Errorf("facebook sign-in after unlinking google: %d", f.Final.Status)
	}
	boardtest.WantSignedIn(t, "browser o2", o2, "Olly Only")
}

// --- suspended members ---------------------------------------------------------

func TestSocialSuspendedMember(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	who := boardtest.Who{Email: "sue@example.com", Name: "Sue Spender", Verified: true}
	first := b.Visitor(t)
	b.SignInWith(t, first, "google", who, "")
	sue := b.UserByEmail(t, "sue@example.com")
	if sue == nil {
		t.Fatal("no account")
	}
	if err := b.Users.SetSuspended(context.Background(), sue.ID, true, "posting spam links", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	boardtest.WantSignedOut(t, "browser first", first, "") // the live session ends on its next request

	c := b.Visitor(t)
	f := b.SignInWith(t, c, "google", who, "")
	boardtest.WantPage(t, "suspended member signing in with google", f.Final, http.StatusForbidden,
		"Your account is suspended", "posting spam links")
	if c.SessionCookie() != flowSession(f) {
		t.Error("session token changed for a refused sign-in")
	}
	boardtest.WantSignedOut(t, "browser c", c, "")
	if n := auditCount(t, b, models.AuditSignIn, sue.ID, ""); n != 1 {
		t.Errorf("%d sign-ins audited for sue, want only the one before suspension", n)
	}
}

// A refused sign-in changes nothing, suspended accounts included: a
// verified Google identity whose email matches a suspended, verified account
// is refused with 403 and must not be attached to that account on the way.
func TestSocialSuspendedNoAutoLink(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	hash := boardtest.Hash(t, "vera-password-123")
	vera, err := b.Users.Create(context.Background(), models.NewUser{Email: "vera@example.com", EmailVerified: true,
		DisplayName: "Vera", PasswordHash: hash}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Users.SetSuspended(context.Background(), vera.ID, true, "posting spam links", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	c := b.Visitor(t)
	f := b.SignInWith(t, c, "google", boardtest.Who{Email: "vera@example.com", Name: "Vera G", Verified: true}, "")
	boardtest.WantPage(t, "google sign-in onto a suspended verified account", f.Final, http.StatusForbidden,
		"Your account is suspended", "posting spam links")
	boardtest.WantSignedOut(t, "browser c", c, "")
	if ids := b.IdentitiesOf(t, vera.ID); len(ids) != 0 {
		t.Errorf("refused sign-in attached a Google identity to the suspended account: %+v", ids)
	}
	if n := auditCount(t, b, models.AuditIdentityLinked, vera.ID, ""); n != 0 {
		t.Errorf("refused sign-in audited %d identity_linked rows for the suspended account", n)
	}
}

// --- buttons, methods, CSRF, unknown providers, CSP ---------------------------------

var startFormRe = regexp.MustCompile(`(?s)<form method="post" action="/auth/([a-z]+)">(.*?)</form>`)

func TestSocialButtonsOnSignInAndRegister(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	for _, path := range []string{"/login", "/register"} {
		c := b.Visitor(t)
		page := c.Get(path)
		if page.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, page.Status)
		}
		forms := map[string]string{}
		for _, m := range startFormRe.FindAllStringSubmatch(page.Body, -1) {
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
			res := c.PostRaw("/auth/"+tc.provider, url.Values{"_csrf": {m[1]}, "next": {""}})
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location(), b.Standin.URL+"/") {
				t.Errorf("%s: submitting the %s button: %d to %q, want 303 to the stand-in", path, tc.label, res.Status, res.Location())
			}
		}
	}
}

func TestSocialStartRequestChecks(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)

	// GET does not start a flow (no state change on GET). The exact status
	// is echo's routing business (anonymous: 401 from the member group's
	// catch-all; 404/405 otherwise): what matters is that the browser is not
	// sent to the provider nor shown where to go, so no flow can go on.
	res := c.Get("/auth/google")
	if res.Status < 400 || res.Location() != "" {
		t.Errorf("GET /auth/google: %d to %q, want a 4xx and no redirect", res.Status, res.Location())
	}
	if strings.Contains(res.Body, b.Standin.URL) {
		t.Error("GET /auth/google shows the way to the provider: it started a flow")
	}

	// No or a wrong _csrf: 403, no flow.
	res = c.PostRaw("/auth/google", url.Values{})
	boardtest.WantPage(t, "POST /auth/google without _csrf", res, http.StatusForbidden, "This form could not be accepted")
	if res.Location() != "" || strings.Contains(res.Body, b.Standin.URL) {
		t.Errorf("POST without _csrf started a flow (redirect %q)", res.Location())
	}
	res = c.PostRaw("/auth/facebook", url.Values{"_csrf": {"not-the-token"}})
	boardtest.WantPage(t, "POST /auth/facebook with a wrong _csrf", res, http.StatusForbidden)
	if res.Location() != "" || strings.Contains(res.Body, b.Standin.URL) {
		t.Errorf("POST with a wrong _csrf started a flow (redirect %q)", res.Location())
	}
	// Control: with the token the flow starts, is kept in the session and
	// completes.
	control := b.Visitor(t)
	if f := b.SignInWith(t, control, "google", someone, ""); f.Final.Status != http.StatusSeeOther {
		t.Errorf("a started flow did not complete: callback %d\n%s", f.Final.Status, boardtest.Clip(f.Final.Body))
	}
	// Cross-site: a fresh browser that never loaded a page of the board has no token at all.
	fresh := b.Client(t)
	res = fresh.PostRaw("/auth/google", url.Values{"_csrf": {""}})
	if res.Status != http.StatusForbidden {
		t.Errorf("POST /auth/google from a session-less browser: %d, want 403", res.Status)
	}

	// Unknown providers.
	res = c.Post("/auth/unknown", nil)
	boardtest.WantPage(t, "POST /auth/unknown", res, http.StatusNotFound, "No such sign-in provider")
	res = c.Get("/auth/unknown/callback?state=x&code=y")
	if res.Status != http.StatusNotFound {
		t.Errorf("GET /auth/unknown/callback: %d, want 404", res.Status)
	}
	// A callback for a known provider without any flow: 400, not 500.
	res = c.Get("/auth/google/callback?state=x&code=y")
	boardtest.WantPage(t, "callback with no flow", res, http.StatusBadRequest, stateRefused)
	boardtest.WantSignedOut(t, "browser c", c, "")
}

func TestSocialLoginPageCSPAllowsStandin(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	res := c.Get("/login")
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
	if !has(b.Standin.URL) {
		t.Errorf("form-action %v lacks the stand-in origin %s", formAction, b.Standin.URL)
	}
	// Every place the sign-in buttons redirect to is allowed.
	for _, p := range []string{"google", "facebook"} {
		_, authURL := b.StartSocial(t, c, "/auth/"+p, "")
		u := mustURL(t, authURL)
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
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	name := `<b onmouseover="x()">Hax</b>`
	if f := b.SignInWith(t, c, "google", boardtest.Who{Email: "hax@example.com", Name: name, Verified: true}, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", f.Final.Status, boardtest.Clip(f.Final.Body))
	}
	res := c.Get("/posts")
	if strings.Contains(res.Body, name) {
		t.Error("provider-supplied display name rendered unescaped")
	}
	boardtest.WantSignedIn(t, "browser c", c, name)

	// Over-long names are cut to the board's limit, not refused.
	long := strings.Repeat("n", models.MaxDisplayName+20)
	c2 := b.Visitor(t)
	if f := b.SignInWith(t, c2, "google", boardtest.Who{Email: "long@example.com", Name: long, Verified: true}, ""); f.Final.Status != http.StatusSeeOther {
		t.Fatalf("sign-in with a long name: %d", f.Final.Status)
	}
	if got := b.UserByEmail(t, "long@example.com").DisplayName; got != long[:models.MaxDisplayName] {
		t.Errorf("display name %q (%d chars), want the first %d characters", got, len(got), models.MaxDisplayName)
	}
}

// --- re-authentication with a connected provider ----------------------------------

// A member without a password confirms who they are through their connected
// provider before sensitive changes; only that very identity counts.
func TestSocialReauthRefusals(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	rae := boardtest.Who{Email: "rae@example.com", Name: "Rae", Verified: true}
	c := b.Visitor(t)
	b.SignInWith(t, c, "google", rae, "")

	// Without confirming, a profile change is refused.
	res := c.Post("/account/profile", url.Values{"email": {"rae@example.com"}, "display_name": {"Rae Renamed"}})
	boardtest.WantPage(t, "profile change without re-authentication", res, http.StatusUnprocessableEntity, "Confirm it is you first")

	// Confirming with a different Google account unlocks nothing.
	f := b.RoundTrip(t, c, "/account/reauth/google", "", boardtest.Who{Email: "not-rae@example.com", Name: "Not Rae", Verified: true})
	boardtest.WantPage(t, "re-authentication as someone else", f.Final, http.StatusForbidden, "That is not your connected Google account")
	res = c.Post("/account/profile", url.Values{"email": {"rae@example.com"}, "display_name": {"Rae Renamed"}})
	if res.Status != http.StatusUnprocessableEntity {
		t.Errorf("profile change after a failed re-authentication: %d, want 422", res.Status)
	}
	// Nor does a provider that is not connected at all.
	f = b.RoundTrip(t, c, "/account/reauth/facebook", "", rae)
	boardtest.WantPage(t, "re-authentication with an unconnected provider", f.Final, http.StatusForbidden, "That is not your connected Facebook account")
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d users after re-authentication attempts, want 1", n)
	}
	if n := len(b.AllIdentities(t)); n != 1 {
		t.Errorf("%d identities after re-authentication attempts, want 1", n)
	}
	if got := b.UserByEmail(t, "rae@example.com"); got.DisplayName != "Rae" {
		t.Errorf("display name changed to %q without re-authentication", got.DisplayName)
	}

	// A re-authentication started by Rae cannot be finished by another browser.
	_, authURL := b.StartSocial(t, c, "/account/reauth/google", "")
	cb := b.Authorize(t, authURL, rae)
	anon := b.Visitor(t)
	res = anon.Get(cb)
	boardtest.WantPage(t, "re-authentication callback in another browser", res, http.StatusBadRequest, stateRefused)
	boardtest.WantSignedOut(t, "browser anon", anon, "")
}

// The successful case: the connected identity confirms, the callback's
// session changes are saved (flash, the reauth window, the state consumed),
// and the member may then change their profile.
func TestSocialReauthUnlocksSensitiveChanges(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	rae := boardtest.Who{Email: "rae@example.com", Name: "Rae", Verified: true}
	c := b.Visitor(t)
	b.SignInWith(t, c, "google", rae, "")

	f := b.RoundTrip(t, c, "/account/reauth/google", "", rae)
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("re-authentication: %d to %q\n%s", f.Final.Status, f.Final.Location(), boardtest.Clip(f.Final.Body))
	}
	page := c.Get("/account")
	boardtest.WantPage(t, "account page after re-authentication", page, http.StatusOK, "Confirmed with Google")
	res := c.Post("/account/profile", url.Values{"email": {"rae@example.com"}, "display_name": {"Rae Renamed"}})
	if res.Status != http.StatusSeeOther {
		t.Errorf("profile change right after re-authentication: %d, want 303", res.Status)
	}
	if got := b.UserByEmail(t, "rae@example.com"); got.DisplayName != "Rae Renamed" {
		t.Errorf("display name %q after the change, want %q", got.DisplayName, "Rae Renamed")
	}
	// Replaying the callback URL must hit the state check (400), not reach
	// the provider again.
	res = c.Get(f.Callback)
	boardtest.WantPage(t, "replayed re-authentication callback", res, http.StatusBadRequest, stateRefused)
}

// Changing the account's email makes it unverified, so a member cannot
// take a verified account, switch its address to someone else's, and have
// that person's later Google sign-in land in it.
func TestSocialEmailChangeThenHijack(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	hash := boardtest.Hash(t, "mal-password-123")
	acct, err := b.Users.Create(context.Background(), models.NewUser{Email: "mal@example.com", EmailVerified: true,
		DisplayName: "Mal", PasswordHash: hash}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	c := b.Visitor(t)
	c.Login("mal@example.com", "mal-password-123")
	res := c.Post("/account/profile", url.Values{"email": {"victim@example.com"}, "display_name": {"Mal"},
		"current_password": {"mal-password-123"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("email change: %d\n%s", res.Status, boardtest.Clip(res.Body))
	}
	// The address is not the attacker's until the victim's inbox says so.
	if after := b.User(t, acct.ID); after.Email != "mal@example.com" {
		t.Fatalf("the address changed without its link: %q", after.Email)
	}

	v := b.Visitor(t)
	f := b.SignInWith(t, v, "google", boardtest.Who{Email: "victim@example.com", Name: "Victoria", Verified: true}, "")
	boardtest.WantStatus(t, "victim's google sign-in", f.Final, http.StatusSeeOther)
	boardtest.WantSignedIn(t, "the victim", v, "Victoria")
	if ids := b.IdentitiesOf(t, acct.ID); len(ids) != 0 {
		t.Errorf("the victim's Google identity was attached to the attacker's account: %+v", ids)
	}
	// Even the link, had the attacker got hold of it, cannot take the
	// address from its verified owner now.
	links := b.Mails(t, "victim@example.com")
	if len(links) != 1 {
		t.Fatalf("%d messages to the victim's address, want the change link", len(links))
	}
	m := b.Client(t)
	m.Get(b.LinkTo(t, links[0].Text, "/email/confirm"))
	boardtest.WantPage(t, "using the change link", m.Post("/email/confirm", nil), http.StatusConflict, "Another account has confirmed this address")
	if after := b.User(t, acct.ID); after.Email != "mal@example.com" {
		t.Errorf("the attacker's account took the victim's verified address: %q", after.Email)
	}
}

// Codes, states and client secrets never reach the board's logs, even when
// a provider fails.
func TestSocialSecretsNotLogged(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	ok := b.SignInWith(t, c, "google", someone, "")
	c.Get(ok.Callback) // replay: state refused
	b.Standin.SetTokenFault(http.StatusInternalServerError, 0)
	c2 := b.Visitor(t)
	bad := b.SignInWith(t, c2, "facebook", someone, "")
	b.Standin.SetTokenFault(0, 0)
	if bad.Final.Status != http.StatusBadGateway {
		t.Errorf("facebook with a failing token endpoint: %d, want 502", bad.Final.Status)
	}
	logs := b.Logs.String()
	if !strings.Contains(logs, "/auth/google/callback") {
		t.Fatal("no request log lines captured: this test cannot see the logs")
	}
	for _, f := range []*boardtest.Flow{ok, bad} {
		for _, k := range []string{"code", "state"} {
			if v := queryParam(t, f.Callback, k); v != "" && strings.Contains(logs, v) {
				t.Errorf("the board logged an OAuth %s", k)
			}
		}
	}
	for _, secret := range []string{boardtest.GoogleSecret, boardtest.FacebookSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("the board logged a client secret")
		}
	}
}
