package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
)

// A stolen session must not be enough to add the thief's own way in:
// connecting a provider asks for the current password, wrong guesses are
// audited and count against the sign-in limit.
func TestLinkNeedsCurrentPassword(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	b.CreateUser(t, "pam@example.com", "Pam", "pam-password-123", models.RoleMember)
	c := b.Visitor(t)
	c.Login("pam@example.com", "pam-password-123")
	pam := b.UserByEmail(t, "pam@example.com")

	for _, path := range []string{"/account/identities/google/link", "/account/identities/google/unlink"} {
		res := c.Post(path, url.Values{"current_password": {"not-pams-password"}})
		boardtest.WantPage(t, path+" with a wrong password", res, http.StatusUnprocessableEntity, "Your current password is not correct.")
		if loc := res.Location(); loc != "" {
			t.Errorf("%s with a wrong password redirected to %q", path, loc)
		}
	}
	if got := auditCount(t, b, models.AuditReauthFailed, pam.ID, ""); got != 2 {
		t.Errorf("reauth_failed audited %d times, want 2", got)
	}
	// Three more wrong guesses reach the account's limit of five; then even
	// the right password is refused with 429 until the window passes.
	for range 3 {
		c.Post("/account/identities/google/link", url.Values{"current_password": {"guess"}})
	}
	res := c.Post("/account/identities/google/link", url.Values{"current_password": {"pam-password-123"}})
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: status %d, Retry-After %q; want 429 with Retry-After", res.Status, res.Header.Get("Retry-After"))
	}
	if ids := b.IdentitiesOf(t, pam.ID); len(ids) != 0 {
		t.Errorf("identities after refused links: %+v", ids)
	}
}

// Re-authentication asks the provider for a fresh sign-in, not a remembered one.
func TestReauthAsksProviderForFreshSignIn(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	b.SignInWith(t, c, "google", boardtest.Who{Email: "rita@example.com", Name: "Rita", Verified: true}, "")
	_, authURL := b.StartSocial(t, c, "/account/reauth/google", "")
	if got := queryParam(t, authURL, "prompt"); got != "login" {
		t.Errorf("reauth authorize URL prompt=%q, want login (%s)", got, authURL)
	}
	_, authURL = b.StartSocial(t, b.Visitor(t), "/auth/google", "")
	if got := queryParam(t, authURL, "prompt"); got != "" {
		t.Errorf("plain sign-in asks prompt=%q; only re-authentication should", got)
	}
}

// A re-authentication only counts if the provider says the person signed in
// again during this flow (Google's auth_time), not a sign-in it remembered.
func TestReauthRefusesARememberedSignIn(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true, StandinBehind: 30 * time.Minute})
	c := b.Visitor(t)
	who := boardtest.Who{Email: "sam@example.com", Name: "Sam", Verified: true}
	b.SignInWith(t, c, "google", who, "")
	f := b.RoundTrip(t, c, "/account/reauth/google", "", who)
	boardtest.WantPage(t, "re-authentication with a 30-minute-old sign-in", f.Final, http.StatusForbidden, "did not ask you to sign in again")
	res := c.Post("/account/profile", url.Values{"email": {"sam@example.com"}, "display_name": {"Sam Changed"}})
	boardtest.WantPage(t, "profile change after the refused re-authentication", res, http.StatusUnprocessableEntity, "Confirm it is you first")
	if u := b.UserByEmail(t, "sam@example.com"); u.DisplayName != "Sam" {
		t.Errorf("display name changed to %q", u.DisplayName)
	}
}

// Parallel wrong passwords cannot all slip past the limit before any is counted.
func TestParallelGuessesHitTheLimit(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "par@example.com", "Par", "par-password-123", models.RoleMember)
	const guesses = 20
	_, answers := signInAtOnce(t, b, guesses, "par@example.com", "wrong-guess-123")
	counts := map[int]int{}
	for _, res := range answers {
		if res != nil {
			counts[res.Status]++
		}
	}
	if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != guesses-5 {
		t.Fatalf("statuses %v: want exactly 5 checked (401) and the rest refused (429)", counts)
	}
}

// Registrations are limited per address: each one costs an argon2id hash
// and could probe which emails have accounts.
func TestRegistrationIsThrottledPerAddress(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "taken@example.com", "Taken", "taken-password-123", models.RoleMember)
	c := b.Client(t)
	for i := range 10 {
		res := c.Post("/register", url.Values{"email": {"taken@example.com"}, "display_name": {"X"}, "password": {"long-enough-pass-" + string(rune('a'+i))}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: status %d, want 422 (email taken)", i+1, res.Status)
		}
	}
	res := c.Post("/register", url.Values{"email": {"new@example.com"}, "display_name": {"New"}, "password": {"long-enough-pass-z"}})
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "Too many registrations") {
		t.Fatalf("11th registration: status %d, want 429 Too many registrations", res.Status)
	}
	if _, err := b.Users.ByEmail(context.Background(), "new@example.com"); err == nil {
		t.Error("the refused registration created an account")
	}
}

// A visitor who only looked at the sign-in page holds a short-lived session,
// not one that lasts as long as a member's: the page's form still works an
// hour after it was loaded, but not three hours after.
func TestAnonymousSessionsAreShortLived(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "vi@example.com", "Vi", "vi-password-123", models.RoleMember)
	signIn := func(loadedAgo time.Duration) *boardtest.Response {
		c := b.Client(t)
		b.Clock.Advance(-loadedAgo) // the sign-in page is loaded that long ago
		token := c.CSRFFrom("/login")
		b.Clock.Advance(loadedAgo)
		return c.PostToken("/login", url.Values{"email": {"vi@example.com"}, "password": {"vi-password-123"}}, token)
	}
	boardtest.WantStatus(t, "signing in on a sign-in page loaded an hour ago", signIn(time.Hour), http.StatusSeeOther)
	res := signIn(3 * time.Hour)
	boardtest.WantPage(t, "signing in on a sign-in page loaded three hours ago", res, http.StatusForbidden, "This form could not be accepted")
}

// Whoever used the browser before leaves nothing in the next member's
// session: Vic's fresh confirmation must not unlock Wes's account.
func TestSignInStartsWithAnEmptySession(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := b.Visitor(t)
	vic := boardtest.Who{Email: "vic@example.com", Name: "Vic", Verified: true}
	b.SignInWith(t, c, "google", vic, "")
	b.RoundTrip(t, c, "/account/reauth/google", "", vic)
	if res := c.Post("/account/profile", url.Values{"email": {"vic@example.com"}, "display_name": {"Vic Confirmed"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("setup: Vic's confirmed profile change: %d", res.Status)
	}
	// Wes, also without a password, signs in on the same browser.
	b.SignInWith(t, c, "facebook", boardtest.Who{Email: "wes@example.com", Name: "Wes"}, "")
	boardtest.WantSignedIn(t, "browser c", c, "Wes")
	res := c.Post("/account/profile", url.Values{"email": {"wes@example.com"}, "display_name": {"Wes Changed"}})
	boardtest.WantPage(t, "Wes's profile change right after Vic's confirmation", res, http.StatusUnprocessableEntity, "Confirm it is you first")
}

// A refused moderation reason re-renders the page it came from with the
// error at its form and what was typed kept (DESIGN convention 2).
func TestRefusedReasonKeepsTheForm(t *testing.T) {
	b := boardtest.New(t, boardtest.Options{})
	author := b.CreateUser(t, "auth@example.com", "Author", "author-password-123", models.RoleMember)
	b.CreateUser(t, "mod@example.com", "Mod", "mod-password-123", models.RoleAdmin)
	p, err := b.Posts.Create(context.Background(), author.ID, "A post to moderate", "body")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := b.Comments.Create(context.Background(), p.ID, author.ID, "a comment")
	if err != nil {
		t.Fatal(err)
	}
	admin := b.Client(t)
	admin.Login("mod@example.com", "mod-password-123")
	long := strings.Repeat("x", models.MaxReason+1)
	for _, tc := range []struct{ path, page string }{
		{"/admin/posts/" + itoa(p.ID) + "/hide", "A post to moderate"},
		{"/admin/comments/" + itoa(cm.ID) + "/hide", "A post to moderate"},
		{"/admin/users/" + itoa(author.ID) + "/suspend", `data-testid="admin-users"`},
	} {
		res := admin.Post(tc.path, url.Values{"reason": {long}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.path, res.Status)
		}
		for _, want := range []string{tc.page, `data-testid="error-reason"`, `value="` + long + `"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s: re-rendered page lacks %.60q", tc.path, want)
			}
		}
	}
	if got, _ := b.Posts.ByID(context.Background(), p.ID); got.Hidden() {
		t.Error("the post was hidden despite the refused reason")
	}
	if got, _ := b.Users.ByID(context.Background(), author.ID); got.IsSuspended() {
		t.Error("the member was suspended despite the refused reason")
	}
}
