package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// TokenPurpose is what a mailed link may do; a token is only ever accepted
// for the purpose it was issued for.
type TokenPurpose string

const (
	TokenVerifyEmail   TokenPurpose = "verify_email"   // proves the account's current address
	TokenChangeEmail   TokenPurpose = "change_email"   // proves a new address before it replaces the old one
	TokenResetPassword TokenPurpose = "reset_password" // sets a new password
)

// TTL is how long a link of this purpose stays valid: a password reset is
// a key to the account, so it is short-lived.
func (p TokenPurpose) TTL() time.Duration {
	if p == TokenResetPassword {
		return 30 * time.Minute
	}
	return 24 * time.Hour
}

// IssuedKind is the audit kind of sending a link of this purpose.
func (p TokenPurpose) IssuedKind() AuditKind {
	switch p {
	case TokenChangeEmail:
		return AuditEmailChangeRequested
	case TokenResetPassword:
		return AuditPasswordResetRequested
	}
	return AuditVerificationSent
}

// MailToken is a single-use token as the board keeps it: only the hash of
// what the link carries.
type MailToken struct {
	Hash      string
	UserID    int64
	Purpose   TokenPurpose
	Email     string // the address the link was sent to, which using it proves
	ExpiresAt time.Time
}

// TokenBytes is the size of a token's secret: 256 random bits.
const TokenBytes = 32

// NewTokenSecret returns a fresh token for a link and the hash to store.
func NewTokenSecret() (secret, hash string) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, TokenHash(secret)
}

// TokenHash is how a token is stored and looked up. A fast hash is enough:
// the secret has 256 random bits, so there is nothing to guess.
func TokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TokenMail is a token and the message that carries its link, stored
// together or not at all.
type TokenMail struct {
	Token MailToken
	Mail  *Mail
}

// MailTokens keeps the links the board mails and carries out what they
// do. Using a token deletes it in the same statement that finds it, so a
// link works once even when clicked twice at the same moment.
type MailTokens interface {
	// Issue stores a token with its mail and any notices, voiding the
	// user's older tokens of the same purpose, audited, in one transaction.
	Issue(ctx context.Context, t TokenMail, notices []*Mail, by Actor) error
	// Peek returns the live token with this hash if it has one of purposes,
	// without using it; ErrNotFound otherwise.
	Peek(ctx context.Context, hash string, purposes ...TokenPurpose) (*MailToken, error)
	// Pending returns the user's live token of purpose, or ErrNotFound.
	Pending(ctx context.Context, userID int64, purpose TokenPurpose) (*MailToken, error)
	// ConfirmEmail uses a verify or change token: the address it was sent
	// to becomes the account's, verified. An account holding that address
	// unverified gives it up (MayTakeOverEmail), audited. ErrNotFound: no
	// such live token, or the account's address changed since; ErrConflict:
	// another account holds the address verified.
	ConfirmEmail(ctx context.Context, hash string, by Actor) (*User, error)
	// ResetPassword uses a reset token: it sets the password, marks the
	// address verified (the link reached it), ends every way the account is
	// signed in, queues notice and audits, in one transaction. It returns
	// the account and how many sessions ended.
	ResetPassword(ctx context.Context, hash, passwordHash string, notice *Mail, by Actor) (*User, int, error)
}
