package mail_test

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"board/db"
	"board/db/dbtest"
	"board/models"
	"board/models/clocktest"
	"board/models/mail"
	"board/views"
)

const board = "https://board.example.org"

func newClock() *clocktest.Clock { return clocktest.At(time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)) }

// linkSecret checks a link points at path on the configured board and
// returns the token it carries.
func linkSecret(t *testing.T, link, path string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Scheme+"://"+u.Host != board || u.Path != path || len(u.Query()) != 1 {
		t.Fatalf("link %q: want %s%s?token=…", link, board, path)
	}
	secret := u.Query().Get("token")
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != models.TokenBytes || models.TokenBytes*8 < 256 {
		t.Fatalf("token %q: %d bytes, %v; want %d random bytes (≥ 256 bits)", secret, len(raw), err, models.TokenBytes)
	}
	return secret
}

// linkIn finds the one link to path in a message's text part.
func linkIn(t *testing.T, text, path string) string {
	t.Helper()
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, board+path+"?") {
			return f
		}
	}
	t.Fatalf("no link to %s in:\n%s", path, text)
	return ""
}

func TestComposerLinksAreBoundToPurposeAddressAndTime(t *testing.T) {
	c := newClock()
	composer := mail.NewComposer(views.Letters{}, board, c.Now)
	ann := &models.User{ID: 7, Email: "ann@example.com", DisplayName: "Ann <b>"}
	for _, tc := range []struct {
		purpose models.TokenPurpose
		path    string
		ttl     time.Duration
		make    func() (*models.TokenMail, error)
		to      string
	}{
		{models.TokenVerifyEmail, mail.ConfirmEmailPath, 24 * time.Hour, func() (*models.TokenMail, error) { return composer.Verification(ann, true) }, ann.Email},
		{models.TokenResetPassword, mail.ResetPasswordPath, 30 * time.Minute, func() (*models.TokenMail, error) { return composer.PasswordReset(ann) }, ann.Email},
		{models.TokenChangeEmail, mail.ConfirmEmailPath, 24 * time.Hour, func() (*models.TokenMail, error) {
			tm, _, err := composer.EmailChange(ann, "ann@new.example.org")
			return tm, err
		}, "ann@new.example.org"},
	} {
		tm, err := tc.make()
		if err != nil {
			t.Fatalf("%s: %v", tc.purpose, err)
		}
		secret := linkSecret(t, linkIn(t, tm.Mail.Text, tc.path), tc.path)
		if !strings.Contains(tm.Mail.HTML, url.Values{"token": {secret}}.Encode()) {
			t.Errorf("%s: the HTML part lacks the link", tc.purpose)
		}
		want := models.MailToken{Hash: models.TokenHash(secret), UserID: ann.ID, Purpose: tc.purpose, Email: tc.to, ExpiresAt: c.Now().Add(tc.ttl)}
		if tm.Token != want {
			t.Errorf("%s: token %+v, want %+v", tc.purpose, tm.Token, want)
		}
		if tm.Token.Hash == secret || strings.Contains(tm.Token.Hash, secret) {
			t.Errorf("%s: the stored hash is the secret", tc.purpose)
		}
		if tm.Mail.To != tc.to || tm.Mail.UserID != ann.ID || tm.Mail.Subject == "" {
			t.Errorf("%s: mail %+v", tc.purpose, tm.Mail)
		}
		if strings.Contains(tm.Mail.HTML, "Ann <b>") || !strings.Contains(tm.Mail.HTML, "Ann &lt;b&gt;") || !strings.Contains(tm.Mail.Text, "Hello Ann <b>,") {
			t.Errorf("%s: the name must be escaped in HTML and plain in text", tc.purpose)
		}
	}
	a, _ := composer.PasswordReset(ann)
	b, _ := composer.PasswordReset(ann)
	if a.Token.Hash == b.Token.Hash {
		t.Error("two links carry the same token")
	}
}

func TestComposerEmailChangeNoticeGoesToTheOldAddress(t *testing.T) {
	composer := mail.NewComposer(views.Letters{}, board, newClock().Now)
	ann := &models.User{ID: 7, Email: "ann@example.com", DisplayName: "Ann"}
	_, notice, err := composer.EmailChange(ann, "ann@new.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if notice.To != "ann@example.com" || !strings.Contains(notice.Text, "ann@new.example.org") || strings.Contains(notice.Text, "token=") {
		t.Errorf("notice to the old address: %+v", notice)
	}
}

func TestComposerNeverWritesToAGivenUpAddress(t *testing.T) {
	composer := mail.NewComposer(views.Letters{}, board, newClock().Now)
	gone := &models.User{ID: 9, Email: models.ReleasedEmail(9), DisplayName: "Squatter"}
	if _, err := composer.Verification(gone, false); !errors.Is(err, mail.ErrNoAddress) {
		t.Errorf("Verification to a released address: %v, want ErrNoAddress", err)
	}
	if m, err := composer.NewSignIn(gone, "ua", "192.0.2.1"); err != nil || m != nil {
		t.Errorf("NewSignIn to a released address = %+v, %v; want no message", m, err)
	}
	_, notice, err := composer.EmailChange(gone, "mine@example.com")
	if err != nil || notice != nil {
		t.Errorf("change notice to a released address = %+v, %v; want none", notice, err)
	}
}

func TestComposerNoticesLinkToTheConfiguredBoard(t *testing.T) {
	c := newClock()
	composer := mail.NewComposer(views.Letters{}, board, c.Now)
	ann := &models.User{ID: 7, Email: "ann@example.com", DisplayName: "Ann"}
	signIn, err := composer.NewSignIn(ann, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "198.51.100.4")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Firefox on Linux", "198.51.100.4", "4 March 2030 at 09:00 UTC", board + "/account#sessions"} {
		if !strings.Contains(signIn.Text, want) {
			t.Errorf("sign-in notice lacks %q:\n%s", want, signIn.Text)
		}
	}
	help, err := composer.SignInHelp(ann, []string{"google"})
	if err != nil || !strings.Contains(help.Text, "you sign in with Google") || !strings.Contains(help.Text, board+"/login") || strings.Contains(help.Text, "token=") {
		t.Errorf("sign-in help: %v\n%s", err, help.Text)
	}
	changed, err := composer.PasswordChanged(ann, true)
	if err != nil || changed.Subject != "Your password was reset" || !strings.Contains(changed.Text, board+"/password/forgot") {
		t.Errorf("password notice: %v %+v", err, changed)
	}
}

// scriptedSender records what it is asked to send and answers each send
// with the next scripted error (nil once the script runs out).
type scriptedSender struct {
	mu     sync.Mutex
	sent   []*models.Mail
	script []error
}

func (s *scriptedSender) Send(_ context.Context, m *models.Mail) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, m)
	if len(s.script) == 0 {
		return nil
	}
	err := s.script[0]
	s.script = s.script[1:]
	return err
}

func (s *scriptedSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// newWorkerEnv is an outbox in a real database, a member, and a worker
// with sender on a hand-moved clock.
func newWorkerEnv(t *testing.T, sender mail.Sender) (*models.Stores, *clocktest.Clock, *mail.Worker, *models.User) {
	t.Helper()
	d := dbtest.Open(t)
	c := newClock()
	st := db.NewStores(d, c.Now, 15*time.Minute)
	ann, err := st.Users.Create(context.Background(), models.NewUser{Email: "ann@example.com", DisplayName: "Ann", PasswordHash: "h"}, "", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return st, c, mail.NewWorker(st.Outbox, sender, c.Now, slog.New(slog.DiscardHandler)), ann
}

func queueFor(t *testing.T, st *models.Stores, u *models.User, subject string) *models.Mail {
	t.Helper()
	m := &models.Mail{UserID: u.ID, To: u.Email, Subject: subject, Text: subject, HTML: "<p>" + subject + "</p>"}
	if err := st.Outbox.Queue(context.Background(), m, models.AuditEvent{Kind: models.AuditVerificationSent}); err != nil {
		t.Fatal(err)
	}
	return m
}

func status(t *testing.T, st *models.Stores, id int64) *models.Mail {
	t.Helper()
	m, err := st.Outbox.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute,
		64 * time.Minute, 2 * time.Hour, 2 * time.Hour}
	var total time.Duration
	for i, w := range want {
		if got := mail.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
		total += w
	}
	if len(want) != mail.MaxAttempts-1 || total < 6*time.Hour || total > 7*time.Hour {
		t.Errorf("%d waits totalling %v: the last attempt should come about six hours after the first", len(want), total)
	}
}

func TestWorkerRetriesTemporaryFailuresWithBackoff(t *testing.T) {
	sender := &scriptedSender{script: []error{errors.New("421 busy"), errors.New("dial tcp: connection refused")}}
	st, c, w, ann := newWorkerEnv(t, sender)
	ctx := context.Background()
	m := queueFor(t, st, ann, "hello")

	if n, err := w.SendDue(ctx); err != nil || n != 0 {
		t.Fatalf("first round: %d sent, %v", n, err)
	}
	got := status(t, st, m.ID)
	if got.Status != models.MailPending || got.Attempts != 1 || got.LastError != "421 busy" {
		t.Fatalf("after a temporary failure: %+v", got)
	}
	c.Advance(mail.Backoff(1) - time.Second)
	if w.SendDue(ctx); sender.count() != 1 {
		t.Fatalf("retried before the backoff passed")
	}
	c.Advance(time.Second)
	w.SendDue(ctx) // fails again, waits Backoff(2)
	c.Advance(mail.Backoff(2))
	if n, err := w.SendDue(ctx); err != nil || n != 1 || sender.count() != 3 {
		t.Fatalf("third round: %d sent, %v, %d sends", n, err, sender.count())
	}
	if got := status(t, st, m.ID); got.Status != models.MailSent || got.Attempts != 3 {
		t.Errorf("after delivery: %+v", got)
	}
}

func TestWorkerGivesUpOnPermanentRefusalsAndAfterMaxAttempts(t *testing.T) {
	script := []error{mail.Permanent(errors.New("550 no such user"))}
	for range mail.MaxAttempts {
		script = append(script, errors.New("451 later"))
	}
	sender := &scriptedSender{script: script}
	st, c, w, ann := newWorkerEnv(t, sender)
	ctx := context.Background()
	refused := queueFor(t, st, ann, "refused")
	w.SendDue(ctx)
	if got := status(t, st, refused.ID); got.Status != models.MailFailed || got.Attempts != 1 {
		t.Fatalf("a permanent refusal: %+v; want failed after one attempt", got)
	}
	flaky := queueFor(t, st, ann, "flaky")
	for i := 1; i <= mail.MaxAttempts; i++ {
		w.SendDue(ctx)
		c.Advance(mail.Backoff(i))
	}
	if got := status(t, st, flaky.ID); got.Status != models.MailFailed || got.Attempts != mail.MaxAttempts {
		t.Fatalf("after %d temporary failures: %+v", mail.MaxAttempts, got)
	}
	if sender.count() != 1+mail.MaxAttempts {
		t.Errorf("%d sends, want %d", sender.count(), 1+mail.MaxAttempts)
	}
	counts, _ := st.Outbox.FailedCounts(ctx)
	if counts[ann.ID] != 2 {
		t.Errorf("failed deliveries for ann = %d, want 2", counts[ann.ID])
	}
}

// A worker that died holding a message (its claim never settled) loses
// nothing: the message goes out once the lease runs out. A message whose
// every attempt died is given up instead of crashing workers forever.
func TestWorkerSendsWhatACrashedWorkerHeld(t *testing.T) {
	sender := &scriptedSender{}
	st, c, w, ann := newWorkerEnv(t, sender)
	ctx := context.Background()
	m := queueFor(t, st, ann, "held")
	if held, err := st.Outbox.Claim(ctx, 10, 2*time.Minute); err != nil || len(held) != 1 {
		t.Fatalf("the crashed worker's claim: %v", err)
	}
	if w.SendDue(ctx); sender.count() != 0 {
		t.Fatal("sent while another worker's lease was live")
	}
	c.Advance(2 * time.Minute)
	if n, _ := w.SendDue(ctx); n != 1 || status(t, st, m.ID).Status != models.MailSent {
		t.Fatalf("the held message was not sent after the lease ran out")
	}

	poison := queueFor(t, st, ann, "poison")
	for range mail.MaxAttempts {
		c.Advance(2 * time.Minute)
		if _, err := st.Outbox.Claim(ctx, 10, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	c.Advance(2 * time.Minute)
	w.SendDue(ctx)
	if got := status(t, st, poison.ID); got.Status != models.MailFailed || sender.count() != 1 {
		t.Errorf("a message no attempt finished: %+v after %d sends; want failed without sending", got, sender.count())
	}
}

// A shutdown in the middle of a batch still records what was sent.
func TestWorkerRecordsOutcomesDuringShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sender := &cancellingSender{cancel: cancel}
	st, _, w, ann := newWorkerEnv(t, sender)
	first, second := queueFor(t, st, ann, "first"), queueFor(t, st, ann, "second")
	if n, err := w.SendDue(ctx); err != nil || n != 1 {
		t.Fatalf("SendDue = %d, %v; want the first sent", n, err)
	}
	if got := status(t, st, first.ID); got.Status != models.MailSent {
		t.Errorf("the message sent as shutdown began is %s, want sent", got.Status)
	}
	if got := status(t, st, second.ID); got.Status != models.MailPending || got.Attempts != 1 {
		t.Errorf("the message left unsent: %+v; want pending, due again after its lease", got)
	}
}

// cancellingSender accepts a message and begins the shutdown.
type cancellingSender struct{ cancel context.CancelFunc }

func (s *cancellingSender) Send(context.Context, *models.Mail) error {
	s.cancel()
	return nil
}
