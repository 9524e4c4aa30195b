package models

import (
	"context"
	"time"
)

// Identity links an account to a social provider's subject.
type Identity struct {
	ID        int64
	UserID    int64
	Provider  string
	Subject   string
	Email     string
	CreatedAt time.Time
}

// ExternalIdentity is a provider's word on who signed in there.
type ExternalIdentity struct {
	Provider      string // "google", "facebook"
	Subject       string
	Email         string
	EmailVerified bool // the provider vouches that this person controls Email
	Name          string
}

// Identities reads and writes linked provider identities.
type Identities interface {
	// Find returns the identity for (provider, subject) or ErrNotFound.
	Find(ctx context.Context, provider, subject string) (*Identity, error)
	ForUser(ctx context.Context, userID int64) ([]*Identity, error)
	// Link attaches an identity to an existing account, audited; ErrConflict
	// if it is linked already or the account has one for this provider.
	Link(ctx context.Context, i *Identity, by Actor) error
	// CreateUser makes a password-less account for a first social sign-in
	// with its identity and audit rows, in one transaction.
	CreateUser(ctx context.Context, n NewUser, ext ExternalIdentity, clientIP string) (*User, error)
	// Unlink removes the user's identity for provider unless it is their
	// last way to sign in (ErrLastSignInMethod), checked in the same
	// transaction.
	Unlink(ctx context.Context, userID int64, provider string, by Actor) error
}
