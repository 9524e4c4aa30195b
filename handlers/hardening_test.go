package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"board/models"
)

// A stolen session must not be enough to add the thief's own way in:
// connecting a provider asks for the current password, wrong guesses are
// audited and count against the sign-in limit.
func TestLinkNeedsCurrentPassword(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	sx.createUser("pam@example.com", "Pam", "pam-password-123", models.RoleMember)
	c := sx.browser(t)
	c.login("pam@example.com", "pam-password-123")
	pam := sx.userByEmail(t, "pam@example.com")

	for _, path := range []string{"/account/identities/google/link", "/account/identities/google/unlink"} {
		res := c.post(path, url.Values{"current_password": {"not-pams-password"}})
		socialWantPage(t, path+" with a wrong password", res, http.StatusUnprocessableEntity, "Your current password is not correct.")
		if loc := res.Location(); loc != "" {
			t.Errorf("%s with a wrong password redirected to %q", path, loc)
		}
	}
	if got := sx.auditCount(t, models.AuditReauthFailed, pam.ID, ""); got != 2 {
		t.Errorf("reauth_failed audited %d times, want 2", got)
	}
	// Three more wrong guesses reach the account's limit of five; then even
	// the right password is refused with 429 until the window passes.
	for range 3 {
		c.post("/account/identities/google/link", url.Values{"current_password": {"guess"}})
	}
	res := c.post("/account/identities/google/link", url.Values{"current_password": {"pam-password-123"}})
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: status %d, Retry-After %q; want 429 with Retry-After", res.Status, res.Header.Get("Retry-After"))
	}
	if ids := sx.identitiesOf(t, pam.ID); len(ids) != 0 {
		t.Errorf("identities after refused links: %+v", ids)
	}
}

// Re-authentication asks the provider for a fresh sign-in, not a remembered one.
func TestReauthAsksProviderForFreshSignIn(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	sx.signInWith(t, c, "google", socialWho{Email: "rita@example.com", Name: "Rita", Verified: true}, "")
	_, authURL := sx.startSocial(t, c, "/account/reauth/google", "")
	if got := socialQueryParam(t, authURL, "prompt"); got != "login" {
		t.Errorf("reauth authorize URL prompt=%q, want login (%s)", got, authURL)
	}
	_, authURL = sx.startSocial(t, sx.browser(t), "/auth/google", "")
	if got := socialQueryParam(t, authURL, "prompt"); got != "" {
		t.Errorf("plain sign-in asks prompt=%q; only re-authentication should", got)
	}
}

// A re-authentication only counts if the provider says the person signed in
// again during this flow (Google's auth_time), not a sign-in it remembered.
func TestReauthRefusesARememberedSignIn(t *testing.T) {
	sx := newSocialServer(t, socialOptions{standinBehind: 30 * time.Minute})
	c := sx.browser(t)
	who := socialWho{Email: "sam@example.com", Name: "Sam", Verified: true}
	sx.signInWith(t, c, "google", who, "")
	f := sx.roundTrip(t, c, "/account/reauth/google", "", who)
	socialWantPage(t, "re-authentication with a 30-minute-old sign-in", f.Final, http.StatusForbidden, "did not ask you to sign in again")
	res := c.post("/account/profile", url.Values{"email": {"sam@example.com"}, "display_name": {"Sam Changed"}})
	socialWantPage(t, "profile change after the refused re-authentication", res, http.StatusUnprocessableEntity, "Confirm it is you first")
	if u := sx.userByEmail(t, "sam@example.com"); u.DisplayName != "Sam" {
		t.Errorf("display name changed to %q", u.DisplayName)
	}
}

// Parallel wrong passwords cannot all slip past the limit before any is counted.
func TestParallelGuessesHitTheLimit(t *testing.T) {
	ts := newTestServer(t)
	ts.createUser("par@example.com", "Par", "par-password-123", models.RoleMember)
	const guesses = 20
	clients := make([]*client, guesses)
	tokens := make([]string, guesses)
	for i := range clients {
		clients[i] = ts.clientT(t)
		tokens[i] = clients[i].csrf()
	}
	statuses := make(chan int, guesses)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.tryDo(formRequest(t, ts.URL+"/login", url.Values{
				"_csrf": {tokens[i]}, "email": {"par@example.com"}, "password": {"wrong-guess-123"}}))
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- res.Status
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != guesses-5 {
		t.Fatalf("statuses %v: want exactly 5 checked (401) and the rest refused (429)", counts)
	}
}

// Registrations are limited per address: each one costs an argon2id hash
// and could probe which emails have accounts.
func TestRegistrationIsThrottledPerAddress(t *testing.T) {
	ts := newTestServer(t)
	ts.createUser("taken@example.com", "Taken", "taken-password-123", models.RoleMember)
	c := ts.newClient()
	for i := range 10 {
		res := c.post("/register", url.Values{"email": {"taken@example.com"}, "display_name": {"X"}, "password": {"long-enough-pass-" + string(rune('a'+i))}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: status %d, want 422 (email taken)", i+1, res.Status)
		}
	}
	res := c.post("/register", url.Values{"email": {"new@example.com"}, "display_name": {"New"}, "password": {"long-enough-pass-z"}})
	if res.Status != http.StatusTooManyRequests || !strings.Contains(res.Body, "Too many registrations") {
		t.Fatalf("11th registration: status %d, want 429 Too many registrations", res.Status)
	}
	if _, err := ts.Users.ByEmail(context.Background(), "new@example.com"); err == nil {
		t.Error("the refused registration created an account")
	}
}

// A visitor who only looked at the sign-in page holds a short-lived session,
// not one that lasts as long as a member's.
func TestAnonymousSessionsAreShortLived(t *testing.T) {
	ts := newTestServer(t)
	ts.newClient().get("/login")
	var expiry float64
	if err := ts.DB.Read.QueryRow(`SELECT max(expiry) - julianday('now') FROM sessions`).Scan(&expiry); err != nil {
		t.Fatal(err)
	}
	if left := time.Duration(expiry * 24 * float64(time.Hour)); left <= 0 || left > 3*time.Hour {
		t.Fatalf("anonymous session expires in %v, want at most a few hours", left)
	}
}

// Whoever used the browser before leaves nothing in the next member's
// session: Vic's fresh confirmation must not unlock Wes's account.
func TestSignInStartsWithAnEmptySession(t *testing.T) {
	sx := newSocialServer(t, socialOptions{})
	c := sx.browser(t)
	vic := socialWho{Email: "vic@example.com", Name: "Vic", Verified: true}
	sx.signInWith(t, c, "google", vic, "")
	sx.roundTrip(t, c, "/account/reauth/google", "", vic)
	if res := c.post("/account/profile", url.Values{"email": {"vic@example.com"}, "display_name": {"Vic Confirmed"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("setup: Vic's confirmed profile change: %d", res.Status)
	}
	// Wes, also without a password, signs in on the same browser.
	sx.signInWith(t, c, "facebook", socialWho{Email: "wes@example.com", Name: "Wes"}, "")
	socialWantSignedInAs(t, c, "Wes")
	res := c.post("/account/profile", url.Values{"email": {"wes@example.com"}, "display_name": {"Wes Changed"}})
	socialWantPage(t, "Wes's profile change right after Vic's confirmation", res, http.StatusUnprocessableEntity, "Confirm it is you first")
}

func formRequest(t *testing.T, target string, form url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// A refused moderation reason re-renders the page it came from with the
// error at its form and what was typed kept (DESIGN convention 2).
func TestRefusedReasonKeepsTheForm(t *testing.T) {
	ts := newTestServer(t)
	author := ts.createUser("auth@example.com", "Author", "author-password-123", models.RoleMember)
	ts.createUser("mod@example.com", "Mod", "mod-password-123", models.RoleAdmin)
	p, err := ts.Posts.Create(context.Background(), author.ID, "A post to moderate", "body")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := ts.Comments.Create(context.Background(), p.ID, author.ID, "a comment")
	if err != nil {
		t.Fatal(err)
	}
	admin := ts.newClient()
	admin.login("mod@example.com", "mod-password-123")
	long := strings.Repeat("x", models.MaxReason+1)
	for _, tc := range []struct{ path, page string }{
		{"/admin/posts/" + itoa(p.ID) + "/hide", "A post to moderate"},
		{"/admin/comments/" + itoa(cm.ID) + "/hide", "A post to moderate"},
		{"/admin/users/" + itoa(author.ID) + "/suspend", `data-testid="admin-users"`},
	} {
		res := admin.post(tc.path, url.Values{"reason": {long}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.path, res.Status)
		}
		for _, want := range []string{tc.page, `data-testid="error-reason"`, `value="` + long + `"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("%s: re-rendered page lacks %.60q", tc.path, want)
			}
		}
	}
	if got, _ := ts.Posts.ByID(context.Background(), p.ID); got.Hidden() {
		t.Error("the post was hidden despite the refused reason")
	}
	if got, _ := ts.Users.ByID(context.Background(), author.ID); got.IsSuspended() {
		t.Error("the member was suspended despite the refused reason")
	}
}
