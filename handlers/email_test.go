package handlers_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
	"board/models/auth"
)

// HTTP tests for mail: verifying addresses, resetting passwords, sign-in
// notices, the demo mailbox and the admin's view. Mail is read from the
// outbox (boardtest.Board.Mails); delivery over SMTP is tested in
// models/mail and end to end in cmd/board.

// openLink follows a mailed link the way a browser does and checks the
// token leaves the URL before anything renders: the link answers with a
// redirect to the same page without the token, and neither answer lets a
// Referer out. It returns the page.
func openLink(t *testing.T, c *boardtest.Client, link, path string) *boardtest.Response {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("token")
	first := c.Get(link)
	if first.Status != http.StatusSeeOther || first.Location() != path {
		t.Fatalf("GET %s: %d to %q, want 303 to %s (the token out of the URL)", path, first.Status, first.Location(), path)
	}
	page := c.Get(path)
	for _, r := range []*boardtest.Response{first, page} {
		if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q, want no-referrer", path, got)
		}
		if strings.Contains(r.Body, token) {
			t.Errorf("%s: the page shows the token", path)
		}
	}
	return page
}

// confirmLink opens a confirmation link in c and confirms address.
func confirmLink(t *testing.T, b *boardtest.Board, c *boardtest.Client, link, address string) {
	t.Helper()
	page := openLink(t, c, link, "/email/confirm")
	boardtest.WantPage(t, "confirmation page", page, http.StatusOK, "Confirm "+address)
	res := c.Post("/email/confirm", nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("POST /email/confirm: %d\n%s", res.Status, boardtest.Clip(res.Body))
	}
}

// register signs up through the form and returns the browser.
func register(t *testing.T, b *boardtest.Board, email, name, password string) *boardtest.Client {
	t.Helper()
	c := b.Client(t)
	res := c.Post("/register", url.Values{"email": {email}, "display_name": {name}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("register %s: %d\n%s", email, res.Status, boardtest.Clip(res.Body))
	}
	c.Password = password
	return c
}

func TestRegisterSendsAVerificationLink(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	c := register(t, b, "rae@example.com", "Rae", "rae-password-123")
	rae := b.UserByEmail(t, "rae@example.com")
	if rae.EmailVerified {
		t.Fatal("a password registration starts verified")
	}
	account := c.Get("/account")
	boardtest.WantPage(t, "account page before verifying", account, http.StatusOK, `data-testid="email-unverified"`, "not confirmed yet",
		`data-testid="resend-verification"`)
	mails := b.Mails(t, "rae@example.com")
	if len(mails) != 1 || mails[0].Subject != "Confirm your email address" || mails[0].UserID != rae.ID {
		t.Fatalf("mail after registering: %+v", mails)
	}
	boardtest.MustContain(t, "welcome mail", mails[0].Text, "Hello Rae,", "Welcome to the board", "works once, within 24 hours")
	link := b.LinkTo(t, mails[0].Text, "/email/confirm")
	if !strings.Contains(mails[0].HTML, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Errorf("the HTML part lacks the same link")
	}

	// Opened in another browser (a phone's mail app), not signed in.
	phone := b.Client(t)
	page := openLink(t, phone, link, "/email/confirm")
	boardtest.WantPage(t, "confirmation page", page, http.StatusOK, "Confirm that rae@example.com is the address of Rae")
	if b.User(t, rae.ID).EmailVerified {
		t.Fatal("opening the link verified the address without the confirmation (mail scanners open links)")
	}
	res := phone.Post("/email/confirm", nil)
	if res.Status != http.StatusSeeOther || res.Location() != "/login" {
		t.Fatalf("confirm: %d to %q", res.Status, res.Location())
	}
	if !b.User(t, rae.ID).EmailVerified {
		t.Fatal("the address is not verified after confirming")
	}
	boardtest.WantPage(t, "account page after verifying", c.Get("/account"), http.StatusOK, `data-testid="email-verified"`, "rae@example.com: confirmed.")
	if n := auditCount(t, b, models.AuditEmailVerified, rae.ID, "rae@example.com"); n != 1 {
		t.Errorf("%d email_verified rows, want 1", n)
	}

	// Once only.
	again := b.Client(t)
	again.Get(link)
	boardtest.WantPage(t, "the link a second time", again.Get("/email/confirm"), http.StatusGone, "This confirmation link no longer works")
	boardtest.WantPage(t, "confirming without a link", b.Client(t).Post("/email/confirm", nil), http.StatusGone, "no longer works")
}

func TestResendVerificationIsLimitedAndVoidsOlderLinks(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	c := register(t, b, "rae@example.com", "Rae", "rae-password-123")
	first := b.LinkTo(t, b.Mails(t, "rae@example.com")[0].Text, "/email/confirm")
	for i := range 5 {
		res := c.Post("/account/email/verify", nil)
		if res.Status != http.StatusSeeOther || res.Location() != "/account" {
			t.Fatalf("resend %d: %d to %q", i+1, res.Status, res.Location())
		}
	}
	boardtest.MustContain(t, "flash after resending", flashOf(c.Get("/account").Body), "We sent a new link to rae@example.com")
	res := c.Post("/account/email/verify", nil)
	boardtest.WantPage(t, "the sixth resend", res, http.StatusTooManyRequests, "Too many emails asked for")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	mails := b.Mails(t, "rae@example.com")
	if len(mails) != 6 {
		t.Fatalf("%d messages, want the welcome and 5 resends", len(mails))
	}
	stale := b.Client(t)
	stale.Get(first)
	boardtest.WantStatus(t, "the first link after newer ones", stale.Get("/email/confirm"), http.StatusGone)
	confirmLink(t, b, b.Client(t), b.LinkTo(t, mails[0].Text, "/email/confirm"), "rae@example.com")

	// The window passes: allowed again, but there is nothing to confirm.
	b.Clock.Advance(auth.ThrottleWindow)
	res = c.Post("/account/email/verify", nil)
	boardtest.WantStatus(t, "resend when verified", res, http.StatusSeeOther)
	boardtest.MustContain(t, "flash when verified", flashOf(c.Get("/account").Body), "is already confirmed")
	if n := len(b.Mails(t, "rae@example.com")); n != 6 {
		t.Errorf("a verified address got another link")
	}
}

// forgot posts the reset form from a fresh browser and returns the answer
// and how long it took.
func forgot(t *testing.T, b *boardtest.Board, email string) (*boardtest.Response, time.Duration) {
	t.Helper()
	c := b.Client(t)
	form := url.Values{"_csrf": {c.CSRFFrom("/password/forgot")}, "email": {email}}
	start := time.Now()
	res := c.PostRaw("/password/forgot", form)
	return res, time.Since(start)
}

// The answer to a reset request tells nothing about the account: the same
// page and status for an account with a password, one without, and no
// account at all, and never sooner than auth.ResetAnswerTime.
func TestForgotAnswersAlikeWhetherOrNotTheAccountExists(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{Social: true})
	b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	b.SignInWith(t, b.Visitor(t), "google", boardtest.Who{Email: "gus@example.com", Name: "Gus", Verified: true}, "")

	var pages []string
	for _, email := range []string{"pat@example.com", "gus@example.com", "nobody@example.com"} {
		res, took := forgot(t, b, email)
		boardtest.WantPage(t, "forgot "+email, res, http.StatusOK, "Check your mail", "If an account on this board uses "+email)
		if took < auth.ResetAnswerTime {
			t.Errorf("forgot %s answered after %v, sooner than %v", email, took, auth.ResetAnswerTime)
		}
		page := strings.ReplaceAll(csrfValueRe.ReplaceAllString(res.Body, ""), email, "EMAIL")
		pages = append(pages, page)
	}
	if pages[0] != pages[1] || pages[1] != pages[2] {
		t.Errorf("the answers differ between an account with a password, one without, and none")
	}

	reset := b.Mails(t, "pat@example.com")
	if len(reset) != 1 || reset[0].Subject != "Reset your password" {
		t.Fatalf("mail to the password account: %+v", reset)
	}
	b.LinkTo(t, reset[0].Text, "/password/reset")
	help := b.Mails(t, "gus@example.com")
	if len(help) != 1 || help[0].Subject != "How to sign in to the board" || strings.Contains(help[0].Text, "token=") {
		t.Fatalf("mail to the Google-only account: %+v; want sign-in help without a reset link", help)
	}
	boardtest.MustContain(t, "sign-in help", help[0].Text, "you sign in with Google", b.URL+"/login")
	if n := len(b.Mails(t, "nobody@example.com")); n != 0 {
		t.Errorf("%d messages to an address without an account", n)
	}
	// A malformed address is a form error, which says nothing about accounts.
	res, _ := forgot(t, b, "not an address")
	boardtest.WantPage(t, "forgot with a malformed address", res, http.StatusUnprocessableEntity, "Enter an email address like")
}

func TestForgotIsLimitedPerAddressAndPerNetwork(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	for i := range 3 {
		if res, _ := forgot(t, b, "pat@example.com"); res.Status != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, res.Status)
		}
	}
	res, _ := forgot(t, b, "PAT@example.com")
	boardtest.WantPage(t, "the fourth request for one address", res, http.StatusTooManyRequests, "Too many password reset requests")
	if n := len(b.Mails(t, "pat@example.com")); n != 3 {
		t.Errorf("%d reset messages to pat, want 3 (no mail bombing)", n)
	}
	// Unknown addresses count the same, so the limit tells nothing either;
	// from one network, ten requests in a window.
	for i := range 7 {
		if res, _ := forgot(t, b, "nobody"+itoa(int64(i))+"@example.com"); res.Status != http.StatusOK {
			t.Fatalf("request for another address %d: %d", i+1, res.Status)
		}
	}
	res, _ = forgot(t, b, "someone-else@example.com")
	boardtest.WantStatus(t, "the eleventh request from one network", res, http.StatusTooManyRequests)

	b.Clock.Advance(auth.ThrottleWindow)
	res, _ = forgot(t, b, "pat@example.com")
	boardtest.WantStatus(t, "after the window", res, http.StatusOK)
}

// resetWith opens a reset link and sets password in browser c.
func resetWith(t *testing.T, c *boardtest.Client, link, password string) *boardtest.Response {
	t.Helper()
	page := openLink(t, c, link, "/password/reset")
	boardtest.WantPage(t, "reset page", page, http.StatusOK, "Choose a new password")
	return c.Post("/password/reset", url.Values{"password": {password}})
}

func TestResetPasswordEndsEverySessionAndWorksOnce(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	pat := b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	laptop := browserAs(t, b, uaFirefoxLinux, "pat@example.com", "pat-password-123")
	phone := browserAs(t, b, uaSafariIPhone, "pat@example.com", "pat-password-123")

	forgot(t, b, "pat@example.com")
	link := b.LinkTo(t, b.Mails(t, "pat@example.com")[0].Text, "/password/reset")
	c := b.Client(t)
	page := openLink(t, c, link, "/password/reset")
	boardtest.WantPage(t, "reset page", page, http.StatusOK, "For the account pat@example.com")
	res := c.Post("/password/reset", url.Values{"password": {"short"}})
	boardtest.WantPage(t, "a too-short password", res, http.StatusUnprocessableEntity, "at least 8")
	if b.PasswordHash(t, pat.ID) == "" || len(b.SessionsOf(t, pat.ID)) != 2 {
		t.Fatal("a refused password changed something")
	}
	res = c.Post("/password/reset", url.Values{"password": {"pat-new-password-456"}})
	if res.Status != http.StatusSeeOther || res.Location() != "/login" {
		t.Fatalf("reset: %d to %q\n%s", res.Status, res.Location(), boardtest.Clip(res.Body))
	}
	if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("reset answer: Referrer-Policy %q", got)
	}
	boardtest.MustContain(t, "flash after the reset", flashOf(c.Get("/login").Body), "Your new password is set and 2 sessions were signed out")

	for name, old := range map[string]*boardtest.Client{"laptop": laptop, "phone": phone} {
		boardtest.WantStatus(t, name+" after the reset", old.Get("/posts"), http.StatusUnauthorized)
	}
	if n := len(b.SessionsOf(t, pat.ID)); n != 0 {
		t.Errorf("%d sessions survived the reset", n)
	}
	boardtest.WantStatus(t, "the old password", b.Client(t).Attempt("pat@example.com", "pat-password-123"), http.StatusUnauthorized)
	b.Client(t).Login("pat@example.com", "pat-new-password-456")
	if !b.User(t, pat.ID).EmailVerified {
		t.Error("the reset link reached the address, yet it is not marked verified")
	}
	var notices []*models.Mail
	for _, m := range b.Mails(t, "pat@example.com") {
		if m.Subject == "Your password was reset" {
			notices = append(notices, m)
		}
	}
	if len(notices) != 1 || strings.Contains(notices[0].Text, "token=") {
		t.Errorf("notices after the reset: %+v; want one, without a link that does anything", notices)
	}
	if n := auditCount(t, b, models.AuditPasswordReset, pat.ID, "by a link mailed to pat@example.com"); n != 1 {
		t.Errorf("%d password_reset rows, want 1", n)
	}

	// Once only, in any browser.
	again := b.Client(t)
	again.Get(link)
	boardtest.WantPage(t, "the link a second time", again.Get("/password/reset"), http.StatusGone, "This password reset link no longer works")
	boardtest.WantStatus(t, "posting with a used link", again.Post("/password/reset", url.Values{"password": {"another-password-789"}}), http.StatusGone)
	b.Client(t).Login("pat@example.com", "pat-new-password-456")
}

// A reset link expires 30 minutes after it was sent, on the board's
// clock, and a newer link voids older ones.
func TestResetLinksExpireAndOnlyTheNewestWorks(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	forgot(t, b, "pat@example.com")
	old := b.LinkTo(t, b.Mails(t, "pat@example.com")[0].Text, "/password/reset")
	forgot(t, b, "pat@example.com")
	newest := b.LinkTo(t, b.Mails(t, "pat@example.com")[0].Text, "/password/reset")

	c := b.Client(t)
	c.Get(old)
	boardtest.WantStatus(t, "the older link", c.Get("/password/reset"), http.StatusGone)

	c = b.Client(t)
	openLink(t, c, newest, "/password/reset") // the page is open...
	b.Clock.Advance(30*time.Minute + time.Second)
	res := c.Post("/password/reset", url.Values{"password": {"pat-new-password-456"}}) // ...and submitted too late
	boardtest.WantPage(t, "the newest link after 30 minutes", res, http.StatusGone, "no longer works")
	b.Client(t).Login("pat@example.com", "pat-password-123")
}

// Links are built from the configured base URL, whatever Host a request names.
func TestMailLinksIgnoreTheHostHeader(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	c := b.Client(t)
	req := c.FormRequest("/password/forgot", url.Values{"_csrf": {c.CSRFFrom("/password/forgot")}, "email": {"pat@example.com"}}.Encode())
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	// The cookie jar picks cookies by Host, so they go along by hand.
	req.Header.Set("Cookie", c.CookieHeader())
	boardtest.WantStatus(t, "forgot with a forged Host", c.Do(req), http.StatusOK)
	mails := b.Mails(t, "pat@example.com")
	if len(mails) != 1 {
		t.Fatalf("%d messages", len(mails))
	}
	if strings.Contains(mails[0].Text+mails[0].HTML, "evil.example") {
		t.Errorf("the forged Host reached the mail:\n%s", mails[0].Text)
	}
	b.LinkTo(t, mails[0].Text, "/password/reset")
}

// A verified local address and a provider vouching for the same address
// link automatically; an unverified one never does.
func TestSocialLinksByEmailOnlyOnceTheAddressIsVerified(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{Social: true})
	c := register(t, b, "vera@example.com", "Vera", "vera-password-123")
	vera := b.UserByEmail(t, "vera@example.com")
	confirmLink(t, b, b.Client(t), b.LinkTo(t, b.Mails(t, "vera@example.com")[0].Text, "/email/confirm"), "vera@example.com")

	// Facebook never vouches: still refused.
	fb := b.Visitor(t)
	f := b.SignInWith(t, fb, "facebook", boardtest.Who{Email: "vera@example.com", Name: "Vera FB"}, "")
	boardtest.WantPage(t, "facebook onto a verified account", f.Final, http.StatusConflict, accountExists)

	g := b.Visitor(t)
	f = b.SignInWith(t, g, "google", boardtest.Who{Email: "vera@example.com", Name: "Vera G", Verified: true}, "")
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("google onto a verified account: %d\n%s", f.Final.Status, boardtest.Clip(f.Final.Body))
	}
	boardtest.WantSignedIn(t, "google sign-in", g, "Vera")
	if ids := b.IdentitiesOf(t, vera.ID); len(ids) != 1 || ids[0].Provider != "google" {
		t.Errorf("vera's identities: %+v; want google linked by the verified address", ids)
	}
	if n := len(b.AllUsers(t)); n != 1 {
		t.Errorf("%d accounts, want vera's only", n)
	}
	boardtest.WantPage(t, "vera's account page", c.Get("/account"), http.StatusOK, `data-testid="identity-google"`)
}

func TestNewSignInNotice(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{TrustedProxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	pat := b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	signIn := func(ua, addr string) {
		t.Helper()
		c := b.Client(t)
		c.SetHeader("User-Agent", ua)
		c.SetHeader("X-Forwarded-For", addr)
		c.Login("pat@example.com", "pat-password-123")
	}
	notices := func() int { return len(b.Mails(t, "pat@example.com")) }

	signIn(uaFirefoxLinux, "192.0.2.10")
	signIn(uaFirefoxLinux, "192.0.2.10")
	if n := notices(); n != 0 {
		t.Fatalf("%d notices for the first sign-ins from one device, want none", n)
	}
	signIn(uaSafariIPhone, "192.0.2.10")
	if n := notices(); n != 1 {
		t.Fatalf("%d notices after a new device, want 1", n)
	}
	m := b.Mails(t, "pat@example.com")[0]
	if m.Subject != "New sign-in to your account" || m.UserID != pat.ID {
		t.Errorf("notice: %+v", m)
	}
	boardtest.MustContain(t, "notice", m.Text, "Safari on iPhone", "192.0.2.10", b.URL+"/account#sessions")
	signIn(uaFirefoxLinux, "198.51.100.20")
	if n := notices(); n != 2 {
		t.Errorf("%d notices after a new address, want 2", n)
	}
	signIn(uaSafariIPhone, "198.51.100.20")
	if n := notices(); n != 2 {
		t.Errorf("%d notices after a known device at a known address, want still 2", n)
	}
	// The link goes to the sessions list.
	page := b.SignedIn(t, "pat@example.com", "pat-password-123").Get("/account")
	boardtest.MustContain(t, "account page", page.Body, `id="sessions"`)
}

func TestPasswordChangeSendsANotice(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "pat@example.com", "Pat", "pat-password-123", models.RoleMember)
	c := b.SignedIn(t, "pat@example.com", "pat-password-123")
	res := c.Post("/account/password", url.Values{"current_password": {"pat-password-123"}, "new_password": {"pat-new-password-456"}})
	boardtest.WantStatus(t, "password change", res, http.StatusSeeOther)
	mails := b.Mails(t, "pat@example.com")
	if len(mails) != 1 || mails[0].Subject != "Your password was changed" {
		t.Fatalf("mail after the change: %+v", mails)
	}
	boardtest.MustContain(t, "notice", mails[0].Text, "Every other session of your account was signed out", b.URL+"/password/forgot")
}

func TestAdminSendsVerificationAndSeesFailedDeliveries(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	admin := b.SignedIn(t, "ada@example.com", adminPW)
	bob := b.SignedIn(t, "bob@example.com", bobPW)

	page := admin.Get("/admin")
	boardtest.WantPage(t, "admin page without SMTP", page, http.StatusOK, "Mail is not being sent: no SMTP server is configured", "BOARD_SMTP_URL")

	path := "/admin/users/" + itoa(w.Alice.ID) + "/verification"
	boardtest.WantPage(t, "a member sending someone a link", bob.Post(path, nil), http.StatusForbidden, "Only admins")
	if n := len(b.Mails(t, "alice@example.com")); n != 0 {
		t.Fatalf("a refused request sent %d messages", n)
	}
	boardtest.WantPage(t, "admin's member page", admin.Get("/admin/users/"+itoa(w.Alice.ID)), http.StatusOK,
		"The address is not confirmed.", `data-testid="send-verification"`, "0 failed deliveries")
	res := admin.Post(path, nil)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("admin resend: %d\n%s", res.Status, boardtest.Clip(res.Body))
	}
	mails := b.Mails(t, "alice@example.com")
	if len(mails) != 1 || mails[0].Subject != "Confirm your email address" {
		t.Fatalf("mail to alice: %+v", mails)
	}
	if ev := b.AuditAbout(t, models.AuditVerificationSent, w.Alice.ID); len(ev) != 1 || ev[0].ActorID != w.Admin.ID {
		t.Errorf("verification_sent audit: %+v; want one by the admin", ev)
	}

	// The server refuses the message for good: the admin sees it.
	claimed, err := b.Outbox.Claim(context.Background(), 10, time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v", err)
	}
	if err := b.Outbox.GiveUp(context.Background(), claimed[0].ID, claimed[0].Claim, "550 mailbox unavailable"); err != nil {
		t.Fatal(err)
	}
	page = admin.Get("/admin")
	row := regexp.MustCompile(`(?s)<tr data-testid="user-` + itoa(w.Alice.ID) + `">.*?</tr>`).FindString(page.Body)
	boardtest.MustContain(t, "alice's row", row, "not confirmed", "1 failed delivery")
	boardtest.MustContain(t, "member page", admin.Get("/admin/users/"+itoa(w.Alice.ID)).Body, "1 failed delivery")
	if n := auditCount(t, b, models.AuditMailFailed, w.Alice.ID, ""); n != 1 {
		t.Errorf("%d mail_failed rows about alice, want 1", n)
	}
}

func TestDemoMailboxOnlyInDemoMode(t *testing.T) {
	t.Parallel()
	plain := boardtest.New(t, boardtest.Options{})
	for _, p := range []string{"/dev/mailbox", "/dev/mailbox/1/html"} {
		boardtest.WantStatus(t, p+" outside demo mode", plain.Client(t).Get(p), http.StatusNotFound)
	}

	demo := boardtest.New(t, boardtest.Options{Mailbox: true})
	register(t, demo, "rae@example.com", "Rae", "rae-password-123")
	anyone := demo.Client(t)
	page := anyone.Get("/dev/mailbox")
	boardtest.WantPage(t, "the demo mailbox", page, http.StatusOK, "Demo mode only", "rae@example.com", "Confirm your email address")
	mail := demo.Mails(t, "rae@example.com")[0]
	link := demo.LinkTo(t, mail.Text, "/email/confirm")
	boardtest.MustContain(t, "the mailbox makes links clickable", page.Body, `<a href="`+strings.ReplaceAll(link, "&", "&amp;")+`">`)
	html := anyone.Get("/dev/mailbox/" + itoa(mail.ID) + "/html")
	boardtest.WantStatus(t, "HTML part", html, http.StatusOK)
	if csp := html.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox;") || strings.Contains(csp, "script") {
		t.Errorf("HTML part CSP %q: want a sandbox without scripts", csp)
	}
	if html.Body != mail.HTML {
		t.Errorf("the HTML part is not the message's")
	}
	boardtest.WantStatus(t, "a message that does not exist", anyone.Get("/dev/mailbox/999/html"), http.StatusNotFound)
}

func TestAdminPageSaysWhereMailGoes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		opts boardtest.Options
		want string
	}{
		{boardtest.Options{MailServer: "smtp://board@mail.example.org:587"}, "Mail is sent through smtp://board@mail.example.org:587. 0 messages are waiting"},
		{boardtest.Options{Mailbox: true}, "Demo mode: mail is not sent anywhere."},
		{boardtest.Options{}, "Mail is not being sent: no SMTP server is configured"},
	} {
		b := boardtest.New(t, tc.opts)
		b.CreateUser(t, "ada@example.com", "Ada", adminPW, models.RoleAdmin)
		page := b.SignedIn(t, "ada@example.com", adminPW).Get("/admin")
		boardtest.WantPage(t, "admin page", page, http.StatusOK, tc.want)
	}
}
