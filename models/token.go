package models

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// SigningKey is one key the board signs tokens with. The newest live key of
// an algorithm signs; a retired key signs nothing new but stays published
// until the last token it signed has expired.
type SigningKey struct {
	ID        string // the JWS "kid"
	Algorithm string // "ES256" for access tokens
	Private   PrivateKey
	CreatedAt time.Time
	RetiredAt *time.Time
}

// PrivateKey is a signing key in PKCS#8 form. It prints as [redacted], so a
// log line or a %v never shows it.
type PrivateKey []byte

// Format prints "[redacted]" for every verb.
func (PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, "[redacted]") }
func (PrivateKey) LogValue() slog.Value       { return slog.StringValue("[redacted]") }
func (PrivateKey) MarshalText() ([]byte, error) {
	return []byte("[redacted]"), nil
}

// SigningKeys keeps the board's signing keys.
type SigningKeys interface {
	// List returns every stored key, newest first.
	List(ctx context.Context) ([]*SigningKey, error)
	// Create stores a key (the first of its algorithm, made on first start).
	Create(ctx context.Context, k *SigningKey) error
	// Rotate stores k, retires every other live key of its algorithm,
	// deletes keys retired before pruneBefore, and audits the rotation, in
	// one transaction.
	Rotate(ctx context.Context, k *SigningKey, pruneBefore time.Time, by Actor) error
}

// TokenFamily is one sign-in of an API client: every access and refresh
// token descended from one grant. Revoking the family ends all of them.
type TokenFamily struct {
	ID           int64
	UserID       int64
	ClientID     string // who asked: "board" for the first-party token endpoint
	Scope        string // space-separated
	CreatedAt    time.Time
	LastUsedAt   time.Time
	ExpiresAt    time.Time // absolute: no refresh extends a family past it
	RevokedAt    *time.Time
	RevokeReason string
	UserAgent    string
	ClientIP     string
}

// NewTokenFamily is a grant about to be issued. How says how the member
// proved who they are ("with password"), for the audit row.
type NewTokenFamily struct {
	UserID    int64
	ClientID  string
	Scope     string
	UserAgent string
	ClientIP  string
	ExpiresAt time.Time
	How       string
}

// RefreshToken is a refresh token as stored: only its hash.
type RefreshToken struct {
	Hash      string
	ExpiresAt time.Time
}

// TokenHolder is what a bearer request needs beyond the signature: its
// family's state and its member as they are now.
type TokenHolder struct {
	Family *TokenFamily
	User   *User
	// TokensValidAfter cuts off every token the member was issued before it
	// (a password change, "sign out everywhere else", a suspension).
	TokensValidAfter time.Time
}

// FamilyRevoked refuses a token whose family was revoked; Reused means
// this very request presented a spent refresh token, and revoked it.
type FamilyRevoked struct {
	FamilyID int64
	Reason   string
	Reused   bool
}

func (e *FamilyRevoked) Error() string { return "token family revoked: " + e.Reason }

// Why a family was revoked, kept with it and shown to its member.
const (
	RevokedRefreshReused  = "a refresh token was used twice"
	RevokedByMember       = "revoked by its member"
	RevokedByClient       = "revoked by the client"
	RevokedPasswordChange = "the password changed"
	RevokedSuspended      = "the account was suspended"
	RevokedRoleChange     = "the member's role changed"
)

// TokenFamilies keeps refresh-token families.
type TokenFamilies interface {
	// Start opens a family with its first refresh token and audits the
	// issue, in one transaction. It also forgets the member's families
	// that have expired.
	Start(ctx context.Context, f NewTokenFamily, first RefreshToken) (*TokenFamily, error)
	// Rotate spends the refresh token with hash used and adds next to its
	// family, returning the family's holder. A token spent before revokes
	// its whole family (audited) and returns *FamilyRevoked with Reused; a
	// token of a revoked family returns *FamilyRevoked; an unknown or
	// expired one ErrNotFound.
	Rotate(ctx context.Context, used string, next RefreshToken, by Actor) (*TokenHolder, error)
	// RevokeByRefresh revokes the family of a refresh token, audited;
	// ErrNotFound if no live family has it.
	RevokeByRefresh(ctx context.Context, hash, why string, by Actor) error
	// Revoke revokes one of userID's families, audited; ErrNotFound if it
	// is not theirs or not live.
	Revoke(ctx context.Context, userID, familyID int64, why string, by Actor) error
	// ForUser lists a member's live families, most recently used first.
	ForUser(ctx context.Context, userID int64) ([]*TokenFamily, error)
	// Holder is the one indexed lookup of a bearer request: the family and
	// its member, whatever their state (ErrNotFound once either is gone).
	// At most once a minute it notes the family as used.
	Holder(ctx context.Context, familyID int64) (*TokenHolder, error)
}
