package models

import (
	"context"
	"strconv"
	"time"
)

// NotificationKind names one kind of in-app notification.
type NotificationKind string

// Every kind of notification, defined once. Each is written in the same
// transaction as the change it tells about, so mail (or any other channel)
// can hook in at the same place, per kind.
const (
	NotifyReplyToPost     NotificationKind = "reply_to_post"    // someone commented on your post
	NotifyReplyInThread   NotificationKind = "reply_in_thread"  // someone commented after you in a thread
	NotifyContentHidden   NotificationKind = "content_hidden"   // a moderator hid your post or comment
	NotifyContentRestored NotificationKind = "content_restored" // a moderator restored it
	NotifyContentDeleted  NotificationKind = "content_deleted"  // a moderator deleted it
	NotifyReportResolved  NotificationKind = "report_resolved"  // a moderator settled your report
)

// NotificationKinds lists every kind with what it tells, in words a member
// would choose by (e.g. for mail).
func NotificationKinds() []NotificationKind {
	return []NotificationKind{NotifyReplyToPost, NotifyReplyInThread, NotifyContentHidden, NotifyContentRestored,
		NotifyContentDeleted, NotifyReportResolved}
}

// Describe says what a kind of notification is about.
func (k NotificationKind) Describe() string {
	switch k {
	case NotifyReplyToPost:
		return "Someone replies to your post"
	case NotifyReplyInThread:
		return "Someone replies after you in a thread"
	case NotifyContentHidden:
		return "A moderator hides your post or comment"
	case NotifyContentRestored:
		return "A moderator restores your post or comment"
	case NotifyContentDeleted:
		return "A moderator deletes your post or comment"
	case NotifyReportResolved:
		return "A moderator settles a report you made"
	}
	return string(k)
}

// AboutReply reports whether the kind tells of someone else's comment,
// which the recipient may only hear of while they may see it.
func (k NotificationKind) AboutReply() bool {
	return k == NotifyReplyToPost || k == NotifyReplyInThread
}

// Notification is one thing a member is told. It holds references, never a
// copy of anyone else's text: what it shows of a post or comment is read
// when it is shown, through the policy (CanSeeNotification).
type Notification struct {
	ID        int64
	UserID    int64 // the recipient
	Kind      NotificationKind
	ActorID   int64 // who caused it (0: gone, or not shown)
	ActorName string
	Target    ContentRef // the post or comment it is about
	PostID    int64      // the post, or the comment's post
	ReportID  int64      // the report a NotifyReportResolved settles
	// Detail is the moderator's reason (hidden, deleted) or the report's
	// outcome; Subject the recipient's own deleted text, which only they get.
	Detail    string
	Subject   string
	CreatedAt time.Time
	ReadAt    *time.Time
	// What it is about, as it is now: nil once deleted.
	Post    *Post
	Comment *Comment
	Report  *Report // for NotifyReportResolved
}

func (n *Notification) Unread() bool { return n.ReadAt == nil }

// NotificationPage is one page of a member's notifications, newest first.
type NotificationPage struct {
	Notifications []*Notification
	NextBefore    int64
}

// Notifications keeps members' notifications. They are created by the
// stores whose changes cause them, inside the same transaction.
type Notifications interface {
	// List returns up to limit of a member's notifications with id < before
	// (0: from the newest), newest first; unreadOnly narrows to unread ones.
	List(ctx context.Context, userID int64, unreadOnly bool, before int64, limit int) (*NotificationPage, error)
	// MarkRead marks one of the member's notifications read; ErrNotFound if
	// it is not theirs.
	MarkRead(ctx context.Context, userID, id int64) error
	// MarkAllRead marks every notification of the member read up to id
	// (inclusive), so one arriving meanwhile stays unread; it returns how many.
	MarkAllRead(ctx context.Context, userID, upTo int64) (int, error)

	// MailKinds are the kinds the member also gets by mail.
	MailKinds(ctx context.Context, userID int64) (map[NotificationKind]bool, error)
	// SetMailKinds replaces them; notifications already written keep the
	// choice made when they were.
	SetMailKinds(ctx context.Context, userID int64, kinds []NotificationKind) error
	// MailDue lists up to limit notifications waiting for their mail, oldest
	// first, with what they are about (as List does).
	MailDue(ctx context.Context, limit int) ([]*Notification, error)
	// Mailed settles a notification's mail: m is queued in the outbox in the
	// same transaction, or with m nil nothing is sent. ErrNotFound if it was
	// already settled (by another worker).
	Mailed(ctx context.Context, id int64, m *Mail) error
}

// ShownNotification is a notification as its recipient may see it now, for
// the notifications page and for mail: ShowNotification leaves out every
// text the policy does not reveal.
type ShownNotification struct {
	ID      int64
	Kind    NotificationKind
	Unread  bool
	At      time.Time
	Actor   string // who wrote the reply ("" for a moderator's action)
	What    string // "post" or "comment"
	Title   string // the post's title, "" unless the recipient may see the post
	Excerpt string // the reply's text, "" unless they may see it
	Detail  string // the moderator's reason
	Subject string // the recipient's own deleted words
	Outcome ReportStatus
	Reason  string // the recipient's own report reason
	Path    string // the page it is about, "" when there is none they may open
}

// ShowNotification is what viewer may see of n, or false if they may not
// see it at all (a reply in a thread hidden or deleted since).
func ShowNotification(viewer *User, n *Notification) (ShownNotification, bool) {
	if !CanSeeNotification(viewer, n).Allowed() {
		return ShownNotification{}, false
	}
	show := NotificationReveals(viewer, n)
	s := ShownNotification{ID: n.ID, Kind: n.Kind, Unread: n.Unread(), At: n.CreatedAt, What: n.Target.Type, Detail: n.Detail}
	if n.Kind.AboutReply() {
		s.Actor = n.ActorName
	}
	if show.PostTitle {
		s.Title, s.Path = n.Post.Title, "/posts/"+strconv.FormatInt(n.Post.ID, 10)
	}
	if show.CommentText {
		s.Path += "#comment-" + strconv.FormatInt(n.Comment.ID, 10)
		if n.Kind.AboutReply() {
			s.Excerpt = Excerpt(n.Comment.Body, 280)
		}
	}
	switch n.Kind {
	case NotifyContentDeleted:
		s.Subject = n.Subject // the recipient's own words: the content is gone
	case NotifyReportResolved:
		s.Outcome, s.Detail = ReportStatus(n.Detail), ""
		if n.Report != nil {
			s.Reason = n.Report.Reason
		}
	}
	return s, true
}
