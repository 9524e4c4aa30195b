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

// StoredSession is a session as the database holds it: the session
// manager's data, and for a member's session the member and whether the
// index still holds it.
type StoredSession struct {
	Data     []byte
	Member   *User // nil unless the index holds the session for a member
	Live     bool  // indexed, not revoked, not idle too long
	LastSeen time.Time
}

// SessionIndex lists members' sessions so they can see and end them. A
// session without a live row here is refused, so deleting the row is what
// ends it, on every instance at once.
type SessionIndex interface {
	// Record indexes a new session (and audits the sign-in, if it is one).
	Record(ctx context.Context, s NewSession) error
	// Load reads a stored session by its hash together with its index row
	// and member, in one lookup: every signed-in request starts here. It is
	// nil if there is no such session or it has expired.
	Load(ctx context.Context, hash string) (*StoredSession, error)
	// Seen notes that a live session was used now from clientIP, extending
	// its expiry to idleUntil. Callers write at most once a minute per
	// session (StoredSession.LastSeen says when it last was).
	Seen(ctx context.Context, hash, clientIP string, idleUntil time.Time) error
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
