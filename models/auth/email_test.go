package auth_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"board/db"
	"board/models"
	"board/models/auth"
	"board/models/mail"
	"board/views"
)

// The auth service's mail workflows over real stores and the real letters.

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	st    *models.Stores
	svc   *auth.Service
	clock *clock
	ctx   context.Context
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d, err := db.Open(filepath.Join(t.TempDir(), "board.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2030, 5, 6, 7, 0, 0, 0, time.UTC)}
	st := db.NewStores(d, c.now, auth.ThrottleWindow)
	return &env{st: st, svc: auth.New(st, mail.NewComposer(views.Letters{}, "https://board.example.org", c.now), c.now), clock: c, ctx: context.Background()}
}

func (e *env) mails(t *testing.T, to string) []*models.Mail {
	t.Helper()
	all, err := e.st.Outbox.Recent(e.ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*models.Mail
	for _, m := range all {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// tokenIn is the hash of the token that a message's link carries.
func tokenIn(t *testing.T, m *models.Mail) string {
	t.Helper()
	_, after, ok := strings.Cut(m.Text, "?token=")
	if !ok {
		t.Fatalf("no link in %q", m.Subject)
	}
	return models.TokenHash(strings.Fields(after)[0])
}

func (e *env) user(t *testing.T, email string, verified bool, password string) *models.User {
	t.Helper()
	n := models.NewUser{Email: email, EmailVerified: verified, DisplayName: strings.Split(email, "@")[0]}
	if password != "" {
		n.PasswordHash = "$argon2id$not-checked-here"
	}
	u, err := e.st.Users.Create(e.ctx, n, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var from = models.Actor{ClientIP: "192.0.2.44"}

func TestRegisterQueuesItsVerificationWithTheAccount(t *testing.T) {
	e := newEnv(t)
	u, errs, err := e.svc.Register(e.ctx, "rae@example.com", "Rae", "rae-password-123", from)
	if err != nil || len(errs) != 0 {
		t.Fatal(errs, err)
	}
	m := e.mails(t, "rae@example.com")
	if len(m) != 1 || m[0].UserID != u.ID || m[0].Subject != "Confirm your email address" {
		t.Fatalf("mail: %+v", m)
	}
	tok, err := e.st.MailTokens.Peek(e.ctx, tokenIn(t, m[0]), models.TokenVerifyEmail)
	if err != nil || tok.UserID != u.ID || tok.Email != "rae@example.com" {
		t.Errorf("the link's token: %+v, %v", tok, err)
	}
	// A refused registration writes no mail.
	if _, _, err := e.svc.Register(e.ctx, "RAE@example.com", "Rae 2", "rae-password-123", from); !errors.Is(err, auth.ErrEmailTaken) {
		t.Fatalf("duplicate: %v", err)
	}
	if n := len(e.mails(t, "RAE@example.com")) + len(e.mails(t, "rae@example.com")); n != 1 {
		t.Errorf("%d messages after a refused registration, want still 1", n)
	}
}

func TestRequestPasswordResetByKindOfAccount(t *testing.T) {
	e := newEnv(t)
	pat := e.user(t, "pat@example.com", false, "yes")
	gus := e.user(t, "gus@example.com", true, "")
	if err := e.st.Identities.Link(e.ctx, &models.Identity{UserID: gus.ID, Provider: "google", Subject: "g-1", Email: gus.Email}, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"pat@example.com", "gus@example.com", "nobody@example.com", "not an address"} {
		start := time.Now()
		if err := e.svc.RequestPasswordReset(e.ctx, email, from); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if took := time.Since(start); took < auth.ResetAnswerTime {
			t.Errorf("%s: answered after %v, before ResetAnswerTime", email, took)
		}
	}
	if m := e.mails(t, pat.Email); len(m) != 1 || m[0].Subject != "Reset your password" {
		t.Errorf("password account: %+v", m)
	} else if tok, err := e.st.MailTokens.Peek(e.ctx, tokenIn(t, m[0]), models.TokenResetPassword); err != nil || tok.ExpiresAt != e.clock.now().Add(30*time.Minute) {
		t.Errorf("reset token: %+v, %v; want 30 minutes on the board clock", tok, err)
	}
	if m := e.mails(t, gus.Email); len(m) != 1 || m[0].Subject != "How to sign in to the board" {
		t.Errorf("provider-only account: %+v", m)
	}
	if ev, _ := e.st.Audit.List(e.ctx, models.AuditFilter{Kind: models.AuditPasswordResetRequested}, 10); len(ev.Events) != 2 {
		t.Errorf("%d password_reset_requested rows, want one per existing account", len(ev.Events))
	}
}

func TestRequestPasswordResetLimits(t *testing.T) {
	e := newEnv(t)
	e.user(t, "pat@example.com", false, "yes")
	var throttled *auth.Throttled
	for i := range 3 {
		if err := e.svc.RequestPasswordReset(e.ctx, "pat@example.com", from); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if err := e.svc.RequestPasswordReset(e.ctx, "Pat@Example.com", models.Actor{ClientIP: "198.51.100.1"}); !errors.As(err, &throttled) {
		t.Fatalf("a fourth request for the address from elsewhere: %v, want throttled", err)
	}
	e.clock.advance(auth.ThrottleWindow)
	if err := e.svc.RequestPasswordReset(e.ctx, "pat@example.com", from); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestResetPasswordChecksTheLinkBeforeHashing(t *testing.T) {
	e := newEnv(t)
	pat := e.user(t, "pat@example.com", false, "yes")
	if _, _, err := e.svc.ResetPassword(e.ctx, "no-such-hash", "pat-new-password-1", from); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown link: %v", err)
	}
	if err := e.svc.RequestPasswordReset(e.ctx, pat.Email, from); err != nil {
		t.Fatal(err)
	}
	hash := tokenIn(t, e.mails(t, pat.Email)[0])
	if _, _, err := e.svc.ResetPassword(e.ctx, hash, "short", from); err == nil {
		t.Error("an invalid password was accepted")
	}
	u, _, err := e.svc.ResetPassword(e.ctx, hash, "pat-new-password-1", from)
	if err != nil || u.ID != pat.ID {
		t.Fatalf("reset: %+v, %v", u, err)
	}
	stored, _ := e.st.Users.PasswordHash(e.ctx, pat.ID)
	if ok, err := auth.CheckPassword("pat-new-password-1", stored); !ok || err != nil {
		t.Errorf("the new password does not check: %v", err)
	}
	if m := e.mails(t, pat.Email); m[0].Subject != "Your password was reset" {
		t.Errorf("newest mail: %q", m[0].Subject)
	}
}

func TestVerificationLinksOnRequest(t *testing.T) {
	e := newEnv(t)
	pat := e.user(t, "pat@example.com", false, "yes")
	for i := range 5 {
		if err := e.svc.ResendVerification(e.ctx, pat, from); err != nil {
			t.Fatalf("resend %d: %v", i+1, err)
		}
	}
	var throttled *auth.Throttled
	if err := e.svc.ResendVerification(e.ctx, pat, from); !errors.As(err, &throttled) {
		t.Errorf("the sixth resend: %v, want throttled", err)
	}
	// An admin's resend is not the member's to spend.
	if err := e.svc.SendVerification(e.ctx, pat, models.Actor{UserID: 99}); err != nil {
		t.Errorf("admin resend: %v", err)
	}
	verified := e.user(t, "vic@example.com", true, "yes")
	if err := e.svc.SendVerification(e.ctx, verified, from); !errors.Is(err, auth.ErrAlreadyVerified) {
		t.Errorf("verified address: %v", err)
	}
	released := &models.User{ID: 42, Email: models.ReleasedEmail(42), DisplayName: "Gone"}
	if err := e.svc.SendVerification(e.ctx, released, from); !errors.Is(err, mail.ErrNoAddress) {
		t.Errorf("released address: %v", err)
	}
}

func TestRequestEmailChange(t *testing.T) {
	e := newEnv(t)
	ann := e.user(t, "ann@example.com", true, "yes")
	e.user(t, "taken@example.com", true, "yes")
	squatter := e.user(t, "squatted@example.com", false, "yes")

	if err := e.svc.RequestEmailChange(e.ctx, ann, "taken@example.com", from); !errors.Is(err, auth.ErrEmailTaken) {
		t.Errorf("an address held verified: %v, want ErrEmailTaken", err)
	}
	if err := e.svc.RequestEmailChange(e.ctx, ann, "ANN@example.com", from); err != nil || len(e.mails(t, "ANN@example.com")) != 0 {
		t.Errorf("the same address in other letters: %v; want nothing sent", err)
	}
	if err := e.svc.RequestEmailChange(e.ctx, ann, "squatted@example.com", from); err != nil {
		t.Fatalf("an address held unverified: %v", err)
	}
	link := e.mails(t, "squatted@example.com")
	if len(link) != 1 || len(e.mails(t, "ann@example.com")) != 1 {
		t.Fatalf("want the link to the new address and the notice to the old")
	}
	u, err := e.st.MailTokens.ConfirmEmail(e.ctx, tokenIn(t, link[0]), models.Actor{})
	if err != nil || u.ID != ann.ID || u.Email != "squatted@example.com" {
		t.Fatalf("confirm: %+v, %v", u, err)
	}
	if s, _ := e.st.Users.ByID(e.ctx, squatter.ID); !s.EmailReleased() {
		t.Errorf("the squatter kept the address")
	}
}

func TestResolveIdentityTakesAnUnverifiedAddress(t *testing.T) {
	e := newEnv(t)
	squatter := e.user(t, "victim@example.com", false, "yes")
	unvouched := models.ExternalIdentity{Provider: "facebook", Subject: "f-1", Email: "victim@example.com", Name: "Victoria"}
	if _, err := e.svc.ResolveIdentity(e.ctx, unvouched, "Facebook", from); !errors.Is(err, auth.ErrAccountExists) {
		t.Fatalf("a provider that does not vouch: %v, want ErrAccountExists", err)
	}
	vouched := models.ExternalIdentity{Provider: "google", Subject: "g-1", Email: "victim@example.com", EmailVerified: true, Name: "Victoria"}
	u, err := e.svc.ResolveIdentity(e.ctx, vouched, "Google", from)
	if err != nil || u.ID == squatter.ID || !u.EmailVerified || u.Email != "victim@example.com" {
		t.Fatalf("take-over: %+v, %v", u, err)
	}
	if len(e.mails(t, "victim@example.com")) != 0 {
		t.Errorf("an address Google vouches for got a verification link")
	}
	// The same identity next time is simply that account.
	again, err := e.svc.ResolveIdentity(e.ctx, vouched, "Google", from)
	if err != nil || again.ID != u.ID {
		t.Errorf("returning sign-in: %+v, %v", again, err)
	}
	// A provider that does not vouch makes an unverified account, with a link.
	fresh := models.ExternalIdentity{Provider: "facebook", Subject: "f-2", Email: "fay@example.com", Name: "Fay"}
	fay, err := e.svc.ResolveIdentity(e.ctx, fresh, "Facebook", from)
	if err != nil || fay.EmailVerified {
		t.Fatalf("facebook account: %+v, %v", fay, err)
	}
	if m := e.mails(t, "fay@example.com"); len(m) != 1 || m[0].Subject != "Confirm your email address" {
		t.Errorf("facebook account's mail: %+v", m)
	}
}

func TestSignInRefusesAReleasedPlaceholder(t *testing.T) {
	e := newEnv(t)
	hash, err := auth.HashPassword("sam-password-123")
	if err != nil {
		t.Fatal(err)
	}
	sam, err := e.st.Users.Create(e.ctx, models.NewUser{Email: "sam@example.com", DisplayName: "Sam", PasswordHash: hash}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ResolveIdentity(e.ctx, models.ExternalIdentity{Provider: "google", Subject: "g-9", Email: "sam@example.com",
		EmailVerified: true, Name: "Real Sam"}, "Google", from); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"sam@example.com", models.ReleasedEmail(sam.ID)} {
		if _, err := e.svc.SignIn(e.ctx, email, "sam-password-123", from); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("sign-in as %s with the former holder's password: %v, want ErrBadCredentials", email, err)
		}
	}
}
