package db

import (
	"context"
	"database/sql"
	"strings"

	"board/models"
)

type notifications struct{ store }

func (s *notifications) List(ctx context.Context, userID int64, unreadOnly bool, before int64, limit int) (*models.NotificationPage, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	unread := ""
	if unreadOnly {
		unread = ` AND n.read_at IS NULL`
	}
	list, err := scanAll(ctx, s.db.reader(), scanNotification, notificationSelect+`
		WHERE n.user_id = $1 AND n.id < $2`+unread+` ORDER BY n.id DESC LIMIT $3`, userID, before, limit+1)
	if err != nil {
		return nil, err
	}
	page := &models.NotificationPage{Notifications: list}
	if len(list) > limit {
		page.Notifications = list[:limit]
		page.NextBefore = list[limit-1].ID
	}
	return page, s.attach(ctx, page.Notifications)
}

const notificationSelect = `SELECT n.id, n.user_id, n.kind, coalesce(n.actor_id, 0), coalesce(a.display_name, ''),
	n.target_type, n.target_id, n.post_id, coalesce(n.report_id, 0), n.detail, n.subject, n.created_at, n.read_at
	FROM notifications n LEFT JOIN users a ON a.id = n.actor_id`

func scanNotification(row scanner) (*models.Notification, error) {
	var n models.Notification
	var created string
	var read sql.NullString
	err := row.Scan(&n.ID, &n.UserID, &n.Kind, &n.ActorID, &n.ActorName, &n.Target.Type, &n.Target.ID, &n.PostID,
		&n.ReportID, &n.Detail, &n.Subject, &created, &read)
	if err != nil {
		return nil, err
	}
	n.CreatedAt, n.ReadAt = parseTime(created), parseNullTime(read)
	return &n, nil
}

// attach reads what the notifications are about as it is now, one query per
// table for the whole page: the policy decides what of it is shown.
func (s *notifications) attach(ctx context.Context, list []*models.Notification) error {
	var postIDs, commentIDs, reportIDs []int64
	for _, n := range list {
		postIDs = append(postIDs, n.PostID)
		if n.Target.Type == "comment" {
			commentIDs = append(commentIDs, n.Target.ID)
		}
		if n.ReportID != 0 {
			reportIDs = append(reportIDs, n.ReportID)
		}
	}
	posts, err := byIDs(ctx, s.db.reader(), scanPost, postSelect+` WHERE p.id`, postIDs, func(p *models.Post) int64 { return p.ID })
	if err != nil {
		return err
	}
	comments, err := byIDs(ctx, s.db.reader(), scanComment, commentSelect+` WHERE c.id`, commentIDs, func(c *models.Comment) int64 { return c.ID })
	if err != nil {
		return err
	}
	reports, err := byIDs(ctx, s.db.reader(), scanReport, reportSelect+` WHERE r.id`, reportIDs, func(r *models.Report) int64 { return r.ID })
	if err != nil {
		return err
	}
	for _, n := range list {
		n.Post, n.Report = posts[n.PostID], reports[n.ReportID]
		if n.Target.Type == "comment" {
			n.Comment = comments[n.Target.ID]
		}
	}
	return nil
}

// byIDs runs query (ending in "WHERE x.id") for the given ids and maps the
// rows found by id.
func byIDs[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, ids []int64, idOf func(T) int64) (map[int64]T, error) {
	out := map[int64]T{}
	if len(ids) == 0 {
		return out, nil
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = placeholder(i+1), id
	}
	rows, err := scanAll(ctx, q, scan, query+` IN (`+strings.Join(marks, ", ")+`)`, args...)
	for _, r := range rows {
		out[idOf(r)] = r
	}
	return out, err
}

func (s *notifications) MarkRead(ctx context.Context, userID, id int64) error {
	return s.execOne(ctx, `UPDATE notifications SET read_at = coalesce(read_at, $1) WHERE id = $2 AND user_id = $3`, s.nowText(), id, userID)
}

func (s *notifications) MarkAllRead(ctx context.Context, userID, upTo int64) (int, error) {
	res, err := s.db.writer().ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id <= $3 AND read_at IS NULL`,
		s.nowText(), userID, upTo)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func (s *notifications) MailKinds(ctx context.Context, userID int64) (map[models.NotificationKind]bool, error) {
	kinds, err := scanAll(ctx, s.db.reader(), func(row scanner) (models.NotificationKind, error) {
		var k models.NotificationKind
		return k, row.Scan(&k)
	}, `SELECT kind FROM notification_mail WHERE user_id = $1`, userID)
	out := map[models.NotificationKind]bool{}
	for _, k := range kinds {
		out[k] = true
	}
	return out, err
}

func (s *notifications) SetMailKinds(ctx context.Context, userID int64, kinds []models.NotificationKind) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notification_mail WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, k := range kinds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notification_mail (user_id, kind) VALUES ($1, $2)`, userID, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *notifications) MailDue(ctx context.Context, limit int) ([]*models.Notification, error) {
	list, err := scanAll(ctx, s.db.reader(), scanNotification, notificationSelect+`
		WHERE n.mail = 'wanted' ORDER BY n.id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return list, s.attach(ctx, list)
}

func (s *notifications) Mailed(ctx context.Context, id int64, m *models.Mail) error {
	state := "skipped"
	if m != nil {
		state = "sent"
	}
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := execOneTx(ctx, tx, `UPDATE notifications SET mail = $1 WHERE id = $2 AND mail = 'wanted'`, state, id); err != nil {
			return err
		}
		return s.queueTx(ctx, tx, m)
	})
}
