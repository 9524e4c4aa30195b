package models

import (
	"context"
	"time"
)

// Role is what a user may do beyond being a member.
type Role string

const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
)

// User is a person with an account on the board. It carries no secret: the
// password hash is read only by the auth service, through Users.Credentials.
type User struct {
	ID            int64
	Email         string
	EmailVerified bool
	DisplayName   string
	HasPassword   bool // false for accounts that only sign in through a provider
	Role          Role
	SuspendedAt   *time.Time
	SuspendReason string
	CreatedAt     time.Time
}

func (u *User) IsAdmin() bool     { return u != nil && u.Role == RoleAdmin }
func (u *User) IsSuspended() bool { return u != nil && u.SuspendedAt != nil }

// NewUser is what registration (or a first social sign-in) provides.
type NewUser struct {
	Email         string
	EmailVerified bool
	DisplayName   string
	PasswordHash  string // "" for an account without a password
}

// Users reads and writes accounts. Every change is one transaction with its
// audit row; changes that alter what a member may do end their sessions and
// their API tokens in that transaction.
type Users interface {
	// Create adds a member and records the registration (detail says how,
	// e.g. "via google"); ErrConflict means the email is taken.
	Create(ctx context.Context, n NewUser, detail string, by Actor) (*User, error)
	ByID(ctx context.Context, id int64) (*User, error)
	// ByEmail matches case-insensitively; ErrNotFound if there is none.
	ByEmail(ctx context.Context, email string) (*User, error)
	// Credentials returns the account and its password hash ("" if it has
	// none), for the auth service only.
	Credentials(ctx context.Context, email string) (*User, string, error)
	PasswordHash(ctx context.Context, id int64) (string, error)
	// List returns users, newest first, for the admin page.
	List(ctx context.Context, limit int) ([]*User, error)
	// SetSuspended suspends (with a reason, ending every session) or reinstates.
	SetSuspended(ctx context.Context, id int64, suspended bool, reason string, by Actor) error
	// SetRole grants or revokes admin and ends the user's sessions.
	SetRole(ctx context.Context, id int64, role Role, by Actor) error
	// SetPassword stores a new hash and ends every session but keepSession
	// (an index hash, "" for none); it returns how many ended.
	SetPassword(ctx context.Context, id int64, hash, keepSession string, by Actor) (int, error)
	// UpdateProfile changes email and display name; a new email is
	// unverified. ErrConflict means another account has the email.
	UpdateProfile(ctx context.Context, u *User, email, displayName string, by Actor) error
	// Delete removes an account with its sessions and identities; with
	// keepPosts its posts and comments stay, shown as by a deleted member.
	Delete(ctx context.Context, id int64, keepPosts bool, by Actor) error
}
