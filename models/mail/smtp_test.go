package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
	"board/models/mail"
)

func TestParseSMTPURL(t *testing.T) {
	for raw, want := range map[string]mail.SMTPConfig{
		"smtp://mail.example.org":                       {Host: "mail.example.org", Port: 587},
		"smtp://mail.example.org:2525":                  {Host: "mail.example.org", Port: 2525},
		"smtps://board:s3cr%40t@mail.example.org":       {Host: "mail.example.org", Port: 465, Implicit: true, Username: "board", Password: "s3cr@t"},
		"smtp://board%40example.org:pw@127.0.0.1:1025/": {Host: "127.0.0.1", Port: 1025, Username: "board@example.org", Password: "pw"},
		"smtp://[::1]:25":                               {Host: "::1", Port: 25},
	} {
		got, err := mail.ParseSMTPURL(raw)
		if err != nil || got != want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	for _, raw := range []string{"", "mail.example.org:25", "http://user:hunter2@mail.example.org", "smtp://user:hunter2@:25",
		"smtp://user:hunter2@mail.example.org:0", "smtp://user:hunter2@mail.example.org:99999", "smtp://user:hunter2@mail.example.org:25/x",
		"smtp://user:hunter2@mail.example.org:25?tls=off", "smtp://user:hunter2@mail.example.org:x", "smtp://user:hunter2@mail.example.org:25%zz"} {
		_, err := mail.ParseSMTPURL(raw)
		if err == nil {
			t.Errorf("ParseSMTPURL(%q) accepted", raw)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseSMTPURL(%q): the error shows the password: %v", raw, err)
		}
	}
}

func TestSMTPConfigNamesTheServerWithoutThePassword(t *testing.T) {
	c, err := mail.ParseSMTPURL("smtps://board:hunter2@mail.example.org:465")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.String(); got != "smtps://board@mail.example.org:465" {
		t.Errorf("String() = %q", got)
	}
	c.From = "Board <board@example.org>"
	s, err := mail.NewSMTP(c)
	if err != nil || strings.Contains(s.String(), "hunter2") {
		t.Errorf("sender %v, %v", s, err)
	}
	c.From = "not an address"
	if _, err := mail.NewSMTP(c); err == nil {
		t.Error("a From that is no address was accepted")
	}
}

func letter(to string) *models.Mail {
	return &models.Mail{ID: 1, To: to, Subject: "Confirm your email address", Text: "Hello Ann,\n\nConfirm: https://board.example.org/x?token=abc\n",
		HTML: "<p>Hello Ann,</p><p><a href=\"https://board.example.org/x?token=abc\">Confirm</a></p>"}
}

func sender(t *testing.T, rawURL string, tlsConfig *tls.Config) *mail.SMTP {
	t.Helper()
	c, err := mail.ParseSMTPURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c.From, c.TLS = "Board <board@example.org>", tlsConfig
	s, err := mail.NewSMTP(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSMTPDeliversTextAndHTMLToARealServer(t *testing.T) {
	mp := boardtest.StartMailpit(t)
	m := letter("ann@example.com")
	if err := sender(t, mp.SMTPURL("smtp", ""), nil).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := mp.To(t, "ann@example.com")
	if len(got) != 1 {
		t.Fatalf("mailpit holds %d messages for ann", len(got))
	}
	msg := got[0]
	if msg.Subject != m.Subject || msg.From.Address != "board@example.org" || msg.From.Name != "Board" {
		t.Errorf("received %+v", msg)
	}
	if strings.ReplaceAll(msg.Text, "\r\n", "\n") != m.Text {
		t.Errorf("text part = %q, want %q", msg.Text, m.Text)
	}
	if !strings.Contains(msg.HTML, `<a href="https://board.example.org/x?token=abc">Confirm</a>`) {
		t.Errorf("HTML part = %q", msg.HTML)
	}
	h := mp.Headers(t, msg.ID)
	if h["Auto-Submitted"][0] != "auto-generated" || len(h["Message-Id"]) != 1 || len(h["Date"]) != 1 {
		t.Errorf("headers: %v", h)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a TLS config that trusts it (and nothing else).
func selfSigned(t *testing.T) (certFile, keyFile string, trust *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailpit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

func authFile(t *testing.T, line string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "smtp-users")
	if err := os.WriteFile(p, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// smtp:// upgrades with STARTTLS when the server offers it, checks the
// server's certificate, and logs in over the encrypted connection.
func TestSMTPStartTLSAndLogin(t *testing.T) {
	cert, key, trust := selfSigned(t)
	mp := boardtest.StartMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls",
		"--smtp-auth-file", authFile(t, "board:correct-horse"))
	ctx := context.Background()
	if err := sender(t, mp.SMTPURL("smtp", "board:correct-horse"), trust).Send(ctx, letter("ann@example.com")); err != nil {
		t.Fatalf("send with STARTTLS and the right password: %v", err)
	}
	if got := mp.To(t, "ann@example.com"); len(got) != 1 || got[0].Username != "board" {
		t.Fatalf("received %+v; want one message sent as board", got)
	}
	err := sender(t, mp.SMTPURL("smtp", "board:wrong"), trust).Send(ctx, letter("bob@example.com"))
	var permanent *mail.PermanentError
	if err == nil || errors.As(err, &permanent) {
		t.Errorf("a wrong password: %v; want a failure retried later (the operator can fix the setting)", err)
	}
	if err := sender(t, mp.SMTPURL("smtp", "board:correct-horse"), nil).Send(ctx, letter("bob@example.com")); err == nil {
		t.Error("a certificate the system does not trust was accepted")
	}
	if got := mp.To(t, "bob@example.com"); len(got) != 0 {
		t.Errorf("bob received %d messages through failed sends", len(got))
	}
}

func TestSMTPSImplicitTLS(t *testing.T) {
	cert, key, trust := selfSigned(t)
	mp := boardtest.StartMailpit(t, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-tls", "--smtp-auth-accept-any")
	if err := sender(t, mp.SMTPURL("smtps", "board:pw"), trust).Send(context.Background(), letter("ann@example.com")); err != nil {
		t.Fatalf("smtps: %v", err)
	}
	if got := mp.To(t, "ann@example.com"); len(got) != 1 {
		t.Errorf("received %d messages over smtps", len(got))
	}
}

// A password never crosses an unencrypted connection, even to a server
// that would accept it there.
func TestSMTPRefusesToLogInWithoutTLS(t *testing.T) {
	mp := boardtest.StartMailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	err := sender(t, mp.SMTPURL("smtp", "board:hunter2"), nil).Send(context.Background(), letter("ann@example.com"))
	if err == nil {
		t.Fatal("logged in with PLAIN or LOGIN over plain text")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
	if got := mp.To(t, "ann@example.com"); len(got) != 0 {
		t.Errorf("%d messages got through", len(got))
	}
}

// The server's own words decide: 4xx is tried again, 5xx is given up.
func TestSMTPRefusalsAreTemporaryOrPermanentAsTheServerSays(t *testing.T) {
	mp := boardtest.StartMailpit(t, "--enable-chaos")
	s := sender(t, mp.SMTPURL("smtp", ""), nil)
	ctx := context.Background()
	var permanent *mail.PermanentError

	mp.RefuseRecipients(t, 451)
	if err := s.Send(ctx, letter("ann@example.com")); err == nil || errors.As(err, &permanent) {
		t.Errorf("451: %v; want a temporary failure", err)
	}
	mp.RefuseRecipients(t, 550)
	if err := s.Send(ctx, letter("ann@example.com")); !errors.As(err, &permanent) {
		t.Errorf("550: %v; want a permanent failure", err)
	}
	mp.RefuseRecipients(t, 0)
	if err := s.Send(ctx, letter("ann@example.com")); err != nil {
		t.Errorf("accepted again: %v", err)
	}
}

// The worker, the outbox and a real server together: a refusal is tried
// again after its backoff, and the message arrives once.
func TestWorkerDeliversThroughSMTPAfterARefusal(t *testing.T) {
	mp := boardtest.StartMailpit(t, "--enable-chaos")
	s := sender(t, mp.SMTPURL("smtp", ""), nil)
	st, c, w, ann := newWorkerEnv(t, s)
	ctx := context.Background()
	m := queueFor(t, st, ann, "welcome")

	mp.RefuseRecipients(t, 451)
	if n, err := w.SendDue(ctx); n != 0 || err != nil {
		t.Fatalf("SendDue during the refusal = %d, %v", n, err)
	}
	if got := status(t, st, m.ID); got.Status != models.MailPending || !strings.Contains(got.LastError, "451") {
		t.Fatalf("after a 451: %+v", got)
	}
	mp.RefuseRecipients(t, 0)
	c.Advance(mail.Backoff(1))
	if n, err := w.SendDue(ctx); n != 1 || err != nil {
		t.Fatalf("SendDue after the backoff = %d, %v", n, err)
	}
	if got := mp.To(t, ann.Email); len(got) != 1 || got[0].Subject != "welcome" {
		t.Errorf("ann received %d messages", len(got))
	}
}
