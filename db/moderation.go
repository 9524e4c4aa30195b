package db

import (
	"context"
	"database/sql"

	"board/models"
)

// What a moderator's action and a new comment write besides their own
// change, in the caller's transaction: the reports they settle and the
// notifications they cause.

// notice is one notification to write.
type notice struct {
	UserID   int64
	Kind     models.NotificationKind
	ActorID  int64
	Target   models.ContentRef
	PostID   int64
	ReportID int64
	Detail   string
	Subject  string
}

// notifyTx writes a notification: the one place every kind is created, so a
// channel such as mail hooks in here.
func (s store) notifyTx(ctx context.Context, tx *tx, n notice) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, actor_id, target_type, target_id, post_id, report_id, detail, subject, created_at, mail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, `+wantsMail("$1", "$2")+`)`,
		n.UserID, n.Kind, nullID(n.ActorID), n.Target.Type, n.Target.ID, n.PostID, nullID(n.ReportID), n.Detail, n.Subject, s.nowText())
	return err
}

// wantsMail is the mail state of a new notification for the recipient and
// kind in the given SQL expressions: 'wanted' if they chose mail for it.
func wantsMail(user, kind string) string {
	return `CASE WHEN EXISTS (SELECT 1 FROM notification_mail m WHERE m.user_id = ` + user + ` AND m.kind = ` + kind + `)
		THEN 'wanted' ELSE '' END`
}

// notifyRepliesTx tells the post's author and everyone who commented on the
// post before cm that cm was written (never its own author).
func (s store) notifyRepliesTx(ctx context.Context, tx *tx, cm *models.Comment) error {
	target, now := models.CommentRef(cm.ID), s.nowText()
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, actor_id, target_type, target_id, post_id, created_at, mail)
		SELECT p.author_id, $1, $2, $3, $4, p.id, $5, `+wantsMail("p.author_id", "$1")+` FROM posts p
		WHERE p.id = $6 AND p.author_id IS NOT NULL AND p.author_id <> $2`,
		models.NotifyReplyToPost, cm.AuthorID, target.Type, target.ID, now, cm.PostID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, actor_id, target_type, target_id, post_id, created_at, mail)
		SELECT DISTINCT c.author_id, $1, $2, $3, $4, c.post_id, $5, `+wantsMail("c.author_id", "$1")+` FROM comments c
		WHERE c.post_id = $6 AND c.id < $4 AND c.author_id IS NOT NULL AND c.author_id <> $2
		AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = c.post_id AND p.author_id = c.author_id)`,
		models.NotifyReplyInThread, cm.AuthorID, target.Type, target.ID, now, cm.PostID)
	return err
}

// settleReportsTx closes the open reports on target (and, when a post is
// deleted, on its comments) as outcome, and tells each reporter. It
// returns how many it closed.
func (s store) settleReportsTx(ctx context.Context, tx *tx, target models.ContentRef, outcome models.ReportStatus, by models.Actor) (int, error) {
	where := `target_type = $4 AND target_id = $5`
	if target.Type == "post" && outcome == models.ReportDeleted {
		where = `(` + where + ` OR (target_type = 'comment' AND post_id = $5))`
	}
	type settled struct {
		id, reporter, postID int64
		target               models.ContentRef
	}
	rows, err := scanAll(ctx, tx, func(row scanner) (settled, error) {
		var r settled
		var reporter sql.NullInt64
		err := row.Scan(&r.id, &reporter, &r.target.Type, &r.target.ID, &r.postID)
		r.reporter = reporter.Int64
		return r, err
	}, `UPDATE reports SET status = $1, resolved_at = $2, resolved_by = $3
		WHERE status = 'open' AND `+where+` RETURNING id, reporter_id, target_type, target_id, post_id`,
		outcome, s.nowText(), nullID(by.UserID), target.Type, target.ID)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if r.reporter == 0 {
			continue // the reporter's account is gone
		}
		err := s.notifyTx(ctx, tx, notice{UserID: r.reporter, Kind: models.NotifyReportResolved, ActorID: by.UserID,
			Target: r.target, PostID: r.postID, ReportID: r.id, Detail: string(outcome)})
		if err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// moderatedTx is what follows a moderator hiding or restoring content: the
// author is told (unless they did it themselves), and hiding settles the
// content's open reports.
func (s store) moderatedTx(ctx context.Context, tx *tx, target models.ContentRef, hidden bool, reason string, by models.Actor) error {
	author, postID, err := contentOwnerTx(ctx, tx, target)
	if err != nil {
		return err
	}
	kind := models.NotifyContentRestored
	if hidden {
		kind = models.NotifyContentHidden
		if _, err := s.settleReportsTx(ctx, tx, target, models.ReportHidden, by); err != nil {
			return err
		}
	}
	if author == 0 || author == by.UserID {
		return nil
	}
	return s.notifyTx(ctx, tx, notice{UserID: author, Kind: kind, ActorID: by.UserID, Target: target, PostID: postID, Detail: reason})
}

// contentOwnerTx returns a post's or comment's author (0 if gone) and post.
func contentOwnerTx(ctx context.Context, tx *tx, target models.ContentRef) (author, postID int64, err error) {
	query := `SELECT coalesce(author_id, 0), id FROM posts WHERE id = $1`
	if target.Type == "comment" {
		query = `SELECT coalesce(author_id, 0), post_id FROM comments WHERE id = $1`
	}
	err = tx.QueryRowContext(ctx, query, target.ID).Scan(&author, &postID)
	if err == sql.ErrNoRows {
		err = models.ErrNotFound
	}
	return author, postID, err
}

// stillAllowedTx rechecks inside the transaction that by is still an active
// member (an active admin with admin): a suspension or demotion that lands
// between the handler's check and this write wins. by.UserID 0 is the
// operator's command line, which needs no check.
func stillAllowedTx(ctx context.Context, tx *tx, by models.Actor, admin bool) error {
	if by.UserID == 0 {
		return nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT `+activeActor("$1", admin), by.UserID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return models.ErrRefusedAtWrite
	}
	return nil
}

// removeTx deletes a post or comment as a moderator: reports settled,
// author told with the reason and their own words (the only copy left),
// audited with what was removed.
func (s store) removeTx(ctx context.Context, tx *tx, target models.ContentRef, reason string, by models.Actor) error {
	var author, postID int64
	var authorName, subject string
	query := `SELECT coalesce(p.author_id, 0), p.id, coalesce(u.display_name, ''), p.title FROM posts p
		LEFT JOIN users u ON u.id = p.author_id WHERE p.id = $1`
	if err := stillAllowedTx(ctx, tx, by, true); err != nil {
		return err
	}
	kind := models.AuditPostDeleted
	if target.Type == "comment" {
		query = `SELECT coalesce(c.author_id, 0), c.post_id, coalesce(u.display_name, ''), c.body FROM comments c
			LEFT JOIN users u ON u.id = c.author_id WHERE c.id = $1`
		kind = models.AuditCommentDeleted
	}
	err := tx.QueryRowContext(ctx, query, target.ID).Scan(&author, &postID, &authorName, &subject)
	if err == sql.ErrNoRows {
		return models.ErrNotFound
	}
	if err != nil {
		return err
	}
	subject = models.Excerpt(subject, 120)
	if _, err := s.settleReportsTx(ctx, tx, target, models.ReportDeleted, by); err != nil {
		return err
	}
	if author != 0 && author != by.UserID {
		err := s.notifyTx(ctx, tx, notice{UserID: author, Kind: models.NotifyContentDeleted, ActorID: by.UserID,
			Target: target, PostID: postID, Detail: reason, Subject: subject})
		if err != nil {
			return err
		}
	}
	if err := execOneTx(ctx, tx, `DELETE FROM `+target.Type+`s WHERE id = $1`, target.ID); err != nil {
		return err
	}
	if authorName == "" {
		authorName = "a deleted member"
	}
	return s.recordTx(ctx, tx, event(kind, by, target.Type, target.ID, "by "+authorName+": “"+subject+"”. Reason: "+reason))
}
