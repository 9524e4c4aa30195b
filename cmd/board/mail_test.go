package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
)

// End-to-end tests of the board's mail through run: a real SMTP server
// (mailpit) receives what the board's worker sends.

func env(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

// mailTo waits for a message with subject to reach address.
func mailTo(t *testing.T, mp *boardtest.Mailpit, address, subject string) boardtest.MailpitMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range mp.To(t, address) {
			if m.Subject == subject {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q for %s within 15s (mailpit has %d messages for it)", subject, address, len(mp.To(t, address)))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEndToEndMail: register → receive → click → verified; forget →
// receive → reset → the old sessions are dead and the new password works.
func TestEndToEndMail(t *testing.T) {
	mp := boardtest.StartMailpit(t)
	b := launchBoardEnv(t, filepath.Join(t.TempDir(), "board.db"), env(map[string]string{
		"BOARD_SMTP_URL":  mp.SMTPURL("smtp", ""),
		"BOARD_MAIL_FROM": "Board <board@example.org>",
	}))
	const email, first, second = "erin@example.com", "erin-first-password", "erin-second-password"
	b.mustNotLog(first, second)
	if logs := b.stderr.String(); !strings.Contains(logs, `"msg":"mail: sending through SMTP"`) || strings.Contains(logs, "no SMTP server") {
		t.Errorf("start-up log does not say where mail goes:\n%s", logs)
	}

	laptop := boardtest.NewClient(t, b.URL)
	res := laptop.Post("/register", url.Values{"email": {email}, "display_name": {"Erin"}, "password": {first}})
	boardtest.WantStatus(t, "register", res, http.StatusSeeOther)
	boardtest.MustContain(t, "account before verifying", laptop.Get("/account").Body, "not confirmed yet")

	welcome := mailTo(t, mp, email, "Confirm your email address")
	if welcome.From.Address != "board@example.org" || !strings.Contains(welcome.HTML, "Confirm my address") {
		t.Errorf("welcome message: from %+v, HTML %q", welcome.From, welcome.HTML)
	}
	link := boardtest.LinkTo(t, strings.ReplaceAll(welcome.Text, "\r\n", "\n"), b.URL, "/email/confirm")
	b.mustNotLog(strings.TrimPrefix(link, b.URL+"/email/confirm?token="))
	phone := boardtest.NewClient(t, b.URL)
	if res := phone.Get(link); res.Status != http.StatusSeeOther || res.Location() != "/email/confirm" {
		t.Fatalf("opening the link: %d to %q", res.Status, res.Location())
	}
	boardtest.WantPage(t, "confirmation page", phone.Get("/email/confirm"), http.StatusOK, "Confirm "+email)
	boardtest.WantStatus(t, "confirm", phone.Post("/email/confirm", nil), http.StatusSeeOther)
	boardtest.MustContain(t, "account after verifying", laptop.Get("/account").Body, email+": confirmed.")

	// Forgotten: a second browser is signed in too; both are signed out by the reset.
	tablet := boardtest.NewClient(t, b.URL)
	tablet.Login(email, first)
	someone := boardtest.NewClient(t, b.URL)
	res = someone.Post("/password/forgot", url.Values{"email": {email}})
	boardtest.WantPage(t, "forgot", res, http.StatusOK, "Check your mail")
	reset := mailTo(t, mp, email, "Reset your password")
	link = boardtest.LinkTo(t, strings.ReplaceAll(reset.Text, "\r\n", "\n"), b.URL, "/password/reset")
	b.mustNotLog(strings.TrimPrefix(link, b.URL+"/password/reset?token="))
	if res := someone.Get(link); res.Status != http.StatusSeeOther || res.Location() != "/password/reset" {
		t.Fatalf("opening the reset link: %d to %q", res.Status, res.Location())
	}
	boardtest.WantPage(t, "reset page", someone.Get("/password/reset"), http.StatusOK, "For the account "+email)
	res = someone.Post("/password/reset", url.Values{"password": {second}})
	if res.Status != http.StatusSeeOther || res.Location() != "/login" {
		t.Fatalf("reset: %d to %q\n%s", res.Status, res.Location(), boardtest.Clip(res.Body))
	}
	for name, c := range map[string]*boardtest.Client{"laptop": laptop, "tablet": tablet} {
		boardtest.WantStatus(t, name+" after the reset", c.Get("/posts"), http.StatusUnauthorized)
	}
	boardtest.WantStatus(t, "the old password", boardtest.NewClient(t, b.URL).Attempt(email, first), http.StatusUnauthorized)
	boardtest.NewClient(t, b.URL).Login(email, second)
	mailTo(t, mp, email, "Your password was reset")
	// The used link is dead.
	again := boardtest.NewClient(t, b.URL)
	again.Get(link)
	boardtest.WantStatus(t, "the reset link again", again.Get("/password/reset"), http.StatusGone)
}

// Without an SMTP server a board starts, keeps mail in the outbox and says
// so; demo mode shows mail at /dev/mailbox instead.
func TestStartWithoutSMTP(t *testing.T) {
	b := launchBoard(t, filepath.Join(t.TempDir(), "board.db"))
	if logs := b.stderr.String(); !strings.Contains(logs, "no SMTP server configured (BOARD_SMTP_URL)") {
		t.Errorf("start-up log without SMTP does not say so:\n%s", logs)
	}
	boardtest.WantStatus(t, "/dev/mailbox outside demo mode", boardtest.NewClient(t, b.URL).Get("/dev/mailbox"), http.StatusNotFound)

	demo := launchBoard(t, filepath.Join(t.TempDir(), "demo.db"), "-demo")
	if logs := demo.stderr.String(); strings.Contains(logs, "no SMTP server") {
		t.Errorf("demo mode warns about SMTP:\n%s", logs)
	}
	if !strings.Contains(demo.stdout.String(), "board: demo mailbox at "+demo.URL+"/dev/mailbox") {
		t.Errorf("demo mode does not say where the mailbox is:\n%s", demo.stdout)
	}
	boardtest.WantStatus(t, "/dev/mailbox in demo mode", boardtest.NewClient(t, demo.URL).Get("/dev/mailbox"), http.StatusOK)
}

// The SMTP password reaches neither the logs nor an error, whether the
// setting is wrong or the server cannot be reached.
func TestSMTPSettingsAndThePassword(t *testing.T) {
	const secret = "hunter2-smtp-secret"
	dbPath := filepath.Join(t.TempDir(), "board.db")
	for _, tc := range []struct {
		name string
		vars map[string]string
		want string
	}{
		{"no From", map[string]string{"BOARD_SMTP_URL": "smtp://board:" + secret + "@127.0.0.1:2525"}, "BOARD_MAIL_FROM"},
		{"bad scheme", map[string]string{"BOARD_SMTP_URL": "http://board:" + secret + "@mail.example.org", "BOARD_MAIL_FROM": "b@example.org"}, "smtp://"},
		{"bad port", map[string]string{"BOARD_SMTP_URL": "smtp://board:" + secret + "@mail.example.org:99999", "BOARD_MAIL_FROM": "b@example.org"}, "port"},
		{"bad From", map[string]string{"BOARD_SMTP_URL": "smtp://board:" + secret + "@mail.example.org", "BOARD_MAIL_FROM": "nobody"}, "not an address"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var stdout, stderr boardtest.Logs
		err := run(ctx, []string{"-addr", "127.0.0.1:0", "-db", dbPath}, env(tc.vars), &stdout, &stderr)
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: run = %v, want an error about %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error()+stdout.String()+stderr.String(), secret) {
			t.Errorf("%s: the password reached the output: %v", tc.name, err)
		}
	}

	// A server that refuses connections: the worker logs its failures,
	// never the password.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	b := launchBoardEnv(t, dbPath, env(map[string]string{
		"BOARD_SMTP_URL":  "smtp://board:" + secret + "@" + addr,
		"BOARD_MAIL_FROM": "Board <board@example.org>",
	}))
	b.mustNotLog(secret)
	boardtest.WantStatus(t, "register", boardtest.NewClient(t, b.URL).Post("/register",
		url.Values{"email": {"erin@example.com"}, "display_name": {"Erin"}, "password": {"erin-first-password"}}), http.StatusSeeOther)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.stderr.String(), `"msg":"mail deferred"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no deferred delivery logged:\n%s", b.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if logs := b.stderr.String(); !strings.Contains(logs, `"server":"smtp://board@`+addr+`"`) {
		t.Errorf("the log does not name the server (without its password):\n%s", logs)
	}
}
