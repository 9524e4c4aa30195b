// Package auth is the board's authentication service: password sign-in,
// registration, social identity resolution (the no-auto-link rule),
// re-authentication and password changes. Each is one call that handlers
// make after binding a form; each writes its audit row in the same
// transaction as its change. It knows nothing of HTTP or SQL.
package auth

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"time"

	"board/models"
	"board/models/mail"
)

// ThrottleWindow is the throttle store's window for keys that name none;
// every limit is in models/policy.go.
const ThrottleWindow = models.SignInWindow

// Errors the handlers turn into pages.
var (
	// ErrBadCredentials is the one answer for an unknown email and a wrong
	// password alike.
	ErrBadCredentials = errors.New("that email and password do not match an account")
	// ErrWrongPassword is a failed re-authentication of a signed-in member.
	ErrWrongPassword = errors.New("the current password is not correct")
	// ErrEmailTaken refuses a registration for an email that has an account.
	ErrEmailTaken = errors.New("an account with this email already exists")
	// ErrNoEmail means a provider did not share a usable email address.
	ErrNoEmail = errors.New("the provider did not share an email address")
	// ErrAccountExists means a provider's email belongs to an account the
	// board may not link automatically: the person must sign in and link.
	ErrAccountExists = errors.New("an account with this email exists and cannot be linked automatically")
	// ErrNotYourIdentity means a re-authentication named another identity.
	ErrNotYourIdentity = errors.New("that provider account is not the one connected")
)

// Throttled is a refusal because too many attempts were made.
type Throttled struct {
	Wait time.Duration
	What string // "failed sign-ins", "registrations"
	// Per says whom the limit counts against; "" is the client's network
	// or the account, as for sign-ins.
	Per string
}

// CountedAgainst says whom the limit counts against, for a message.
func (t *Throttled) CountedAgainst() string {
	if t.Per == "" {
		return "from your network or for this account"
	}
	return t.Per
}

func (t *Throttled) Error() string { return "too many " + t.What }

// Service runs the workflows over the board's stores.
type Service struct {
	st   *models.Stores
	mail *mail.Composer
	now  func() time.Time
	// argonSlots bounds concurrent argon2id runs (19 MiB each) in this
	// process, so a burst of sign-ins queues instead of exhausting memory.
	argonSlots chan struct{}
}

// New builds the service; composer writes the mail its workflows send,
// now is the board's clock.
func New(st *models.Stores, composer *mail.Composer, now func() time.Time) *Service {
	return &Service{st: st, mail: composer, now: now, argonSlots: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// SignIn checks a password sign-in and returns the member. devices are the
// device cookies the browser holds: one for this account gives it its own
// allowance of failures (models.SignInKeys). Limits are checked (and the
// attempt counted) before the password, for known and unknown emails alike,
// so throttling reveals nothing; unknown email and wrong password cost the
// same argon2id work and get the same error. Failures from browsers without
// the account's device cookie go into the member's sign-in notice.
func (s *Service) SignIn(ctx context.Context, email, password string, devices []models.Device, from models.Actor) (*models.User, error) {
	var u *models.User
	var hash string
	var err error
	// A malformed address names no account (the placeholder of an account
	// whose address went to its verified owner included).
	if models.ValidateEmail(email) == "" {
		u, hash, err = s.st.Users.Credentials(ctx, email)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
	}
	device := ""
	for _, d := range devices {
		if u != nil && d.UserID == u.ID {
			device = strconv.FormatInt(d.UserID, 10) + ":" + d.ID
		}
	}
	keys := models.SignInKeys(email, from.ClientIP, device)
	attempt, wait, err := s.st.Throttle.Begin(ctx, keys...)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, &Throttled{Wait: wait, What: "failed sign-ins"}
	}
	ok, err := s.CheckPassword(ctx, password, hash)
	if err != nil {
		return nil, err
	}
	if !ok || u == nil {
		failed := models.AuditEvent{Kind: models.AuditSignInFailed, TargetType: "user", ClientIP: from.ClientIP, Detail: "not an email address"}
		if u != nil {
			failed.TargetID = u.ID
		}
		// Only a well-formed address is kept: people type passwords into the email field.
		if models.ValidateEmail(email) == "" {
			failed.Detail = email
		}
		var warning *models.Mail
		if u != nil && device == "" {
			if warning, err = s.mail.FailedSignIn(u, from.ClientIP); err != nil {
				return nil, err
			}
		}
		if err := s.st.Notices.SignInFailed(ctx, failed, device == "", warning); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if err := models.CanSignIn(u, "").Err(); err != nil {
		// The attempt stays counted: it bounds how often anyone can confirm
		// a suspended account's password.
		if aerr := s.st.Audit.Record(ctx, models.AuditEvent{Kind: models.AuditSignInFailed, TargetType: "user", TargetID: u.ID,
			ClientIP: from.ClientIP, Detail: "account suspended"}); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err := s.st.Throttle.Succeeded(ctx, attempt, models.SignInResets(keys)...); err != nil {
		return nil, err
	}
	return u, nil
}

// Register creates a password account, audited in the same transaction.
// Invalid input comes back as field errors, not as an error.
func (s *Service) Register(ctx context.Context, email, displayName, password string, from models.Actor) (*models.User, models.FieldErrors, error) {
	if errs := models.ValidateRegistration(email, displayName, password); len(errs) > 0 {
		return nil, errs, nil
	}
	// Every attempt counts against the address: it bounds both argon2id
	// work and probing which emails have accounts.
	if _, wait, err := s.st.Throttle.Begin(ctx, models.RegisterKey(from.ClientIP)); err != nil {
		return nil, nil, err
	} else if wait > 0 {
		return nil, nil, &Throttled{Wait: wait, What: "registrations"}
	}
	if _, err := s.st.Users.ByEmail(ctx, email); err == nil {
		return nil, nil, ErrEmailTaken
	} else if !errors.Is(err, models.ErrNotFound) {
		return nil, nil, err
	}
	hash, err := s.HashPassword(ctx, password)
	if err != nil {
		return nil, nil, err
	}
	n := models.NewUser{Email: email, DisplayName: displayName, PasswordHash: hash}
	if n.Verification, err = s.mail.Verification(&models.User{Email: email, DisplayName: displayName}, true); err != nil {
		return nil, nil, err
	}
	u, err := s.st.Users.Create(ctx, n, "", from)
	if errors.Is(err, models.ErrConflict) {
		return nil, nil, ErrEmailTaken
	}
	return u, nil, err
}

// ResolveIdentity finds or creates the account for a provider identity,
// refusing the cases where other boards were taken over: an identity is
// keyed by (provider, subject), never by email, and is attached to an
// existing account found by email only under models.MayLinkByEmail. An
// account squatting the address unverified gives it up to the provider's
// vouched-for owner (models.MayTakeOverEmail), who gets a new account.
func (s *Service) ResolveIdentity(ctx context.Context, ext models.ExternalIdentity, label string, from models.Actor) (*models.User, error) {
	existing, err := s.st.Identities.Find(ctx, ext.Provider, ext.Subject)
	if err == nil {
		return s.st.Users.ByID(ctx, existing.UserID)
	}
	if !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	if ext.Email == "" || models.ValidateEmail(ext.Email) != "" {
		return nil, ErrNoEmail
	}
	account, err := s.st.Users.ByEmail(ctx, ext.Email)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return s.createFor(ctx, ext, 0, from)
	case err != nil:
		return nil, err
	case models.MayTakeOverEmail(ext.EmailVerified, account):
		return s.createFor(ctx, ext, account.ID, from)
	case account.IsSuspended():
		return nil, models.CanSignIn(account, label).Err() // refused before anything is linked
	case models.MayLinkByEmail(ext.EmailVerified, account):
		err := s.st.Identities.Link(ctx, identityOf(account.ID, ext), models.Actor{UserID: account.ID, ClientIP: from.ClientIP})
		return account, err
	}
	return nil, ErrAccountExists
}

// createFor makes the account of a first sign-in through a provider,
// taking the address from account takeOver if not 0. An address the
// provider does not vouch for gets a verification link.
func (s *Service) createFor(ctx context.Context, ext models.ExternalIdentity, takeOver int64, from models.Actor) (*models.User, error) {
	name := strings.TrimSpace(models.Truncate(ext.Name, models.MaxDisplayName))
	if models.ValidateDisplayName(name) != "" {
		name = strings.SplitN(ext.Email, "@", 2)[0]
	}
	n := models.NewUser{Email: ext.Email, EmailVerified: ext.EmailVerified, DisplayName: name, TakeOver: takeOver}
	if !n.EmailVerified {
		var err error
		if n.Verification, err = s.mail.Verification(&models.User{Email: n.Email, DisplayName: name}, true); err != nil {
			return nil, err
		}
	}
	u, err := s.st.Identities.CreateUser(ctx, n, ext, from.ClientIP)
	if errors.Is(err, models.ErrConflict) && takeOver != 0 {
		return nil, ErrAccountExists // the holder verified the address meanwhile
	}
	return u, err
}

// Link attaches a provider identity to the signed-in member's account.
func (s *Service) Link(ctx context.Context, u *models.User, ext models.ExternalIdentity, from models.Actor) error {
	return s.st.Identities.Link(ctx, identityOf(u.ID, ext), from)
}

func identityOf(userID int64, ext models.ExternalIdentity) *models.Identity {
	return &models.Identity{UserID: userID, Provider: ext.Provider, Subject: ext.Subject, Email: ext.Email}
}

// ConfirmIdentity accepts a provider re-authentication only if it names the
// identity already connected to u.
func (s *Service) ConfirmIdentity(ctx context.Context, u *models.User, ext models.ExternalIdentity) error {
	existing, err := s.st.Identities.Find(ctx, ext.Provider, ext.Subject)
	if errors.Is(err, models.ErrNotFound) || (err == nil && existing.UserID != u.ID) {
		return ErrNotYourIdentity
	}
	return err
}

// ConfirmPassword re-authenticates a signed-in member before a sensitive
// change. Wrong passwords are limited per session (session names it in the
// index), apart from sign-in: a stolen session cannot guess on, and nobody
// holding a session, even the member's own scanner, can lock the member out
// of signing in.
func (s *Service) ConfirmPassword(ctx context.Context, u *models.User, password, session string, from models.Actor) error {
	key := models.ReauthKey(session)
	attempt, wait, err := s.st.Throttle.Begin(ctx, key)
	if err != nil {
		return err
	}
	if wait > 0 {
		return &Throttled{Wait: wait, What: "failed sign-ins"}
	}
	hash, err := s.st.Users.PasswordHash(ctx, u.ID)
	if err != nil {
		return err
	}
	ok, err := s.CheckPassword(ctx, password, hash)
	if err != nil {
		return err
	}
	if ok {
		return s.st.Throttle.Succeeded(ctx, attempt, key.Key)
	}
	if err := s.st.Audit.Record(ctx, models.AuditEvent{ActorID: u.ID, ClientIP: from.ClientIP, Kind: models.AuditReauthFailed,
		TargetType: "user", TargetID: u.ID}); err != nil {
		return err
	}
	return ErrWrongPassword
}

// SetPassword stores a new password for u (already re-authenticated and
// checked with models.ValidatePassword), ends every session but
// keepSession and tells the member by mail; it returns how many ended.
func (s *Service) SetPassword(ctx context.Context, u *models.User, password, keepSession string, from models.Actor) (int, error) {
	if msg := models.ValidatePassword(password); msg != "" {
		return 0, errors.New("auth: refusing an invalid password: " + msg)
	}
	hash, err := s.HashPassword(ctx, password)
	if err != nil {
		return 0, err
	}
	notice, err := s.mail.PasswordChanged(u, false)
	if err != nil {
		return 0, err
	}
	return s.st.Users.SetPassword(ctx, u.ID, hash, keepSession, notice, from)
}

// withArgonSlot runs fn once one of the limited argon2id slots is free.
func (s *Service) withArgonSlot(ctx context.Context, fn func()) error {
	select {
	case s.argonSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.argonSlots }()
	fn()
	return nil
}

// HashPassword hashes within the process's argon2id bound.
func (s *Service) HashPassword(ctx context.Context, password string) (hash string, err error) {
	if slotErr := s.withArgonSlot(ctx, func() { hash, err = HashPassword(password) }); slotErr != nil {
		return "", slotErr
	}
	return hash, err
}

// CheckPassword checks within the process's argon2id bound.
func (s *Service) CheckPassword(ctx context.Context, password, hash string) (ok bool, err error) {
	if slotErr := s.withArgonSlot(ctx, func() { ok, err = CheckPassword(password, hash) }); slotErr != nil {
		return false, slotErr
	}
	return ok, err
}
