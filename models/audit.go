package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// AuditKind names one kind of recorded event.
type AuditKind string

// Every kind of audit event, defined once.
const (
	AuditSignIn           AuditKind = "sign_in"
	AuditSignInFailed     AuditKind = "sign_in_failed"
	AuditSignOut          AuditKind = "sign_out"
	AuditRegister         AuditKind = "register"
	AuditPostHidden       AuditKind = "post_hidden"
	AuditPostRestored     AuditKind = "post_restored"
	AuditCommentHidden    AuditKind = "comment_hidden"
	AuditCommentRestored  AuditKind = "comment_restored"
	AuditUserSuspended    AuditKind = "user_suspended"
	AuditUserReinstated   AuditKind = "user_reinstated"
	AuditRoleGranted      AuditKind = "role_granted"
	AuditRoleRevoked      AuditKind = "role_revoked"
	AuditIdentityLinked   AuditKind = "identity_linked"
	AuditIdentityUnlinked AuditKind = "identity_unlinked"
	AuditSessionRevoked   AuditKind = "session_revoked"
	AuditSessionsEnded    AuditKind = "sessions_ended"
	AuditPasswordChanged  AuditKind = "password_changed"
	AuditEmailChanged     AuditKind = "email_changed"
	AuditNameChanged      AuditKind = "display_name_changed"
	AuditAccountDeleted   AuditKind = "account_deleted"
	AuditReauthFailed     AuditKind = "reauth_failed"

	AuditVerificationSent       AuditKind = "verification_sent"
	AuditEmailVerified          AuditKind = "email_verified"
	AuditEmailChangeRequested   AuditKind = "email_change_requested"
	AuditEmailReleased          AuditKind = "email_released"
	AuditPasswordResetRequested AuditKind = "password_reset_requested"
	AuditPasswordReset          AuditKind = "password_reset"
	AuditMailFailed             AuditKind = "mail_failed"
	AuditTokenIssued            AuditKind = "token_issued"
	AuditTokenReused            AuditKind = "refresh_token_reused"
	AuditTokenRevoked           AuditKind = "token_family_revoked"
	AuditKeyRotated             AuditKind = "signing_key_rotated"

	AuditReportFiled      AuditKind = "report_filed"
	AuditReportsDismissed AuditKind = "reports_dismissed"
	AuditPostDeleted      AuditKind = "post_deleted"    // by a moderator; authors' own deletions are not audited
	AuditCommentDeleted   AuditKind = "comment_deleted" // likewise
)

// AuditKinds lists every kind, for the admin page's filter.
func AuditKinds() []AuditKind {
	return []AuditKind{AuditSignIn, AuditSignInFailed, AuditSignOut, AuditRegister, AuditPostHidden, AuditPostRestored,
		AuditCommentHidden, AuditCommentRestored, AuditUserSuspended, AuditUserReinstated, AuditRoleGranted, AuditRoleRevoked,
		AuditIdentityLinked, AuditIdentityUnlinked, AuditSessionRevoked, AuditSessionsEnded, AuditPasswordChanged,
		AuditEmailChanged, AuditNameChanged, AuditAccountDeleted, AuditReauthFailed,
		AuditVerificationSent, AuditEmailVerified, AuditEmailChangeRequested, AuditEmailReleased, AuditPasswordResetRequested,
		AuditPasswordReset, AuditMailFailed, AuditTokenIssued, AuditTokenReused, AuditTokenRevoked, AuditKeyRotated,
		AuditReportFiled, AuditReportsDismissed, AuditPostDeleted, AuditCommentDeleted}
}

// HiddenKind is the audit kind of hiding (or restoring) a post or comment.
func HiddenKind(targetType string, hidden bool) AuditKind {
	switch {
	case targetType == "post" && hidden:
		return AuditPostHidden
	case targetType == "post":
		return AuditPostRestored
	case hidden:
		return AuditCommentHidden
	}
	return AuditCommentRestored
}

// AuditEvent is one row of the tamper-evident audit log.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    int64 // 0: anonymous or the operator's command line
	ActorName  string
	Kind       AuditKind
	TargetType string
	TargetID   int64
	Detail     string
	ClientIP   string
	PrevHash   string
	Hash       string
	// About is the target as it is now, for showing the event in words
	// (List fills it; it is not part of the hashed record).
	About AuditTarget
}

// AuditTarget describes an event's target as it is now.
type AuditTarget struct {
	Exists bool
	Name   string // a member's display name, or the post's title (for a comment, its post's)
	Owner  string // the author of a post or comment ("" if gone)
	PostID int64  // a comment's post
}

// AuditTimeLayout is how an event's time is stored and hashed.
const AuditTimeLayout = time.RFC3339Nano

// ChainHash binds a row's fields to the previous row's hash. Fields are
// length-prefixed so no two different rows encode the same.
func ChainHash(prev string, e *AuditEvent) string {
	h := sha256.New()
	for _, f := range []string{prev, strconv.FormatInt(e.ID, 10), e.At.UTC().Format(AuditTimeLayout), strconv.FormatInt(e.ActorID, 10),
		string(e.Kind), e.TargetType, strconv.FormatInt(e.TargetID, 10), e.Detail, e.ClientIP} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter narrows the admin's view of the log.
type AuditFilter struct {
	ActorID int64
	Kind    AuditKind
	Before  int64
}

// AuditPage is one page of events, newest first.
type AuditPage struct {
	Events     []*AuditEvent
	NextBefore int64
}

// ErrAuditChainBroken is returned by Verify with the first bad row's id.
type ErrAuditChainBroken struct{ ID int64 }

func (e *ErrAuditChainBroken) Error() string {
	return fmt.Sprintf("audit chain broken at event %d", e.ID)
}

// Audit appends to and reads the hash-chained audit log.
type Audit interface {
	// Record appends an event on its own; store methods that change
	// something record theirs in the same transaction instead.
	Record(ctx context.Context, e AuditEvent) error
	List(ctx context.Context, f AuditFilter, limit int) (*AuditPage, error)
	// Head returns the newest event's id and hash (0, "" when empty). A head
	// kept outside the database later proves nothing up to it was changed.
	Head(ctx context.Context) (int64, string, error)
	// HashAt returns the stored hash of event id, or ErrNotFound.
	HashAt(ctx context.Context, id int64) (string, error)
	// Verify walks the whole log in order, returning the number of rows that
	// check out and *ErrAuditChainBroken at the first that does not.
	Verify(ctx context.Context) (int, error)
}
