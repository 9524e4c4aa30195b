package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"board/models"
)

type reports struct{ store }

const reportSelect = `SELECT r.id, r.target_type, r.target_id, r.post_id, coalesce(r.reporter_id, 0), coalesce(u.display_name, ''),
	r.reason, r.created_at, r.status, r.resolved_at
	FROM reports r LEFT JOIN users u ON u.id = r.reporter_id`

func scanReport(row scanner) (*models.Report, error) {
	var r models.Report
	var created string
	var resolved sql.NullString
	err := row.Scan(&r.ID, &r.Target.Type, &r.Target.ID, &r.PostID, &r.ReporterID, &r.ReporterName, &r.Reason, &created, &r.Status, &resolved)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r.CreatedAt, r.ResolvedAt = parseTime(created), parseNullTime(resolved)
	return &r, nil
}

// contentExists is the condition that a report's (alias r) content is still there.
const contentExists = `((r.target_type = 'post' AND EXISTS (SELECT 1 FROM posts p WHERE p.id = r.target_id))
	OR (r.target_type = 'comment' AND EXISTS (SELECT 1 FROM comments c WHERE c.id = r.target_id)))`

func (s *reports) Create(ctx context.Context, target models.ContentRef, reason string, by models.Actor) (*models.Report, error) {
	var id int64
	err := s.db.withTx(ctx, func(tx *tx) error {
		if err := stillAllowedTx(ctx, tx, by, false); err != nil {
			return err
		}
		_, postID, err := contentOwnerTx(ctx, tx, target)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO reports (target_type, target_id, post_id, reporter_id, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, target.Type, target.ID, postID, by.UserID, reason, s.nowText()).Scan(&id)
		if isUniqueViolation(err) {
			return models.ErrAlreadyReported
		}
		if err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditReportFiled, by, target.Type, target.ID, reason))
	})
	if err != nil {
		return nil, err
	}
	return s.ByID(ctx, id)
}

func (s *reports) ByID(ctx context.Context, id int64) (*models.Report, error) {
	return scanReport(s.db.reader().QueryRowContext(ctx, reportSelect+` WHERE r.id = $1`, id))
}

// Queue groups open reports by item, ordered by each item's oldest report,
// and pages by that report's id.
func (s *reports) Queue(ctx context.Context, after int64, limit int) (*models.ReportQueue, error) {
	q := &models.ReportQueue{}
	err := s.db.reader().QueryRowContext(ctx, `SELECT count(*) FROM reports r WHERE r.status = 'open' AND `+contentExists).Scan(&q.Open)
	if err != nil {
		return nil, err
	}
	type first struct {
		target models.ContentRef
		id     int64
	}
	firsts, err := scanAll(ctx, s.db.reader(), func(row scanner) (first, error) {
		var f first
		return f, row.Scan(&f.target.Type, &f.target.ID, &f.id)
	}, `SELECT r.target_type, r.target_id, min(r.id) FROM reports r WHERE r.status = 'open' AND `+contentExists+`
		GROUP BY r.target_type, r.target_id HAVING min(r.id) > $1 ORDER BY min(r.id) LIMIT $2`, after, limit+1)
	if err != nil {
		return nil, err
	}
	if len(firsts) > limit {
		q.NextAfter = firsts[limit-1].id
		firsts = firsts[:limit]
	}
	for _, f := range firsts {
		item, err := s.item(ctx, f.target)
		if err != nil {
			return nil, err
		}
		q.Items = append(q.Items, item)
	}
	return q, nil
}

// item reads a reported post or comment as it is now, with its open reports.
func (s *reports) item(ctx context.Context, target models.ContentRef) (*models.ReportedItem, error) {
	it := &models.ReportedItem{Target: target}
	query := `SELECT p.id, p.title, p.body, coalesce(p.author_id, 0), coalesce(u.display_name, ''), p.hidden_at
		FROM posts p LEFT JOIN users u ON u.id = p.author_id WHERE p.id = $1`
	if target.Type == "comment" {
		query = `SELECT p.id, p.title, c.body, coalesce(c.author_id, 0), coalesce(u.display_name, ''), c.hidden_at
			FROM comments c JOIN posts p ON p.id = c.post_id LEFT JOIN users u ON u.id = c.author_id WHERE c.id = $1`
	}
	var hidden sql.NullString
	err := s.db.reader().QueryRowContext(ctx, query, target.ID).Scan(&it.PostID, &it.PostTitle, &it.Body, &it.AuthorID, &it.AuthorName, &hidden)
	if err != nil {
		return nil, err
	}
	it.HiddenAt = parseNullTime(hidden)
	it.Reports, err = scanAll(ctx, s.db.reader(), scanReport, reportSelect+`
		WHERE r.status = 'open' AND r.target_type = $1 AND r.target_id = $2 ORDER BY r.id`, target.Type, target.ID)
	return it, err
}

func (s *reports) ReportedIn(ctx context.Context, reporterID, postID int64) (map[models.ContentRef]time.Time, error) {
	type reported struct {
		target models.ContentRef
		at     time.Time
	}
	list, err := scanAll(ctx, s.db.reader(), func(row scanner) (reported, error) {
		var r reported
		var at string
		err := row.Scan(&r.target.Type, &r.target.ID, &at)
		r.at = parseTime(at)
		return r, err
	}, `SELECT target_type, target_id, created_at FROM reports WHERE reporter_id = $1 AND post_id = $2`, reporterID, postID)
	if err != nil {
		return nil, err
	}
	out := make(map[models.ContentRef]time.Time, len(list))
	for _, r := range list {
		out[r.target] = r.at
	}
	return out, nil
}

func (s *reports) Dismiss(ctx context.Context, target models.ContentRef, by models.Actor) (int, error) {
	var n int
	err := s.db.withTx(ctx, func(tx *tx) error {
		if err := stillAllowedTx(ctx, tx, by, true); err != nil {
			return err
		}
		var err error
		if n, err = s.settleReportsTx(ctx, tx, target, models.ReportDismissed, by); err != nil {
			return err
		}
		if n == 0 {
			return models.ErrNotFound
		}
		return s.recordTx(ctx, tx, event(models.AuditReportsDismissed, by, target.Type, target.ID, plural(n, "report", "reports")))
	})
	return n, err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
