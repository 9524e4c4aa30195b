package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"board/db"
	"board/db/dbtest"
	"board/models"
	"board/models/clocktest"
)

// mailEnv is a migrated SQLite file with every store on a hand-moved clock.
type mailEnv struct {
	*models.Stores
	clock *clocktest.Clock
	ctx   context.Context
}

func newMailEnv(t *testing.T) *mailEnv {
	t.Helper()
	d := dbtest.Open(t)
	clock := clocktest.At(time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC))
	return &mailEnv{Stores: db.NewStores(d, clock.Now, 15*time.Minute), clock: clock, ctx: context.Background()}
}

func (e *mailEnv) user(t *testing.T, email string, verified bool) *models.User {
	t.Helper()
	u, err := e.Users.Create(e.ctx, models.NewUser{Email: email, EmailVerified: verified, DisplayName: email, PasswordHash: "hash-of-" + email}, "", models.Actor{})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	return u
}

func note(to, subject string) *models.Mail {
	return &models.Mail{To: to, Subject: subject, Text: subject + " (text)", HTML: "<p>" + subject + "</p>"}
}

// link is a token of purpose for u, with its mail, as a Composer makes one.
func (e *mailEnv) link(u *models.User, purpose models.TokenPurpose, address string) (secret string, tm models.TokenMail) {
	secret, hash := models.NewTokenSecret()
	return secret, models.TokenMail{
		Token: models.MailToken{Hash: hash, UserID: u.ID, Purpose: purpose, Email: address, ExpiresAt: e.clock.Now().Add(purpose.TTL())},
		Mail:  note(address, string(purpose)),
	}
}

func (e *mailEnv) issue(t *testing.T, u *models.User, purpose models.TokenPurpose, address string) string {
	t.Helper()
	secret, tm := e.link(u, purpose, address)
	if err := e.MailTokens.Issue(e.ctx, tm, nil, models.Actor{UserID: u.ID}); err != nil {
		t.Fatalf("issue %s: %v", purpose, err)
	}
	return secret
}

func (e *mailEnv) outbox(t *testing.T) []*models.Mail {
	t.Helper()
	mails, err := e.Outbox.Recent(e.ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return mails
}

func (e *mailEnv) auditKinds(t *testing.T, kind models.AuditKind) []*models.AuditEvent {
	t.Helper()
	page, err := e.Audit.List(e.ctx, models.AuditFilter{Kind: kind}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

func queue(t *testing.T, e *mailEnv, u *models.User, subject string) *models.Mail {
	t.Helper()
	m := note(u.Email, subject)
	m.UserID = u.ID
	if err := e.Outbox.Queue(e.ctx, m, models.AuditEvent{Kind: models.AuditPasswordResetRequested, TargetType: "user", TargetID: u.ID}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOutboxClaimLeasesAndDelivers(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	m := queue(t, e, ann, "hello")

	got, err := e.Outbox.Claim(e.ctx, 10, 2*time.Minute)
	if err != nil || len(got) != 1 || got[0].ID != m.ID || got[0].Attempts != 1 || got[0].Claim == "" {
		t.Fatalf("first claim = %+v, %v; want message %d with 1 attempt and a claim", got, err, m.ID)
	}
	if got[0].To != "ann@example.com" || got[0].Subject != "hello" || got[0].Text != "hello (text)" || got[0].HTML != "<p>hello</p>" {
		t.Errorf("claimed message lost its content: %+v", got[0])
	}
	if again, err := e.Outbox.Claim(e.ctx, 10, 2*time.Minute); err != nil || len(again) != 0 {
		t.Fatalf("second claim during the lease = %d messages, %v; want none", len(again), err)
	}
	if err := e.Outbox.Delivered(e.ctx, m.ID, "someone else's claim"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("Delivered with a wrong claim: %v, want ErrNotFound", err)
	}
	if err := e.Outbox.Delivered(e.ctx, m.ID, got[0].Claim); err != nil {
		t.Fatal(err)
	}
	sent, err := e.Outbox.ByID(e.ctx, m.ID)
	if err != nil || sent.Status != models.MailSent || !sent.SentAt.Equal(e.clock.Now()) {
		t.Fatalf("after Delivered: %+v, %v; want sent at the board's now", sent, err)
	}
	e.clock.Advance(time.Hour)
	if again, _ := e.Outbox.Claim(e.ctx, 10, 2*time.Minute); len(again) != 0 {
		t.Errorf("a delivered message was claimed again")
	}
	if n, _ := e.Outbox.Waiting(e.ctx); n != 0 {
		t.Errorf("Waiting = %d after delivery, want 0", n)
	}
}

// A worker that dies mid-send loses nothing: once its lease runs out the
// message is due again, and the dead worker's claim can no longer settle it.
func TestOutboxLeaseExpiryRedeliversAndFencesTheOldClaim(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	m := queue(t, e, ann, "hello")
	first, _ := e.Outbox.Claim(e.ctx, 10, 2*time.Minute)
	if len(first) != 1 {
		t.Fatal("nothing claimed")
	}
	e.clock.Advance(2*time.Minute - time.Second)
	if got, _ := e.Outbox.Claim(e.ctx, 10, 2*time.Minute); len(got) != 0 {
		t.Fatalf("claimed again before the lease ran out")
	}
	e.clock.Advance(time.Second)
	second, err := e.Outbox.Claim(e.ctx, 10, 2*time.Minute)
	if err != nil || len(second) != 1 || second[0].ID != m.ID || second[0].Attempts != 2 || second[0].Claim == first[0].Claim {
		t.Fatalf("after the lease: %+v, %v; want the message again, attempt 2, a new claim", second, err)
	}
	if err := e.Outbox.Delivered(e.ctx, m.ID, first[0].Claim); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the expired claim settled the message: %v", err)
	}
	if err := e.Outbox.Retry(e.ctx, m.ID, first[0].Claim, "late", e.clock.Now()); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the expired claim rescheduled the message: %v", err)
	}
	if err := e.Outbox.Delivered(e.ctx, m.ID, second[0].Claim); err != nil {
		t.Errorf("the live claim could not settle: %v", err)
	}
}

func TestOutboxRetryWaitsAndGiveUpCountsPerMember(t *testing.T) {
	e := newMailEnv(t)
	ann, bob := e.user(t, "ann@example.com", false), e.user(t, "bob@example.com", false)
	a1, a2, b1 := queue(t, e, ann, "a1"), queue(t, e, ann, "a2"), queue(t, e, bob, "b1")
	claimed, _ := e.Outbox.Claim(e.ctx, 10, time.Minute)
	if len(claimed) != 3 || claimed[0].ID != a1.ID || claimed[1].ID != a2.ID || claimed[2].ID != b1.ID {
		t.Fatalf("claimed %d, want the three in order", len(claimed))
	}
	if err := e.Outbox.Retry(e.ctx, a1.ID, claimed[0].Claim, "451 try later", e.clock.Now().Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for i, m := range []*models.Mail{a2, b1} {
		if err := e.Outbox.GiveUp(e.ctx, m.ID, claimed[i+1].Claim, "550 no such user"); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(5*time.Minute - time.Second)
	if got, _ := e.Outbox.Claim(e.ctx, 10, time.Minute); len(got) != 0 {
		t.Fatalf("a deferred message came back early")
	}
	e.clock.Advance(time.Second)
	got, _ := e.Outbox.Claim(e.ctx, 10, time.Minute)
	if len(got) != 1 || got[0].ID != a1.ID || got[0].LastError != "451 try later" || got[0].Attempts != 2 {
		t.Fatalf("after the wait: %+v; want a1 on attempt 2 with its last error", got)
	}
	counts, err := e.Outbox.FailedCounts(e.ctx)
	if err != nil || counts[ann.ID] != 1 || counts[bob.ID] != 1 || len(counts) != 2 {
		t.Errorf("FailedCounts = %v, %v; want one each for ann and bob", counts, err)
	}
	failed, _ := e.Outbox.ByID(e.ctx, b1.ID)
	if failed.Status != models.MailFailed || failed.LastError != "550 no such user" {
		t.Errorf("given-up message: %+v", failed)
	}
	events := e.auditKinds(t, models.AuditMailFailed)
	if len(events) != 2 || events[0].TargetID != bob.ID || events[1].TargetID != ann.ID {
		t.Errorf("mail_failed audit rows = %d, want one per given-up message naming its member", len(events))
	}
}

// Several workers claiming at once never get the same message.
func TestOutboxConcurrentClaimsAreDisjoint(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	const messages, workers = 60, 6
	for i := range messages {
		queue(t, e, ann, fmt.Sprint("m", i))
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := e.Outbox.Claim(e.ctx, 4, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != messages {
		t.Errorf("%d distinct messages claimed, want %d", len(seen), messages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
}

func TestOutboxPurgeDropsOnlyOldSentMail(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	old, pending := queue(t, e, ann, "old"), queue(t, e, ann, "pending")
	got, _ := e.Outbox.Claim(e.ctx, 1, time.Minute)
	if len(got) != 1 || got[0].ID != old.ID {
		t.Fatal("claim")
	}
	if err := e.Outbox.Delivered(e.ctx, old.ID, got[0].Claim); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	recent := queue(t, e, ann, "recent")
	got, _ = e.Outbox.Claim(e.ctx, 10, time.Minute)
	for _, m := range got {
		if m.ID == recent.ID {
			e.Outbox.Delivered(e.ctx, m.ID, m.Claim)
		}
	}
	n, err := e.Outbox.Purge(e.ctx, e.clock.Now().Add(-30*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	if _, err := e.Outbox.ByID(e.ctx, old.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the old sent message is still there")
	}
	for _, m := range []*models.Mail{pending, recent} {
		if _, err := e.Outbox.ByID(e.ctx, m.ID); err != nil {
			t.Errorf("message %q was purged: %v", m.Subject, err)
		}
	}
}

func TestIssueVoidsOlderLinksOfThePurposeOnly(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	verify1 := e.issue(t, ann, models.TokenVerifyEmail, ann.Email)
	reset := e.issue(t, ann, models.TokenResetPassword, ann.Email)
	verify2 := e.issue(t, ann, models.TokenVerifyEmail, ann.Email)

	peek := func(secret string, purposes ...models.TokenPurpose) error {
		_, err := e.MailTokens.Peek(e.ctx, models.TokenHash(secret), purposes...)
		return err
	}
	if err := peek(verify1, models.TokenVerifyEmail); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the older verification link still works: %v", err)
	}
	if err := peek(verify2, models.TokenVerifyEmail); err != nil {
		t.Errorf("the newest verification link: %v", err)
	}
	if err := peek(reset, models.TokenResetPassword); err != nil {
		t.Errorf("a reset link was voided by a verification link: %v", err)
	}
	// Purpose-bound: a reset token is not a verification token and back.
	if err := peek(reset, models.TokenVerifyEmail, models.TokenChangeEmail); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a reset token was accepted as a confirmation: %v", err)
	}
	if _, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(reset), models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ConfirmEmail used a reset token: %v", err)
	}
	if _, _, err := e.MailTokens.ResetPassword(e.ctx, models.TokenHash(verify2), "new", nil, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("ResetPassword used a verification token: %v", err)
	}
	// Each issue queued its mail and audited who it went to.
	if n := len(e.outbox(t)); n != 3 {
		t.Errorf("outbox holds %d messages, want 3", n)
	}
	if n := len(e.auditKinds(t, models.AuditVerificationSent)); n != 2 {
		t.Errorf("%d verification_sent rows, want 2", n)
	}
	if n := len(e.auditKinds(t, models.AuditPasswordResetRequested)); n != 1 {
		t.Errorf("%d password_reset_requested rows, want 1", n)
	}
}

func TestLinksExpireOnTheBoardClock(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	reset := e.issue(t, ann, models.TokenResetPassword, ann.Email)
	verify := e.issue(t, ann, models.TokenVerifyEmail, ann.Email)

	e.clock.Advance(30*time.Minute - time.Second)
	if _, err := e.MailTokens.Peek(e.ctx, models.TokenHash(reset), models.TokenResetPassword); err != nil {
		t.Fatalf("reset link dead before 30 minutes: %v", err)
	}
	e.clock.Advance(time.Second)
	if _, _, err := e.MailTokens.ResetPassword(e.ctx, models.TokenHash(reset), "new", nil, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("reset link used at 30 minutes: %v", err)
	}
	e.clock.Advance(24*time.Hour - 30*time.Minute)
	if _, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(verify), models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("verification link used at 24 hours: %v", err)
	}
	if u, _ := e.Users.ByID(e.ctx, ann.ID); u.EmailVerified {
		t.Errorf("an expired link verified the address")
	}
}

// Of many requests racing with one link, exactly one uses it.
func TestLinksWorkOnceUnderRaces(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	race := func(use func(i int) error) int {
		const racers = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := use(i)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					won++
				} else if !errors.Is(err, models.ErrNotFound) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		return won
	}
	verify := e.issue(t, ann, models.TokenVerifyEmail, ann.Email)
	if n := race(func(int) error {
		_, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(verify), models.Actor{})
		return err
	}); n != 1 {
		t.Errorf("%d confirmations with one link succeeded, want 1", n)
	}
	reset := e.issue(t, ann, models.TokenResetPassword, ann.Email)
	if n := race(func(i int) error {
		_, _, err := e.MailTokens.ResetPassword(e.ctx, models.TokenHash(reset), fmt.Sprint("hash-", i), nil, models.Actor{})
		return err
	}); n != 1 {
		t.Errorf("%d resets with one link succeeded, want 1", n)
	}
	if n := len(e.auditKinds(t, models.AuditPasswordReset)); n != 1 {
		t.Errorf("%d password_reset rows, want 1", n)
	}
}

func TestConfirmEmailVerifiesTheAddressTheLinkWentTo(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	verify := e.issue(t, ann, models.TokenVerifyEmail, ann.Email)
	u, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(verify), models.Actor{ClientIP: "192.0.2.7"})
	if err != nil || !u.EmailVerified || u.Email != ann.Email {
		t.Fatalf("ConfirmEmail = %+v, %v", u, err)
	}
	events := e.auditKinds(t, models.AuditEmailVerified)
	if len(events) != 1 || events[0].ActorID != ann.ID || events[0].TargetID != ann.ID || events[0].ClientIP != "192.0.2.7" {
		t.Errorf("email_verified audit: %+v (the link holder acts for the account)", events)
	}
	if _, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(verify), models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the link worked twice: %v", err)
	}
}

func TestChangeEmailAppliesOnlyWhenConfirmed(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", true)
	oldVerify := e.issue(t, ann, models.TokenVerifyEmail, ann.Email)
	secret, tm := e.link(ann, models.TokenChangeEmail, "ann@new.example.org")
	notice := note(ann.Email, "changing")
	if err := e.MailTokens.Issue(e.ctx, tm, []*models.Mail{notice}, models.Actor{UserID: ann.ID}); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.Users.ByID(e.ctx, ann.ID); u.Email != "ann@example.com" {
		t.Fatalf("the address changed before the link was used: %s", u.Email)
	}
	mails := e.outbox(t)
	if len(mails) != 3 || mails[0].To != "ann@example.com" || mails[1].To != "ann@new.example.org" {
		t.Fatalf("outbox: want the link to the new address and the notice to the old, got %d messages", len(mails))
	}
	if p, err := e.MailTokens.Pending(e.ctx, ann.ID, models.TokenChangeEmail); err != nil || p.Email != "ann@new.example.org" {
		t.Errorf("Pending = %+v, %v", p, err)
	}
	u, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(secret), models.Actor{UserID: ann.ID})
	if err != nil || u.Email != "ann@new.example.org" || !u.EmailVerified {
		t.Fatalf("after confirming: %+v, %v", u, err)
	}
	// Links to the old address are void.
	if _, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(oldVerify), models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a link to the former address still works: %v", err)
	}
	if ev := e.auditKinds(t, models.AuditEmailChanged); len(ev) != 1 || ev[0].Detail != "ann@example.com -> ann@new.example.org" {
		t.Errorf("email_changed audit: %+v", ev)
	}
}

// An address held unverified yields to whoever proves it (issue 14 item 7);
// one held verified does not, and the link survives the refusal.
func TestChangeEmailTakesAnUnverifiedAddressOnly(t *testing.T) {
	e := newMailEnv(t)
	owner := e.user(t, "owner@example.org", true)
	squatter := e.user(t, "victim@example.com", false)
	post, err := e.Posts.Create(e.ctx, squatter.ID, "mine", "kept")
	if err != nil {
		t.Fatal(err)
	}
	secret := e.issue(t, owner, models.TokenChangeEmail, "victim@example.com")
	u, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(secret), models.Actor{UserID: owner.ID})
	if err != nil || u.Email != "victim@example.com" || !u.EmailVerified {
		t.Fatalf("owner proving the address: %+v, %v", u, err)
	}
	s, _ := e.Users.ByID(e.ctx, squatter.ID)
	if !s.EmailReleased() || s.Email != models.ReleasedEmail(squatter.ID) {
		t.Errorf("the squatter still has an address: %q", s.Email)
	}
	if p, err := e.Posts.ByID(e.ctx, post.ID); err != nil || p.AuthorID != squatter.ID {
		t.Errorf("the squatter's post: %+v, %v; want kept as theirs", p, err)
	}
	if ev := e.auditKinds(t, models.AuditEmailReleased); len(ev) != 1 || ev[0].TargetID != squatter.ID {
		t.Errorf("email_released audit: %+v", ev)
	}

	// Now the owner holds it verified: nobody's link can take it.
	other := e.user(t, "other@example.org", true)
	secret = e.issue(t, other, models.TokenChangeEmail, "victim@example.com")
	if _, err := e.MailTokens.ConfirmEmail(e.ctx, models.TokenHash(secret), models.Actor{UserID: other.ID}); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("taking a verified address: %v, want ErrConflict", err)
	}
	if _, err := e.MailTokens.Peek(e.ctx, models.TokenHash(secret), models.TokenChangeEmail); err != nil {
		t.Errorf("a refused confirmation used the link up: %v", err)
	}
	if u, _ := e.Users.ByID(e.ctx, owner.ID); u.Email != "victim@example.com" {
		t.Errorf("the verified owner lost the address")
	}
}

func TestResetPasswordEndsSessionsVoidsLinksAndQueuesNotice(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	for i := range 3 {
		if err := e.SessionIndex.Record(e.ctx, models.NewSession{Hash: fmt.Sprint("s", i), UserID: ann.ID, UserAgent: "ua", ClientIP: "192.0.2.1",
			ExpiresAt: e.clock.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	change := e.issue(t, ann, models.TokenChangeEmail, "thief@example.net")
	reset := e.issue(t, ann, models.TokenResetPassword, ann.Email)
	notice := note(ann.Email, "your password was reset")
	u, ended, err := e.MailTokens.ResetPassword(e.ctx, models.TokenHash(reset), "new-hash", notice, models.Actor{ClientIP: "192.0.2.9"})
	if err != nil || ended != 3 || u.ID != ann.ID {
		t.Fatalf("ResetPassword = %+v, %d, %v; want ann with 3 sessions ended", u, ended, err)
	}
	if !u.EmailVerified {
		t.Errorf("a reset by mailed link did not mark the address verified")
	}
	if hash, _ := e.Users.PasswordHash(e.ctx, ann.ID); hash != "new-hash" {
		t.Errorf("password hash = %q", hash)
	}
	if live, _ := e.SessionIndex.ForUser(e.ctx, ann.ID); len(live) != 0 {
		t.Errorf("%d sessions survived the reset", len(live))
	}
	if _, err := e.MailTokens.Peek(e.ctx, models.TokenHash(change), models.TokenChangeEmail); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a change of address asked for before the reset still works: %v", err)
	}
	if m, err := e.Outbox.ByID(e.ctx, notice.ID); err != nil || m.UserID != ann.ID || m.Subject != "your password was reset" {
		t.Errorf("notice: %+v, %v", m, err)
	}
	if ev := e.auditKinds(t, models.AuditPasswordReset); len(ev) != 1 || ev[0].ActorID != ann.ID || ev[0].ClientIP != "192.0.2.9" {
		t.Errorf("password_reset audit: %+v", ev)
	}
}

// A reset link sent before the address changed is void afterwards.
func TestResetLinkToAFormerAddressIsVoid(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", true)
	secret, tm := e.link(ann, models.TokenResetPassword, "ann@old.example.com")
	if err := e.MailTokens.Issue(e.ctx, tm, nil, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.MailTokens.ResetPassword(e.ctx, models.TokenHash(secret), "x", nil, models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("reset through a link to another address: %v", err)
	}
}

// Mail is written in the same transaction as its change: no change, no mail.
func TestMailCommitsWithItsChangeOnly(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", false)
	_, tm := e.link(&models.User{Email: "ann@example.com", DisplayName: "Ann 2"}, models.TokenVerifyEmail, "ann@example.com")
	_, err := e.Users.Create(e.ctx, models.NewUser{Email: "ANN@example.com", DisplayName: "Ann 2", PasswordHash: "h", Verification: &tm}, "", models.Actor{})
	if !errors.Is(err, models.ErrConflict) {
		t.Fatalf("duplicate registration: %v", err)
	}
	if _, err := e.Users.SetPassword(e.ctx, 9999, "h", "", note("nobody@example.com", "changed"), models.Actor{}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("SetPassword of a missing user: %v", err)
	}
	if mails := e.outbox(t); len(mails) != 0 {
		t.Errorf("%d messages queued by changes that did not happen", len(mails))
	}
	if _, err := e.MailTokens.Peek(e.ctx, tm.Token.Hash, models.TokenVerifyEmail); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("a token of a registration that failed exists")
	}

	// And the successful ones carry theirs.
	_, tm = e.link(&models.User{Email: "bea@example.com", DisplayName: "Bea"}, models.TokenVerifyEmail, "bea@example.com")
	bea, err := e.Users.Create(e.ctx, models.NewUser{Email: "bea@example.com", DisplayName: "Bea", PasswordHash: "h", Verification: &tm}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := e.MailTokens.Peek(e.ctx, tm.Token.Hash, models.TokenVerifyEmail); err != nil || tok.UserID != bea.ID {
		t.Errorf("registration token: %+v, %v", tok, err)
	}
	if _, err := e.Users.SetPassword(e.ctx, ann.ID, "h2", "", note(ann.Email, "changed"), models.Actor{UserID: ann.ID}); err != nil {
		t.Fatal(err)
	}
	mails := e.outbox(t)
	if len(mails) != 2 || mails[0].UserID != ann.ID || mails[1].UserID != bea.ID {
		t.Errorf("outbox after registration and password change: %d messages", len(mails))
	}
}

func TestCreateTakesOverOnlyAnUnverifiedHolder(t *testing.T) {
	e := newMailEnv(t)
	squatter := e.user(t, "victim@example.com", false)
	owner, err := e.Users.Create(e.ctx, models.NewUser{Email: "victim@example.com", EmailVerified: true, DisplayName: "Victim", TakeOver: squatter.ID},
		"via google", models.Actor{ClientIP: "192.0.2.3"})
	if err != nil || owner.Email != "victim@example.com" || !owner.EmailVerified {
		t.Fatalf("take over: %+v, %v", owner, err)
	}
	if s, _ := e.Users.ByID(e.ctx, squatter.ID); !s.EmailReleased() {
		t.Errorf("squatter kept the address: %q", s.Email)
	}
	// A verified holder keeps it, and nothing is created.
	_, err = e.Users.Create(e.ctx, models.NewUser{Email: "victim@example.com", EmailVerified: true, DisplayName: "Again", TakeOver: owner.ID},
		"via google", models.Actor{})
	if !errors.Is(err, models.ErrConflict) {
		t.Errorf("taking a verified address: %v, want ErrConflict", err)
	}
	// Nor may an address the newcomer has not proven take anything.
	other := e.user(t, "other@example.com", false)
	if _, err := e.Users.Create(e.ctx, models.NewUser{Email: "other@example.com", DisplayName: "Unproven", TakeOver: other.ID}, "", models.Actor{}); !errors.Is(err, models.ErrConflict) {
		t.Errorf("an unproven take-over: %v, want ErrConflict", err)
	}
	if u, _ := e.Users.ByID(e.ctx, other.ID); u.Email != "other@example.com" {
		t.Errorf("an unproven take-over changed the holder")
	}
}

func TestNewSignInSourcesQueueTheNotice(t *testing.T) {
	e := newMailEnv(t)
	ann := e.user(t, "ann@example.com", true)
	signIn := func(ua, ip string) bool {
		t.Helper()
		n := note(ann.Email, "new sign-in")
		if err := e.SessionIndex.Record(e.ctx, models.NewSession{Hash: fmt.Sprint(ua, ip, e.clock.Now()), UserID: ann.ID, UserAgent: ua, ClientIP: ip,
			ExpiresAt: e.clock.Now().Add(time.Hour), SignIn: "with password", NewSourceNotice: n}); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
		return n.ID != 0
	}
	for _, c := range []struct {
		what, ua, ip string
		notice       bool
	}{
		{"the first sign-in ever", "Firefox", "192.0.2.1", false},
		{"the same device and address", "Firefox", "192.0.2.1", false},
		{"a new device", "Chrome", "192.0.2.1", true},
		{"a new address", "Firefox", "198.51.100.7", true},
		{"both seen before, in a new combination", "Chrome", "198.51.100.7", false},
		{"a new IPv6 /64", "Firefox", "2001:db8:1:2::1", true},
		{"another address in that /64", "Firefox", "2001:db8:1:2::ffff", false},
	} {
		if got := signIn(c.ua, c.ip); got != c.notice {
			t.Errorf("%s: notice queued = %v, want %v", c.what, got, c.notice)
		}
	}
	// A renewed token (no sign-in) never notifies.
	n := note(ann.Email, "renewal")
	if err := e.SessionIndex.Record(e.ctx, models.NewSession{Hash: "renewed", UserID: ann.ID, UserAgent: "Safari", ClientIP: "203.0.113.5",
		ExpiresAt: e.clock.Now().Add(time.Hour), NewSourceNotice: n}); err != nil {
		t.Fatal(err)
	}
	if n.ID != 0 {
		t.Errorf("a token renewal queued a sign-in notice")
	}
}
