package models

import (
	"context"
	"strconv"
	"strings"
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

// releasedDomain marks the placeholder an account keeps after its
// unverified address went to the address's verified owner. The email column
// is required and unique, so the placeholder is unique too. It is under
// the reserved .invalid domain (RFC 2606), which ValidateEmail refuses, so
// nobody can register it, type it to sign in, or receive mail there.
const releasedDomain = "@address.invalid"

// ReleasedEmail is the placeholder address of account id.
func ReleasedEmail(id int64) string { return "released-" + strconv.FormatInt(id, 10) + releasedDomain }

// EmailReleased reports whether the account gave its address up to the
// address's verified owner and has none now.
func (u *User) EmailReleased() bool { return IsReleasedEmail(u.Email) }

// IsReleasedEmail reports whether email is such a placeholder.
func IsReleasedEmail(email string) bool { return strings.HasSuffix(email, releasedDomain) }

// NewUser is what registration (or a first social sign-in) provides.
type NewUser struct {
	Email         string
	EmailVerified bool
	DisplayName   string
	PasswordHash  string // "" for an account without a password
	// TakeOver, if not 0, is the account holding Email unverified: it gives
	// the address up in the same transaction (MayTakeOverEmail), or the
	// creation fails with ErrConflict if it no longer may.
	TakeOver int64
	// Verification, if set, is the link proving Email, stored and queued
	// with the account.
	Verification *TokenMail
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
	// Search pages through members whose display name or email contains
	// the query's text (any case), newest first, with the total.
	Search(ctx context.Context, q MemberQuery) (*MemberPage, error)
	// SetSuspended, SetRole and ReleaseEmail check inside their transaction
	// that by is still an active admin other than the target (by.UserID 0 is
	// the operator's command line): ErrRefusedAtWrite if not.
	//
	// SetSuspended suspends (with a reason, ending every session) or reinstates.
	SetSuspended(ctx context.Context, id int64, suspended bool, reason string, by Actor) error
	// SetRole grants or revokes admin and ends the user's sessions.
	SetRole(ctx context.Context, id int64, role Role, by Actor) error
	// ReleaseEmail takes an unverified address off an account, which keeps
	// its content under a placeholder address it returns; audited.
	ReleaseEmail(ctx context.Context, id int64, by Actor) (string, error)
	// SetPassword stores a new hash, ends every session but keepSession
	// (an index hash, "" for none) and queues notice (if not nil); it
	// returns how many sessions ended.
	SetPassword(ctx context.Context, id int64, hash, keepSession string, notice *Mail, by Actor) (int, error)
	// UpdateProfile changes the display name. The email changes only
	// through a link to the new address (MailTokens.ConfirmEmail).
	UpdateProfile(ctx context.Context, u *User, displayName string, by Actor) error
	// Delete removes an account with its sessions and identities; with
	// keepPosts its posts and comments stay, shown as by a deleted member.
	Delete(ctx context.Context, id int64, keepPosts bool, by Actor) error
}

// MemberQuery is the admin's member search.
type MemberQuery struct {
	Text    string // part of a display name or email; "" for everyone
	Page    int    // from 1
	PerPage int
}

// MemberPage is one page of a member search, with where it stands.
type MemberPage struct {
	Members []*User
	Total   int // members matching, on every page
	Page    int
	PerPage int
}

// Pages is how many pages the search has (at least 1).
func (p *MemberPage) Pages() int {
	if p.Total == 0 || p.PerPage <= 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}
