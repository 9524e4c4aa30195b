package handlers_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
)

// proxied is a board behind a trusted proxy, so each test browser can come
// from an address of its choosing.
func proxied(t *testing.T) *boardtest.Board {
	return boardtest.New(t, boardtest.Options{TrustedProxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
}

// browserAt is a new browser at addr.
func browserAt(t *testing.T, b *boardtest.Board, addr string) *boardtest.Client {
	c := b.Client(t)
	c.SetHeader("X-Forwarded-For", addr)
	return c
}

// The reproduction: five wrong passwords from five addresses used
// to lock the owner out for 15 minutes. Now the owner gets in with the
// browser they used before (device cookie) and from a new browser at a new
// address, and is told about the failures.
func TestStrangersCannotLockOutTheOwner(t *testing.T) {
	t.Parallel()
	b := proxied(t)
	seedCast(t, b)
	admin := browserAt(t, b, "198.51.100.1")
	admin.Login("ada@example.com", adminPW) // this browser now holds ada's device cookie
	boardtest.WantStatus(t, "sign out", admin.Post("/logout", url.Values{}), http.StatusSeeOther)

	for i := 1; i <= 5; i++ {
		res := browserAt(t, b, fmt.Sprintf("203.0.113.%d", i)).Attempt("ada@example.com", "guess-"+strconv.Itoa(i))
		boardtest.WantStatus(t, fmt.Sprintf("stranger %d", i), res, http.StatusUnauthorized)
	}
	admin.SetHeader("X-Forwarded-For", "192.0.2.77") // the owner's browser, on another network today
	res := admin.Attempt("ada@example.com", adminPW)
	boardtest.WantStatus(t, "the owner's own browser after 5 failures from 5 addresses", res, http.StatusSeeOther)
	boardtest.WantSignedIn(t, "the owner", admin, "Ada Admin")
	page := admin.Get("/account")
	boardtest.WantPage(t, "the owner's account page", page, http.StatusOK,
		"5 failed sign-in attempts", "from browsers that had not signed in to it before", "203.0.113.5")

	fresh := browserAt(t, b, "192.0.2.200") // a new browser at a new address
	boardtest.WantStatus(t, "a fresh browser from a new address", fresh.Attempt("ada@example.com", adminPW), http.StatusSeeOther)
	boardtest.WantSignedIn(t, "the fresh browser", fresh, "Ada Admin")
}

// The member is told: the sign-in says so, the account page shows the
// notice until dismissed, and their own mistyping (with their device
// cookie) is not reported as a stranger's.
func TestMemberIsToldOfFailedSignIns(t *testing.T) {
	t.Parallel()
	b := proxied(t)
	cast := seedCast(t, b)
	alice := browserAt(t, b, "198.51.100.1")
	alice.Login("alice@example.com", alicePW)
	alice.Post("/logout", url.Values{})
	boardtest.WantStatus(t, "alice mistypes", alice.Attempt("alice@example.com", "alice-pasword-1"), http.StatusUnauthorized)
	boardtest.WantStatus(t, "alice signs in", alice.Attempt("alice@example.com", alicePW), http.StatusSeeOther)
	boardtest.MustNotContain(t, "account page after her own typo", alice.Get("/account").Body, `data-testid="sign-in-notice"`)
	alice.Post("/logout", url.Values{})

	b.Clock.Advance(time.Minute)
	for i := 1; i <= 3; i++ {
		browserAt(t, b, "203.0.113.66").Attempt("alice@example.com", "guess-"+strconv.Itoa(i))
	}
	res := alice.Attempt("alice@example.com", alicePW)
	boardtest.WantStatus(t, "alice signs in again", res, http.StatusSeeOther)
	posts := alice.Get(res.Location())
	boardtest.WantPage(t, "the page after signing in", posts, http.StatusOK, "3 failed sign-in attempts on your account", "See your account page")
	account := alice.Get("/account")
	boardtest.WantPage(t, "the account page", account, http.StatusOK, "3 failed sign-in attempts", "203.0.113.66")
	// She is mailed once when the notice opens, not for her own typo nor
	// for every guess.
	warnings := func() []*models.Mail {
		var out []*models.Mail
		for _, m := range b.Mails(t, "alice@example.com") {
			if m.Subject == "Someone failed to sign in to your account" {
				out = append(out, m)
			}
		}
		return out
	}
	if w := warnings(); len(w) != 1 || !strings.Contains(w[0].Text, "203.0.113.66") || !strings.Contains(w[0].Text, b.URL+"/account") {
		t.Errorf("%d warning mails after three guesses, want one naming 203.0.113.66 and linking the account page: %+v", len(w), w)
	}

	// Dismissed, it is gone; new failures start a new notice.
	notice := b.Notices
	n, err := notice.Open(t.Context(), cast.Alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	boardtest.WantStatus(t, "dismiss", alice.Post("/account/notices/"+itoa(n.ID)+"/dismiss", url.Values{}), http.StatusSeeOther)
	boardtest.MustNotContain(t, "account page after dismissing", alice.Get("/account").Body, `data-testid="sign-in-notice"`)
	browserAt(t, b, "203.0.113.67").Attempt("alice@example.com", "guess-4")
	boardtest.WantPage(t, "after a new failure", alice.Get("/account"), http.StatusOK, "1 failed sign-in attempt", "203.0.113.67")
	if w := warnings(); len(w) != 2 || !strings.Contains(w[0].Text, "203.0.113.67") {
		t.Errorf("%d warning mails after a failure that opened a new notice, want 2, the newest naming 203.0.113.67", len(w))
	}
	boardtest.MustNotContain(t, "after a new failure", alice.Get("/account").Body, "failed sign-in attempts")
	// Bob cannot dismiss Alice's notice.
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	n, err = notice.Open(t.Context(), cast.Alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	boardtest.WantStatus(t, "bob dismissing alice's notice", bob.Post("/account/notices/"+itoa(n.ID)+"/dismiss", url.Values{}), http.StatusNotFound)
}

// Guessing stays bounded: per account and address strictly, and per
// account across any number of addresses by delays that double, so a
// botnet gets only dozens of guesses a day.
func TestBruteForceIsStillBounded(t *testing.T) {
	t.Parallel()
	b := proxied(t)
	seedCast(t, b)

	// One address: five failures, then 429 even with the right password.
	attacker := browserAt(t, b, "203.0.113.1")
	for i := 1; i <= models.AccountAddressFailures; i++ {
		boardtest.WantStatus(t, "failure from one address", attacker.Attempt("bob@example.com", "guess"), http.StatusUnauthorized)
	}
	want429(t, "6th attempt from the same address", attacker.Attempt("bob@example.com", bobPW))

	// Many addresses: the first failures are free, then each attempt waits
	// twice as long as the one before.
	addr := 1
	attempt := func(password string) *boardtest.Response {
		addr++
		return browserAt(t, b, fmt.Sprintf("203.0.%d.%d", addr/200+1, addr%200+1)).Attempt("bob@example.com", password)
	}
	for i := models.AccountAddressFailures + 1; i <= models.AccountFreeFailures; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("failure %d from a new address", i), attempt("guess"), http.StatusUnauthorized)
	}
	guesses, elapsed := models.AccountFreeFailures, time.Duration(0)
	var delays []int
	for elapsed < 24*time.Hour {
		res := attempt("guess")
		if res.Status == http.StatusUnauthorized {
			guesses++
			continue
		}
		want429(t, "an immediate further guess", res)
		wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		delays = append(delays, wait)
		b.Clock.Advance(time.Duration(wait) * time.Second)
		elapsed += time.Duration(wait) * time.Second
	}
	if fmt.Sprint(delays[:5]) != "[1 2 4 8 16]" {
		t.Errorf("first delays %v s, want doubling from 1 s", delays[:5])
	}
	if last := delays[len(delays)-1]; last != int(models.AccountMaxDelay.Seconds()) {
		t.Errorf("delay after a day of guessing %d s, want the cap %v", last, models.AccountMaxDelay)
	}
	// NIST SP 800-63B: no more than 100 consecutive failed attempts.
	if guesses > 100 {
		t.Errorf("%d guesses in 24 hours, want at most 100", guesses)
	}
	t.Logf("%d guesses in the first 24 hours from ever new addresses", guesses)
}

// Bob's own browser (with his device cookie) gets in while strangers are
// held back, even from the attacker's own network; a stolen device cookie
// has a small allowance of its own.
func TestDeviceCookieKeepsItsOwnAllowance(t *testing.T) {
	t.Parallel()
	b := proxied(t)
	seedCast(t, b)
	bob := browserAt(t, b, "203.0.113.1")
	bob.Login("bob@example.com", bobPW)
	bob.Post("/logout", url.Values{})

	// Strangers on Bob's own network exhaust every stranger limit.
	for i := 1; i <= models.AccountAddressFailures; i++ {
		browserAt(t, b, "203.0.113.1").Attempt("bob@example.com", "guess")
	}
	for i := 2; i <= models.AccountFreeFailures+1; i++ {
		browserAt(t, b, fmt.Sprintf("203.0.113.%d", i)).Attempt("bob@example.com", "guess")
	}
	want429(t, "a stranger's browser on bob's network", browserAt(t, b, "203.0.113.1").Attempt("bob@example.com", bobPW))
	want429(t, "a stranger's browser elsewhere", browserAt(t, b, "192.0.2.1").Attempt("bob@example.com", bobPW))
	boardtest.WantStatus(t, "bob's own browser", bob.Attempt("bob@example.com", bobPW), http.StatusSeeOther)
	bob.Post("/logout", url.Values{})

	// The device cookie's own allowance is limited too.
	for i := 1; i <= models.DeviceFailures; i++ {
		boardtest.WantStatus(t, "wrong password with the device cookie", bob.Attempt("bob@example.com", "guess"), http.StatusUnauthorized)
	}
	want429(t, "the device cookie after its allowance", bob.Attempt("bob@example.com", bobPW))

	// A device cookie for Bob does nothing for another account.
	for i := 1; i <= models.AccountAddressFailures; i++ {
		bob.Attempt("alice@example.com", "guess")
	}
	want429(t, "bob's browser guessing alice", bob.Attempt("alice@example.com", alicePW))
}

// The account page's current-password checks are limited per session and
// do not count against sign-in: a scanner holding the member's own session
// (or a thief) cannot lock the member out.
func TestAccountPageChecksCannotLockOutTheMember(t *testing.T) {
	t.Parallel()
	b := proxied(t)
	seedCast(t, b)
	scanner := browserAt(t, b, "198.51.100.1")
	scanner.Login("alice@example.com", alicePW)
	for i := 1; i <= models.ReauthFailures; i++ {
		res := scanner.Post("/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"a-new-password-9"}})
		boardtest.WantPage(t, fmt.Sprintf("wrong current password %d", i), res, http.StatusUnprocessableEntity, "Your current password is not correct")
	}
	res := scanner.Post("/account/password", url.Values{"current_password": {alicePW}, "new_password": {"a-new-password-9"}})
	want429(t, "the session after its allowance, even with the right password", res)

	// Alice signs in from a new browser on the same network and changes her
	// password there.
	alice := browserAt(t, b, "198.51.100.1")
	boardtest.WantStatus(t, "alice signs in", alice.Attempt("alice@example.com", alicePW), http.StatusSeeOther)
	res = alice.Post("/account/password", url.Values{"current_password": {alicePW}, "new_password": {"a-new-password-9"}})
	boardtest.WantStatus(t, "alice changes her password in her own session", res, http.StatusSeeOther)
}
