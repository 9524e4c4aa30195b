// Package mail composes the board's messages and sends them. A Composer
// turns a workflow's facts into a models.Mail (and, for links, the token
// the link carries), which the workflow stores in the outbox in the same
// transaction as its change; a Worker later claims queued messages and
// hands them to a Sender, such as SMTP. Wording lives in templates that
// the Letters interface renders (views implements it with templ).
package mail

import (
	"errors"
	"net/url"
	"time"

	"board/models"
)

// Paths of the pages that links in mail open. Links are always built from
// the configured base URL, never from the Host of a request, so a forged
// Host header cannot point a reset link at someone else's server.
const (
	ConfirmEmailPath  = "/email/confirm"
	ResetPasswordPath = "/password/reset"
	ForgotPath        = "/password/forgot"
	LoginPath         = "/login"
	SessionsPath      = "/account#sessions"
)

// Greeting is what every letter starts and ends with.
type Greeting struct {
	Name  string // the member's display name
	Board string // the board's base URL
}

// Verify asks a member to prove their address.
type Verify struct {
	Greeting
	Address string
	Link    string
	Valid   time.Duration
	Welcome bool // sent on registering
}

// ChangeEmail goes to a new address, which becomes the account's only once
// the link in it is used.
type ChangeEmail struct {
	Greeting
	Address string
	Link    string
	Valid   time.Duration
}

// EmailChangeNotice tells the current address that a change was asked for.
type EmailChangeNotice struct {
	Greeting
	Old, New   string
	AccountURL string
}

// ResetPassword carries a link that sets a new password.
type ResetPassword struct {
	Greeting
	Link  string
	Valid time.Duration
}

// SignInHelp answers a reset request for an account without a password.
type SignInHelp struct {
	Greeting
	Providers []string // provider names, e.g. "google"
	LoginURL  string
}

// PasswordChanged confirms a new password (set on /account, or by reset).
type PasswordChanged struct {
	Greeting
	Reset     bool
	When      time.Time
	ForgotURL string
}

// NewSignIn reports a sign-in from a device or network not seen before.
type NewSignIn struct {
	Greeting
	UserAgent   string
	Address     string
	When        time.Time
	SessionsURL string
}

// FailedSignIn warns that strangers are failing to sign in to an account:
// sent once when the account page's notice opens, not for every failure.
type FailedSignIn struct {
	Greeting
	Address    string
	When       time.Time
	AccountURL string
}

// Notification is a notification a member chose to get by mail, showing
// only what they may see (models.ShowNotification).
type Notification struct {
	Greeting
	models.ShownNotification
	Link        string // the page it is about ("" when there is none they may open)
	SettingsURL string // where they choose which notifications come by mail
}

// Content is a rendered message.
type Content struct {
	Subject string
	Text    string
	HTML    string
}

// Letters renders every kind of message the board sends.
type Letters interface {
	Verify(Verify) (Content, error)
	ChangeEmail(ChangeEmail) (Content, error)
	EmailChangeNotice(EmailChangeNotice) (Content, error)
	ResetPassword(ResetPassword) (Content, error)
	SignInHelp(SignInHelp) (Content, error)
	PasswordChanged(PasswordChanged) (Content, error)
	NewSignIn(NewSignIn) (Content, error)
	FailedSignIn(FailedSignIn) (Content, error)
	Notification(Notification) (Content, error)
}

// Composer builds messages and the tokens their links carry.
type Composer struct {
	letters Letters
	base    string
	now     func() time.Time
}

// NewComposer composes with letters; baseURL is the board's configured
// public URL (no trailing slash), now the board's clock.
func NewComposer(letters Letters, baseURL string, now func() time.Time) *Composer {
	return &Composer{letters: letters, base: baseURL, now: now}
}

func (c *Composer) greeting(u *models.User) Greeting {
	return Greeting{Name: u.DisplayName, Board: c.base}
}

// ErrNoAddress refuses a link for an account that gave its address up.
var ErrNoAddress = errors.New("the account has no email address")

// message addresses a rendered letter to u at to; nil if to is the
// placeholder of an address given up, which reaches nobody.
func message(u *models.User, to string, content Content, err error) (*models.Mail, error) {
	if err != nil || models.IsReleasedEmail(to) {
		return nil, err
	}
	return &models.Mail{UserID: u.ID, To: to, Subject: content.Subject, Text: content.Text, HTML: content.HTML}, nil
}

// token mints a token for u and the link that carries it.
func (c *Composer) token(u *models.User, purpose models.TokenPurpose, address, path string) (models.MailToken, string) {
	secret, hash := models.NewTokenSecret()
	t := models.MailToken{Hash: hash, UserID: u.ID, Purpose: purpose, Email: address, ExpiresAt: c.now().Add(purpose.TTL())}
	return t, c.base + path + "?" + url.Values{"token": {secret}}.Encode()
}

// tokenMail pairs a token with the message carrying its link.
func tokenMail(t models.MailToken, m *models.Mail, err error) (*models.TokenMail, error) {
	if err == nil && m == nil {
		err = ErrNoAddress
	}
	if err != nil {
		return nil, err
	}
	return &models.TokenMail{Token: t, Mail: m}, nil
}

// Verification is the link proving u's current address; welcome words it
// for a new account. u may not be stored yet (ID 0): the store fills it in.
func (c *Composer) Verification(u *models.User, welcome bool) (*models.TokenMail, error) {
	t, link := c.token(u, models.TokenVerifyEmail, u.Email, ConfirmEmailPath)
	ct, err := c.letters.Verify(Verify{Greeting: c.greeting(u), Address: u.Email, Link: link, Valid: t.Purpose.TTL(), Welcome: welcome})
	m, err := message(u, u.Email, ct, err)
	return tokenMail(t, m, err)
}

// EmailChange is the link to the new address and the notice to the old.
func (c *Composer) EmailChange(u *models.User, address string) (*models.TokenMail, *models.Mail, error) {
	t, link := c.token(u, models.TokenChangeEmail, address, ConfirmEmailPath)
	ct, err := c.letters.ChangeEmail(ChangeEmail{Greeting: c.greeting(u), Address: address, Link: link, Valid: t.Purpose.TTL()})
	m, err := message(u, address, ct, err)
	tm, err := tokenMail(t, m, err)
	if err != nil {
		return nil, nil, err
	}
	ct, err = c.letters.EmailChangeNotice(EmailChangeNotice{Greeting: c.greeting(u), Old: u.Email, New: address, AccountURL: c.base + "/account"})
	notice, err := message(u, u.Email, ct, err)
	if err != nil {
		return nil, nil, err
	}
	return tm, notice, nil
}

// PasswordReset is the link that sets a new password for u.
func (c *Composer) PasswordReset(u *models.User) (*models.TokenMail, error) {
	t, link := c.token(u, models.TokenResetPassword, u.Email, ResetPasswordPath)
	ct, err := c.letters.ResetPassword(ResetPassword{Greeting: c.greeting(u), Link: link, Valid: t.Purpose.TTL()})
	m, err := message(u, u.Email, ct, err)
	return tokenMail(t, m, err)
}

// SignInHelp tells an account without a password how it signs in.
func (c *Composer) SignInHelp(u *models.User, providers []string) (*models.Mail, error) {
	ct, err := c.letters.SignInHelp(SignInHelp{Greeting: c.greeting(u), Providers: providers, LoginURL: c.base + LoginPath})
	return message(u, u.Email, ct, err)
}

// PasswordChanged confirms u's new password; reset says it came by link.
func (c *Composer) PasswordChanged(u *models.User, reset bool) (*models.Mail, error) {
	ct, err := c.letters.PasswordChanged(PasswordChanged{Greeting: c.greeting(u), Reset: reset, When: c.now(), ForgotURL: c.base + ForgotPath})
	return message(u, u.Email, ct, err)
}

// NewSignIn reports a sign-in to u from userAgent at clientIP, now.
func (c *Composer) NewSignIn(u *models.User, userAgent, clientIP string) (*models.Mail, error) {
	ct, err := c.letters.NewSignIn(NewSignIn{Greeting: c.greeting(u), UserAgent: userAgent, Address: clientIP, When: c.now(),
		SessionsURL: c.base + SessionsPath})
	return message(u, u.Email, ct, err)
}

// FailedSignIn tells u that a browser that never signed in to the account
// failed to, from clientIP, now.
func (c *Composer) FailedSignIn(u *models.User, clientIP string) (*models.Mail, error) {
	ct, err := c.letters.FailedSignIn(FailedSignIn{Greeting: c.greeting(u), Address: clientIP, When: c.now(), AccountURL: c.base + "/account"})
	return message(u, u.Email, ct, err)
}

// NotificationSettingsPath is where members choose notifications by mail.
const NotificationSettingsPath = "/notifications/settings"

// Notification tells u by mail what n, as u may see it, says.
func (c *Composer) Notification(u *models.User, n models.ShownNotification) (*models.Mail, error) {
	v := Notification{Greeting: c.greeting(u), ShownNotification: n, SettingsURL: c.base + NotificationSettingsPath}
	if n.Path != "" {
		v.Link = c.base + n.Path
	}
	ct, err := c.letters.Notification(v)
	return message(u, u.Email, ct, err)
}
