package models

import (
	"context"
	"time"
)

// Session is one signed-in browser of a member, as the session index knows
// it. Hash identifies it without being a usable cookie.
type Session struct {
	ID         int64
	Hash       string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	ClientIP   string
}

// NewSession is a freshly issued session to index. SignIn says how the
// member signed in ("with password", "via google"), which is audited; it is
// empty when an existing sign-in only got a new token.
type NewSession struct {
	Hash      string
	UserID    int64
	UserAgent string
	ClientIP  string
	ExpiresAt time.Time
	SignIn    string
	// NewSourceNotice, if set, is queued with a sign-in from a device (user
	// agent) or network the account has not signed in from before. An
	// account's first sign-in only records where it came from.
	NewSourceNotice *Mail
}

// SessionIndex lists members' sessions so they can see and end them. A
// session without a live row here is refused, so deleting the row is what
// ends it, on every instance at once.
type SessionIndex interface {
	// Record indexes a new session (and audits the sign-in, if it is one).
	Record(ctx context.Context, s NewSession) error
	// Resolve returns the member a session is signed in as and whether the
	// session is live (indexed, not revoked, not expired), in one lookup.
	// For a live session it notes, at most once a minute, when and from
	// where it was last used, extending its expiry to idleUntil.
	// ErrNotFound means the member is gone.
	Resolve(ctx context.Context, hash string, userID int64, clientIP string, idleUntil time.Time) (*User, bool, error)
	// Forget drops a session's row (sign-out, or a token being renewed).
	Forget(ctx context.Context, hash string) error
	// ForUser lists a user's live sessions, most recently used first.
	ForUser(ctx context.Context, userID int64) ([]*Session, error)
	// Revoke ends one of userID's sessions by its id, audited; ErrNotFound
	// if it is not theirs.
	Revoke(ctx context.Context, userID, sessionID int64, by Actor) error
	// EndAll ends every session of userID but keep's ("" ends all) and
	// every token family of theirs, records why, and returns how many
	// sessions were live.
	EndAll(ctx context.Context, userID int64, keep, why string, by Actor) (int, error)
}
