package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"board/db"
	"board/db/dbtest"
	"board/models"
	"board/models/auth"
	"board/models/clocktest"
	"board/models/mail"
	"board/views"
)

// The auth service over a real database in t.TempDir(), on a clock that
// stands still until a test advances it.

type env struct {
	t     *testing.T
	clock *clocktest.Clock
	st    *models.Stores
	svc   *auth.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.Open(t)
	c := clocktest.At(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	st := db.NewStores(d, c.Now, auth.ThrottleWindow)
	return &env{t: t, clock: c, st: st, svc: auth.New(st, mail.NewComposer(views.Letters{}, "https://board.example.org", c.Now), c.Now)}
}

const annPassword = "ann's long enough password"

// account creates a member through the store; verified says whether the
// board has proved they control the address.
func (e *env) account(email, password string, verified bool) *models.User {
	e.t.Helper()
	n := models.NewUser{Email: email, EmailVerified: verified, DisplayName: strings.Split(email, "@")[0]}
	if password != "" {
		hash, err := auth.HashPassword(password)
		if err != nil {
			e.t.Fatal(err)
		}
		n.PasswordHash = hash
	}
	u, err := e.st.Users.Create(context.Background(), n, "", models.Actor{ClientIP: "192.0.2.1"})
	if err != nil {
		e.t.Fatalf("create %s: %v", email, err)
	}
	return u
}

// events returns the audit log's events of kind, oldest first.
func (e *env) events(kind models.AuditKind) []*models.AuditEvent {
	e.t.Helper()
	page, err := e.st.Audit.List(context.Background(), models.AuditFilter{Kind: kind}, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*models.AuditEvent
	for i := len(page.Events) - 1; i >= 0; i-- {
		out = append(out, page.Events[i])
	}
	return out
}

func from(ip string) models.Actor { return models.Actor{ClientIP: ip} }

// An unknown email and a wrong password get the same error, and both are
// audited; the right password signs in.
func TestSignInSameAnswerForWrongPasswordAndUnknownEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann := e.account("ann@example.com", annPassword, false)

	u, err := e.svc.SignIn(ctx, "ANN@example.com", annPassword, nil, from("192.0.2.1"))
	if err != nil || u.ID != ann.ID {
		t.Fatalf("SignIn(right password) = %+v, %v; want ann", u, err)
	}
	_, wrong := e.svc.SignIn(ctx, "ann@example.com", "not ann's password", nil, from("192.0.2.2"))
	_, unknown := e.svc.SignIn(ctx, "nobody@example.com", annPassword, nil, from("192.0.2.3"))
	_, typo := e.svc.SignIn(ctx, "hunter2 oops", annPassword, nil, from("192.0.2.4"))
	for name, err := range map[string]error{"wrong password": wrong, "unknown email": unknown, "not an email": typo} {
		if !errors.Is(err, auth.ErrBadCredentials) || err.Error() != auth.ErrBadCredentials.Error() {
			t.Errorf("SignIn(%s) = %v, want exactly ErrBadCredentials", name, err)
		}
	}

	failed := e.events(models.AuditSignInFailed)
	if len(failed) != 3 {
		t.Fatalf("%d sign_in_failed events, want 3 (one per failure, none for the success)", len(failed))
	}
	for i, want := range []struct {
		target   int64
		detail   string
		clientIP string
	}{
		{ann.ID, "ann@example.com", "192.0.2.2"},
		{0, "nobody@example.com", "192.0.2.3"},
		{0, "not an email address", "192.0.2.4"}, // people type passwords into the email field
	} {
		ev := failed[i]
		if ev.ActorID != 0 || ev.TargetType != "user" || ev.TargetID != want.target || ev.Detail != want.detail || ev.ClientIP != want.clientIP {
			t.Errorf("sign_in_failed %d = {actor %d, %s %d, %q, %s}, want {actor 0, user %d, %q, %s}",
				i+1, ev.ActorID, ev.TargetType, ev.TargetID, ev.Detail, ev.ClientIP, want.target, want.detail, want.clientIP)
		}
	}
	// An account without a password cannot be signed in to with any password.
	e.account("sol@example.com", "", true)
	if _, err := e.svc.SignIn(ctx, "sol@example.com", "", nil, from("192.0.2.5")); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("SignIn to a password-less account = %v, want ErrBadCredentials", err)
	}
}

func TestSignInRefusesSuspendedAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann := e.account("ann@example.com", annPassword, false)
	if err := e.st.Users.SetSuspended(ctx, ann.ID, true, "spam", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.SignIn(ctx, "ann@example.com", annPassword, nil, from("192.0.2.1"))
	var denied *models.Denied
	if !errors.As(err, &denied) || denied.Outcome != models.DenyUnavailable {
		t.Fatalf("SignIn(suspended, right password) = %v, want a DenyUnavailable denial", err)
	}
	if failed := e.events(models.AuditSignInFailed); len(failed) != 1 || failed[0].Detail != "account suspended" || failed[0].TargetID != ann.ID {
		t.Errorf("sign_in_failed events %+v, want one \"account suspended\" about ann", failed)
	}
}

// Failures are limited per account and address; across addresses the
// account's failures only space attempts out, so strangers cannot lock the
// owner out; a browser with the account's device cookie has its own
// allowance. A refused attempt checks no password, known email or not.
func TestSignInLimits(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann := e.account("ann@example.com", annPassword, false)
	e.account("bob@example.com", "bob's long enough password", false)

	// Five failures from one address: that address is refused for ann.
	for i := range models.AccountAddressFailures {
		if _, err := e.svc.SignIn(ctx, "ann@example.com", "wrong password", nil, from("198.51.100.1")); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: %v, want ErrBadCredentials", i+1, err)
		}
		e.clock.Advance(time.Second)
	}
	_, err := e.svc.SignIn(ctx, "ann@example.com", annPassword, nil, from("198.51.100.1"))
	var throttled *auth.Throttled
	if !errors.As(err, &throttled) {
		t.Fatalf("sixth attempt from the address (right password) = %v, want *auth.Throttled", err)
	}
	if want := models.SignInWindow - 5*time.Second; throttled.Wait != want || throttled.What != "failed sign-ins" {
		t.Errorf("Throttled = %+v, want Wait %v (until the first failure leaves the window), What \"failed sign-ins\"", throttled, want)
	}
	if n := len(e.events(models.AuditSignInFailed)); n != models.AccountAddressFailures {
		t.Errorf("%d sign_in_failed events, want %d (a refused attempt checks no password)", n, models.AccountAddressFailures)
	}
	// Another account from the same address is not limited, and ann from
	// another address gets in.
	if _, err := e.svc.SignIn(ctx, "bob@example.com", "bob's long enough password", nil, from("198.51.100.1")); err != nil {
		t.Errorf("bob from the same address: %v, want signed in", err)
	}
	if _, err := e.svc.SignIn(ctx, "ann@example.com", annPassword, nil, from("203.0.113.1")); err != nil {
		t.Errorf("ann from another address: %v, want signed in", err)
	}

	// From ever new addresses: the first failures are free, then each
	// attempt waits after the last, twice as long each time.
	for i := range models.AccountFreeFailures {
		if _, err := e.svc.SignIn(ctx, "ann@example.com", "guess", nil, from(fmt.Sprintf("192.0.2.%d", i+1))); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("guess %d: %v, want ErrBadCredentials", i+1, err)
		}
	}
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		_, err := e.svc.SignIn(ctx, "ann@example.com", annPassword, nil, from("192.0.2.200"))
		if !errors.As(err, &throttled) || throttled.Wait != want {
			t.Fatalf("an immediate further attempt = %v, want *auth.Throttled waiting %v", err, want)
		}
		e.clock.Advance(want)
		if _, err := e.svc.SignIn(ctx, "ann@example.com", "guess", nil, from("192.0.2.201")); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("after waiting %v: %v, want the guess checked", want, err)
		}
	}
	// Ann's browser with her device cookie is not held back by any of it.
	device := []models.Device{{UserID: ann.ID, ID: "her-laptop"}}
	if _, err := e.svc.SignIn(ctx, "ann@example.com", annPassword, device, from("192.0.2.200")); err != nil {
		t.Errorf("ann with her device cookie: %v, want signed in", err)
	}
	// A device cookie for another account counts for nothing.
	if _, err := e.svc.SignIn(ctx, "bob@example.com", "guess", device, from("198.51.100.1")); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("bob with ann's device cookie: %v, want an ordinary failure", err)
	}

	// An unknown email is throttled the same way, so throttling reveals nothing.
	for range models.AccountAddressFailures {
		if _, err := e.svc.SignIn(ctx, "nobody@example.com", "guess", nil, from("192.0.2.9")); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("unknown email: %v, want ErrBadCredentials", err)
		}
	}
	if _, err := e.svc.SignIn(ctx, "nobody@example.com", "guess", nil, from("192.0.2.9")); !errors.As(err, &throttled) {
		t.Errorf("sixth attempt at an unknown email = %v, want *auth.Throttled", err)
	}
}

// A success forgets the account's failures: a member who mistypes now and
// then is not locked out by failures older than their last sign-in.
func TestSignInSuccessResetsTheAccountCount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.account("ann@example.com", annPassword, false)
	for range 2 {
		for range 4 {
			if _, err := e.svc.SignIn(ctx, "ann@example.com", "typo", nil, from("192.0.2.1")); !errors.Is(err, auth.ErrBadCredentials) {
				t.Fatalf("failure: %v, want ErrBadCredentials", err)
			}
		}
		if _, err := e.svc.SignIn(ctx, "ann@example.com", annPassword, nil, from("192.0.2.1")); err != nil {
			t.Fatalf("right password after 4 failures: %v", err)
		}
	}
}

func TestRegisterWritesUserAndAuditTogether(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, fields, err := e.svc.Register(ctx, "nina@example.com", "Nina", "nina's long enough password", from("192.0.2.7"))
	if err != nil || len(fields) != 0 {
		t.Fatalf("Register = %v, %v", fields, err)
	}
	if u.ID == 0 || !u.HasPassword || u.EmailVerified || u.Role != models.RoleMember {
		t.Errorf("registered user = %+v, want a member with a password and an unverified email", u)
	}
	if _, err := e.svc.SignIn(ctx, "nina@example.com", "nina's long enough password", nil, from("192.0.2.7")); err != nil {
		t.Errorf("signing in with the registered password: %v", err)
	}
	reg := e.events(models.AuditRegister)
	if len(reg) != 1 || reg[0].ActorID != u.ID || reg[0].TargetType != "user" || reg[0].TargetID != u.ID || reg[0].ClientIP != "192.0.2.7" {
		t.Fatalf("register events %+v, want one by and about the new member from 192.0.2.7", reg)
	}

	// Taken (in any case): refused, and nothing more is written.
	if _, _, err := e.svc.Register(ctx, "NINA@example.com", "Other", "another long password", from("192.0.2.8")); !errors.Is(err, auth.ErrEmailTaken) {
		t.Errorf("Register(taken email) = %v, want ErrEmailTaken", err)
	}
	// Invalid input comes back as field errors, not an error.
	if u, fields, err := e.svc.Register(ctx, "not-an-email", "", "short", from("192.0.2.8")); err != nil || u != nil ||
		fields["email"] == "" || fields["display_name"] == "" || fields["password"] == "" {
		t.Errorf("Register(invalid) = %+v, %v, %v; want field errors for email, display_name and password", u, fields, err)
	}
	// The store refuses a duplicate that slips past the check (a race):
	// the unique violation rolls the audit row back with the insert.
	if _, err := e.st.Users.Create(ctx, models.NewUser{Email: "Nina@Example.com", DisplayName: "Racer"}, "", from("192.0.2.8")); !errors.Is(err, models.ErrConflict) {
		t.Errorf("Users.Create(duplicate) = %v, want ErrConflict", err)
	}
	if n := len(e.events(models.AuditRegister)); n != 1 {
		t.Errorf("%d register events after refused registrations, want 1", n)
	}
}

// Parallel registrations of one email: one account, one register row.
func TestRegisterRaceLeavesOneAccountAndOneAuditRow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const racers = 4
	errs := make(chan error, racers)
	for i := range racers {
		go func() {
			_, _, err := e.svc.Register(ctx, "race@example.com", "Racer", "a long enough password", from(fmt.Sprintf("192.0.2.%d", i+1)))
			errs <- err
		}()
	}
	won := 0
	for range racers {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, auth.ErrEmailTaken):
			t.Errorf("a losing registration: %v, want ErrEmailTaken", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d parallel registrations succeeded, want 1", won, racers)
	}
	if n := len(e.events(models.AuditRegister)); n != 1 {
		t.Errorf("%d register events, want 1", n)
	}
}

func TestRegisterThrottledPerAddress(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.account("taken@example.com", annPassword, false)
	// Every attempt counts, refused ones too: they probe which emails exist.
	for i := range 10 {
		if _, _, err := e.svc.Register(ctx, "taken@example.com", "Probe", "a long enough password", from("192.0.2.1")); !errors.Is(err, auth.ErrEmailTaken) {
			t.Fatalf("registration %d: %v, want ErrEmailTaken", i+1, err)
		}
	}
	_, _, err := e.svc.Register(ctx, "fresh@example.com", "Fresh", "a long enough password", from("192.0.2.1"))
	var throttled *auth.Throttled
	if !errors.As(err, &throttled) || throttled.What != "registrations" {
		t.Fatalf("eleventh registration from one address = %v, want *auth.Throttled for registrations", err)
	}
	if _, err := e.st.Users.ByEmail(ctx, "fresh@example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the throttled registration created an account (%v)", err)
	}
	if _, _, err := e.svc.Register(ctx, "fresh@example.com", "Fresh", "a long enough password", from("192.0.2.2")); err != nil {
		t.Errorf("registration from another address: %v, want it accepted", err)
	}
}

// ResolveIdentity's no-auto-link rule: an identity is found by (provider,
// subject), never by email, and is attached to an existing account found by
// email only when both the provider and the board have verified the address.
func TestResolveIdentity(t *testing.T) {
	ctx := context.Background()
	google := func(subject, email string, verified bool) models.ExternalIdentity {
		return models.ExternalIdentity{Provider: "google", Subject: subject, Email: email, EmailVerified: verified, Name: "Gina Google"}
	}

	t.Run("unknown email creates an account with the identity", func(t *testing.T) {
		e := newEnv(t)
		u, err := e.svc.ResolveIdentity(ctx, google("g-1", "gina@example.com", true), "Google", from("192.0.2.1"))
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "gina@example.com" || !u.EmailVerified || u.DisplayName != "Gina Google" || u.HasPassword {
			t.Errorf("new account = %+v, want gina, verified (the provider vouched), named by the provider, no password", u)
		}
		if i, err := e.st.Identities.Find(ctx, "google", "g-1"); err != nil || i.UserID != u.ID {
			t.Errorf("identity = %+v, %v; want linked to the new account", i, err)
		}
		if reg := e.events(models.AuditRegister); len(reg) != 1 || reg[0].TargetID != u.ID || reg[0].Detail != "via google" {
			t.Errorf("register events %+v, want one \"via google\" about the new account", reg)
		}
		if linked := e.events(models.AuditIdentityLinked); len(linked) != 1 || linked[0].ActorID != u.ID {
			t.Errorf("identity_linked events %+v, want one by the new account", linked)
		}
	})

	t.Run("existing identity signs in its account whatever the email says", func(t *testing.T) {
		e := newEnv(t)
		first, err := e.svc.ResolveIdentity(ctx, google("g-1", "gina@example.com", true), "Google", from("192.0.2.1"))
		if err != nil {
			t.Fatal(err)
		}
		// The address at the provider changed (and even names another member).
		e.account("other@example.com", annPassword, true)
		again, err := e.svc.ResolveIdentity(ctx, google("g-1", "other@example.com", false), "Google", from("192.0.2.1"))
		if err != nil || again.ID != first.ID {
			t.Errorf("second sign-in = %+v, %v; want the identity's account %d", again, err, first.ID)
		}
		if n := len(e.events(models.AuditRegister)); n != 2 {
			t.Errorf("%d register events, want 2 (gina's and other's): no account was created", n)
		}
	})

	t.Run("verified account and provider-verified email link", func(t *testing.T) {
		e := newEnv(t)
		ann := e.account("ann@example.com", annPassword, true)
		u, err := e.svc.ResolveIdentity(ctx, google("g-ann", "ANN@example.com", true), "Google", from("192.0.2.1"))
		if err != nil || u.ID != ann.ID {
			t.Fatalf("ResolveIdentity = %+v, %v; want ann's account", u, err)
		}
		ids, err := e.st.Identities.ForUser(ctx, ann.ID)
		if err != nil || len(ids) != 1 || ids[0].Subject != "g-ann" {
			t.Errorf("ann's identities = %+v, %v; want the Google one", ids, err)
		}
		if linked := e.events(models.AuditIdentityLinked); len(linked) != 1 || linked[0].ActorID != ann.ID || linked[0].TargetID != ann.ID {
			t.Errorf("identity_linked events %+v, want one by and about ann", linked)
		}
	})

	for _, tc := range []struct {
		name                              string
		accountVerified, providerVerified bool
	}{
		// An unverified account with a provider-verified email gives the
		// address up instead: TestResolveIdentityTakesAnUnverifiedAddress.
		{"verified account, unverified provider email", true, false},
		{"neither verified", false, false},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			e := newEnv(t)
			ann := e.account("ann@example.com", annPassword, tc.accountVerified)
			u, err := e.svc.ResolveIdentity(ctx, google("g-x", "ann@example.com", tc.providerVerified), "Google", from("192.0.2.1"))
			if !errors.Is(err, auth.ErrAccountExists) || u != nil {
				t.Errorf("ResolveIdentity = %+v, %v; want ErrAccountExists", u, err)
			}
			if ids, err := e.st.Identities.ForUser(ctx, ann.ID); err != nil || len(ids) != 0 {
				t.Errorf("ann's identities = %+v, %v; want none", ids, err)
			}
			if _, err := e.st.Identities.Find(ctx, "google", "g-x"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("the refused identity exists (%v)", err)
			}
			if n := len(e.events(models.AuditIdentityLinked)) + len(e.events(models.AuditRegister)); n != 1 {
				t.Errorf("%d identity_linked/register events, want only ann's registration", n)
			}
		})
	}

	t.Run("suspended account is refused before linking", func(t *testing.T) {
		e := newEnv(t)
		ann := e.account("ann@example.com", annPassword, true)
		if err := e.st.Users.SetSuspended(ctx, ann.ID, true, "spam", models.Actor{}); err != nil {
			t.Fatal(err)
		}
		u, err := e.svc.ResolveIdentity(ctx, google("g-ann", "ann@example.com", true), "Google", from("192.0.2.1"))
		var denied *models.Denied
		if !errors.As(err, &denied) || denied.Outcome != models.DenyUnavailable || !strings.Contains(denied.Rule, "Google") || u != nil {
			t.Errorf("ResolveIdentity(suspended) = %+v, %v; want a DenyUnavailable denial naming Google", u, err)
		}
		if ids, err := e.st.Identities.ForUser(ctx, ann.ID); err != nil || len(ids) != 0 {
			t.Errorf("suspended ann's identities = %+v, %v; want none", ids, err)
		}
	})

	t.Run("no usable email is refused", func(t *testing.T) {
		e := newEnv(t)
		for _, email := range []string{"", "not an email"} {
			if _, err := e.svc.ResolveIdentity(ctx, google("g-1", email, true), "Google", from("192.0.2.1")); !errors.Is(err, auth.ErrNoEmail) {
				t.Errorf("ResolveIdentity(email %q) = %v, want ErrNoEmail", email, err)
			}
		}
	})
}

// A wrong current password is audited and limited per session, apart from
// sign-in: a stolen session cannot guess on, and cannot lock the member out.
func TestConfirmPassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ann := e.account("ann@example.com", annPassword, false)

	if err := e.svc.ConfirmPassword(ctx, ann, annPassword, "session-a", from("192.0.2.1")); err != nil {
		t.Fatalf("ConfirmPassword(right) = %v", err)
	}
	for i := range models.ReauthFailures {
		if err := e.svc.ConfirmPassword(ctx, ann, "guess", "session-a", from("192.0.2.66")); !errors.Is(err, auth.ErrWrongPassword) {
			t.Fatalf("wrong password %d: %v, want ErrWrongPassword", i+1, err)
		}
	}
	failed := e.events(models.AuditReauthFailed)
	if len(failed) != models.ReauthFailures {
		t.Fatalf("%d reauth_failed events, want %d", len(failed), models.ReauthFailures)
	}
	if ev := failed[0]; ev.ActorID != ann.ID || ev.TargetType != "user" || ev.TargetID != ann.ID || ev.ClientIP != "192.0.2.66" {
		t.Errorf("reauth_failed = %+v, want by and about ann from 192.0.2.66", ev)
	}
	var throttled *auth.Throttled
	if err := e.svc.ConfirmPassword(ctx, ann, annPassword, "session-a", from("192.0.2.66")); !errors.As(err, &throttled) {
		t.Errorf("ConfirmPassword(right) in the same session after %d failures = %v, want *auth.Throttled", models.ReauthFailures, err)
	}
	if err := e.svc.ConfirmPassword(ctx, ann, annPassword, "session-b", from("192.0.2.66")); err != nil {
		t.Errorf("ConfirmPassword(right) in another session = %v, want accepted", err)
	}
	if _, err := e.svc.SignIn(ctx, "ann@example.com", annPassword, nil, from("192.0.2.66")); err != nil {
		t.Errorf("SignIn after failed re-authentications = %v, want signed in (re-authentication counts apart)", err)
	}
	if n := len(e.events(models.AuditReauthFailed)); n != models.ReauthFailures {
		t.Errorf("%d reauth_failed events after refused attempts, want still %d", n, models.ReauthFailures)
	}
}
