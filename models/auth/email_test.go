package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"board/models"
	"board/models/auth"
	"board/models/mail"
)

// The auth service's mail workflows, over the env of service_test.go: real
// stores, the real letters.

func (e *env) mails(t *testing.T, to string) []*models.Mail {
	t.Helper()
	all, err := e.st.Outbox.Recent(context.Background(), 1000)
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

func TestRegisterQueuesItsVerificationWithTheAccount(t *testing.T) {
	e := newEnv(t)
	u, errs, err := e.svc.Register(context.Background(), "rae@example.com", "Rae", "rae-password-123", from("192.0.2.44"))
	if err != nil || len(errs) != 0 {
		t.Fatal(errs, err)
	}
	m := e.mails(t, "rae@example.com")
	if len(m) != 1 || m[0].UserID != u.ID || m[0].Subject != "Confirm your email address" {
		t.Fatalf("mail: %+v", m)
	}
	tok, err := e.st.MailTokens.Peek(context.Background(), tokenIn(t, m[0]), models.TokenVerifyEmail)
	if err != nil || tok.UserID != u.ID || tok.Email != "rae@example.com" {
		t.Errorf("the link's token: %+v, %v", tok, err)
	}
	// A refused registration writes no mail.
	if _, _, err := e.svc.Register(context.Background(), "RAE@example.com", "Rae 2", "rae-password-123", from("192.0.2.44")); !errors.Is(err, auth.ErrEmailTaken) {
		t.Fatalf("duplicate: %v", err)
	}
	if n := len(e.mails(t, "RAE@example.com")) + len(e.mails(t, "rae@example.com")); n != 1 {
		t.Errorf("%d messages after a refused registration, want still 1", n)
	}
}

func TestRequestPasswordResetByKindOfAccount(t *testing.T) {
	e := newEnv(t)
	pat := e.account("pat@example.com", annPassword, false)
	gus := e.account("gus@example.com", "", true)
	if err := e.st.Identities.Link(context.Background(), &models.Identity{UserID: gus.ID, Provider: "google", Subject: "g-1", Email: gus.Email}, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"pat@example.com", "gus@example.com", "nobody@example.com", "not an address"} {
		start := time.Now()
		if err := e.svc.RequestPasswordReset(context.Background(), email, from("192.0.2.44")); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		if took := time.Since(start); took < auth.ResetAnswerTime {
			t.Errorf("%s: answered after %v, before ResetAnswerTime", email, took)
		}
	}
	if m := e.mails(t, pat.Email); len(m) != 1 || m[0].Subject != "Reset your password" {
		t.Errorf("password account: %+v", m)
	} else if tok, err := e.st.MailTokens.Peek(context.Background(), tokenIn(t, m[0]), models.TokenResetPassword); err != nil || tok.ExpiresAt != e.clock.Now().Add(30*time.Minute) {
		t.Errorf("reset token: %+v, %v; want 30 minutes on the board clock", tok, err)
	}
	if m := e.mails(t, gus.Email); len(m) != 1 || m[0].Subject != "How to sign in to the board" {
		t.Errorf("provider-only account: %+v", m)
	}
	if ev, _ := e.st.Audit.List(context.Background(), models.AuditFilter{Kind: models.AuditPasswordResetRequested}, 10); len(ev.Events) != 2 {
		t.Errorf("%d password_reset_requested rows, want one per existing account", len(ev.Events))
	}
}

func TestRequestPasswordResetLimits(t *testing.T) {
	e := newEnv(t)
	e.account("pat@example.com", annPassword, false)
	var throttled *auth.Throttled
	for i := range 3 {
		if err := e.svc.RequestPasswordReset(context.Background(), "pat@example.com", from("192.0.2.44")); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if err := e.svc.RequestPasswordReset(context.Background(), "Pat@Example.com", models.Actor{ClientIP: "198.51.100.1"}); !errors.As(err, &throttled) {
		t.Fatalf("a fourth request for the address from elsewhere: %v, want throttled", err)
	}
	e.clock.Advance(auth.ThrottleWindow)
	if err := e.svc.RequestPasswordReset(context.Background(), "pat@example.com", from("192.0.2.44")); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestResetPasswordChecksTheLinkBeforeHashing(t *testing.T) {
	e := newEnv(t)
	pat := e.account("pat@example.com", annPassword, false)
	if _, _, err := e.svc.ResetPassword(context.Background(), "no-such-hash", "pat-new-password-1", from("192.0.2.44")); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown link: %v", err)
	}
	if err := e.svc.RequestPasswordReset(context.Background(), pat.Email, from("192.0.2.44")); err != nil {
		t.Fatal(err)
	}
	hash := tokenIn(t, e.mails(t, pat.Email)[0])
	if _, _, err := e.svc.ResetPassword(context.Background(), hash, "short", from("192.0.2.44")); err == nil {
		t.Error("an invalid password was accepted")
	}
	u, _, err := e.svc.ResetPassword(context.Background(), hash, "pat-new-password-1", from("192.0.2.44"))
	if err != nil || u.ID != pat.ID {
		t.Fatalf("reset: %+v, %v", u, err)
	}
	stored, _ := e.st.Users.PasswordHash(context.Background(), pat.ID)
	if ok, err := auth.CheckPassword("pat-new-password-1", stored); !ok || err != nil {
		t.Errorf("the new password does not check: %v", err)
	}
	if m := e.mails(t, pat.Email); m[0].Subject != "Your password was reset" {
		t.Errorf("newest mail: %q", m[0].Subject)
	}
}

func TestVerificationLinksOnRequest(t *testing.T) {
	e := newEnv(t)
	pat := e.account("pat@example.com", annPassword, false)
	for i := range 5 {
		if err := e.svc.ResendVerification(context.Background(), pat, from("192.0.2.44")); err != nil {
			t.Fatalf("resend %d: %v", i+1, err)
		}
	}
	var throttled *auth.Throttled
	if err := e.svc.ResendVerification(context.Background(), pat, from("192.0.2.44")); !errors.As(err, &throttled) {
		t.Errorf("the sixth resend: %v, want throttled", err)
	}
	// An admin's resend is not the member's to spend.
	if err := e.svc.SendVerification(context.Background(), pat, models.Actor{UserID: 99}); err != nil {
		t.Errorf("admin resend: %v", err)
	}
	verified := e.account("vic@example.com", annPassword, true)
	if err := e.svc.SendVerification(context.Background(), verified, from("192.0.2.44")); !errors.Is(err, auth.ErrAlreadyVerified) {
		t.Errorf("verified address: %v", err)
	}
	released := &models.User{ID: 42, Email: models.ReleasedEmail(42), DisplayName: "Gone"}
	if err := e.svc.SendVerification(context.Background(), released, from("192.0.2.44")); !errors.Is(err, mail.ErrNoAddress) {
		t.Errorf("released address: %v", err)
	}
}

func TestRequestEmailChange(t *testing.T) {
	e := newEnv(t)
	ann := e.account("ann@example.com", annPassword, true)
	e.account("taken@example.com", annPassword, true)
	squatter := e.account("squatted@example.com", annPassword, false)

	if err := e.svc.RequestEmailChange(context.Background(), ann, "taken@example.com", from("192.0.2.44")); !errors.Is(err, auth.ErrEmailTaken) {
		t.Errorf("an address held verified: %v, want ErrEmailTaken", err)
	}
	if err := e.svc.RequestEmailChange(context.Background(), ann, "ANN@example.com", from("192.0.2.44")); err != nil || len(e.mails(t, "ANN@example.com")) != 0 {
		t.Errorf("the same address in other letters: %v; want nothing sent", err)
	}
	if err := e.svc.RequestEmailChange(context.Background(), ann, "squatted@example.com", from("192.0.2.44")); err != nil {
		t.Fatalf("an address held unverified: %v", err)
	}
	link := e.mails(t, "squatted@example.com")
	if len(link) != 1 || len(e.mails(t, "ann@example.com")) != 1 {
		t.Fatalf("want the link to the new address and the notice to the old")
	}
	u, err := e.st.MailTokens.ConfirmEmail(context.Background(), tokenIn(t, link[0]), models.Actor{})
	if err != nil || u.ID != ann.ID || u.Email != "squatted@example.com" {
		t.Fatalf("confirm: %+v, %v", u, err)
	}
	if s, _ := e.st.Users.ByID(context.Background(), squatter.ID); !s.EmailReleased() {
		t.Errorf("the squatter kept the address")
	}
}

func TestResolveIdentityTakesAnUnverifiedAddress(t *testing.T) {
	e := newEnv(t)
	squatter := e.account("victim@example.com", annPassword, false)
	unvouched := models.ExternalIdentity{Provider: "facebook", Subject: "f-1", Email: "victim@example.com", Name: "Victoria"}
	if _, err := e.svc.ResolveIdentity(context.Background(), unvouched, "Facebook", from("192.0.2.44")); !errors.Is(err, auth.ErrAccountExists) {
		t.Fatalf("a provider that does not vouch: %v, want ErrAccountExists", err)
	}
	vouched := models.ExternalIdentity{Provider: "google", Subject: "g-1", Email: "victim@example.com", EmailVerified: true, Name: "Victoria"}
	u, err := e.svc.ResolveIdentity(context.Background(), vouched, "Google", from("192.0.2.44"))
	if err != nil || u.ID == squatter.ID || !u.EmailVerified || u.Email != "victim@example.com" {
		t.Fatalf("take-over: %+v, %v", u, err)
	}
	if len(e.mails(t, "victim@example.com")) != 0 {
		t.Errorf("an address Google vouches for got a verification link")
	}
	// The same identity next time is simply that account.
	again, err := e.svc.ResolveIdentity(context.Background(), vouched, "Google", from("192.0.2.44"))
	if err != nil || again.ID != u.ID {
		t.Errorf("returning sign-in: %+v, %v", again, err)
	}
	// A provider that does not vouch makes an unverified account, with a link.
	fresh := models.ExternalIdentity{Provider: "facebook", Subject: "f-2", Email: "fay@example.com", Name: "Fay"}
	fay, err := e.svc.ResolveIdentity(context.Background(), fresh, "Facebook", from("192.0.2.44"))
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
	sam, err := e.st.Users.Create(context.Background(), models.NewUser{Email: "sam@example.com", DisplayName: "Sam", PasswordHash: hash}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ResolveIdentity(context.Background(), models.ExternalIdentity{Provider: "google", Subject: "g-9", Email: "sam@example.com",
		EmailVerified: true, Name: "Real Sam"}, "Google", from("192.0.2.44")); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"sam@example.com", models.ReleasedEmail(sam.ID)} {
		if _, err := e.svc.SignIn(context.Background(), email, "sam-password-123", nil, from("192.0.2.44")); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("sign-in as %s with the former holder's password: %v, want ErrBadCredentials", email, err)
		}
	}
}
