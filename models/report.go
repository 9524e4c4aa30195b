package models

import (
	"context"
	"errors"
	"time"
)

// ContentRef names a post or a comment: what members report and moderators act on.
type ContentRef struct {
	Type string // "post" or "comment"
	ID   int64
}

func PostRef(id int64) ContentRef    { return ContentRef{Type: "post", ID: id} }
func CommentRef(id int64) ContentRef { return ContentRef{Type: "comment", ID: id} }

// ReportStatus is where a report stands: open until a moderator decides.
type ReportStatus string

const (
	ReportOpen      ReportStatus = "open"
	ReportHidden    ReportStatus = "hidden"    // a moderator hid the content
	ReportDismissed ReportStatus = "dismissed" // a moderator found nothing to do
	ReportDeleted   ReportStatus = "deleted"   // a moderator deleted the content
)

// ErrAlreadyReported refuses a second report of the same item by the same member.
var ErrAlreadyReported = errors.New("you already reported this")

// Report is one member's report of a post or comment.
type Report struct {
	ID           int64
	Target       ContentRef
	PostID       int64 // the post, or the comment's post
	ReporterID   int64 // 0 once the reporter's account is gone
	ReporterName string
	Reason       string
	CreatedAt    time.Time
	Status       ReportStatus
	ResolvedAt   *time.Time
}

// ReportedItem is a post or comment with its open reports, as the queue
// shows it: the content as it is now, and who reported it and why.
type ReportedItem struct {
	Target     ContentRef
	PostID     int64
	PostTitle  string
	Body       string // the post's or the comment's text
	AuthorID   int64
	AuthorName string
	HiddenAt   *time.Time
	Reports    []*Report // oldest first
}

// First is the item's oldest open report, which places it in the queue.
func (r *ReportedItem) First() *Report { return r.Reports[0] }

// ReportQueue is one page of the moderation queue, oldest report first.
type ReportQueue struct {
	Items     []*ReportedItem
	NextAfter int64 // the first report id of the next page; 0 when this is the last
	Open      int   // open reports in the whole queue
}

// Reports keeps members' reports and settles them. Reports about content
// that its author has since deleted drop out of the queue.
type Reports interface {
	// Create files a report and records it in the audit log;
	// ErrAlreadyReported if the member reported this item before.
	Create(ctx context.Context, target ContentRef, reason string, by Actor) (*Report, error)
	// ByID returns a report, or ErrNotFound.
	ByID(ctx context.Context, id int64) (*Report, error)
	// Queue lists reported items whose first open report has id > after,
	// oldest first.
	Queue(ctx context.Context, after int64, limit int) (*ReportQueue, error)
	// ReportedIn tells which items of a thread (the post and its comments)
	// a member has reported, and when.
	ReportedIn(ctx context.Context, reporterID, postID int64) (map[ContentRef]time.Time, error)
	// Dismiss closes every open report on target without touching it, tells
	// each reporter, and records it; it returns how many it closed.
	Dismiss(ctx context.Context, target ContentRef, by Actor) (int, error)
}
