package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"

	gomail "github.com/wneessen/go-mail"

	"board/models"
)

// SMTPConfig says where and how to hand mail over.
type SMTPConfig struct {
	Host string
	Port int
	// Implicit TLS (smtps://) from the first byte; otherwise STARTTLS
	// whenever the server offers it.
	Implicit bool
	Username string
	Password string
	From     string // the From header, e.g. "Board <board@example.org>"
	// TLS overrides the TLS settings (tests trust their own CA); nil uses
	// the system's roots.
	TLS *tls.Config
}

// ParseSMTPURL reads smtp://[user:pass@]host[:port] (port 587 unless
// given) or smtps://[user:pass@]host[:port] (port 465).
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error repeats the URL, password included.
		return SMTPConfig{}, errors.New("SMTP URL: not a URL like smtp://user:pass@host:587")
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Implicit, c.Port = true, 465
	default:
		return c, errors.New("SMTP URL: the scheme must be smtp:// or smtps://")
	}
	if c.Host = u.Hostname(); c.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return c, errors.New("SMTP URL: want smtp://[user:pass@]host:port with nothing after the port")
	}
	if p := u.Port(); p != "" {
		if c.Port, err = strconv.Atoi(p); err != nil || c.Port < 1 || c.Port > 65535 {
			return c, errors.New("SMTP URL: the port must be a number from 1 to 65535")
		}
	}
	c.Username = u.User.Username()
	c.Password, _ = u.User.Password()
	return c, nil
}

// String names the server for logs and the admin page, never the password.
func (c SMTPConfig) String() string {
	scheme := "smtp"
	if c.Implicit {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: c.Host + ":" + strconv.Itoa(c.Port)}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	return u.String()
}

// SMTP sends through an SMTP server with github.com/wneessen/go-mail.
type SMTP struct{ cfg SMTPConfig }

// NewSMTP checks cfg and returns a Sender for it.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if _, err := netmail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail From %q is not an address like Board <board@example.org>", cfg.From)
	}
	return &SMTP{cfg: cfg}, nil
}

func (s *SMTP) String() string { return s.cfg.String() }

// Send dials, sends m and quits. A refusal the server calls permanent
// (5xx) is Permanent; everything else, from a refused connection to a
// failed login, is tried again later.
func (s *SMTP) Send(ctx context.Context, m *models.Mail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return Permanent(err)
	}
	if err := msg.To(m.To); err != nil {
		return Permanent(err)
	}
	msg.Subject(m.Subject)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetMessageID()
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	client, err := gomail.NewClient(s.cfg.Host, s.options()...)
	if err != nil {
		return err
	}
	err = client.DialAndSendWithContext(ctx, msg)
	var refused *gomail.SendError
	if errors.As(err, &refused) && !refused.IsTemp() {
		return Permanent(err)
	}
	return err
}

func (s *SMTP) options() []gomail.Option {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLS != nil {
		tlsConfig = s.cfg.TLS.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = s.cfg.Host
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTLSConfig(tlsConfig), gomail.WithTimeout(sendTimeout / 2)}
	if s.cfg.Implicit {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.cfg.Username != "" {
		// Auto-discovery never sends PLAIN or LOGIN over an unencrypted
		// connection, so the password cannot leak to a network observer.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return opts
}
