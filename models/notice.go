package models

import (
	"context"
	"time"
)

// SignInNotice tells a member that strangers failed to sign in to their
// account: failed password sign-ins from browsers that had not signed in to
// it before, gathered into one record until the member dismisses it.
type SignInNotice struct {
	ID       int64
	UserID   int64
	Failures int
	Since    time.Time
	Latest   time.Time
	LatestIP string
}

// Notices keeps the records the board shows members about their account.
type Notices interface {
	// SignInFailed records a failed sign-in in the audit log and, when
	// notify is set and e.TargetID names a member, adds it to that member's
	// open notice, in one transaction; mail (if not nil) is queued only when
	// this failure opens a notice, so a member hears once per notice.
	SignInFailed(ctx context.Context, e AuditEvent, notify bool, mail *Mail) error
	// Open returns the member's undismissed notice, or ErrNotFound.
	Open(ctx context.Context, userID int64) (*SignInNotice, error)
	// Dismiss closes one of the member's notices; ErrNotFound if it is not theirs.
	Dismiss(ctx context.Context, userID, id int64) error
}
