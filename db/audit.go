package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"board/models"
)

type audit struct{ store }

func (s *audit) Record(ctx context.Context, e models.AuditEvent) error {
	return s.db.withTx(ctx, func(tx *tx) error { return s.recordTx(ctx, tx, e) })
}

// recordTx appends an event inside a caller's transaction, chained to the
// last one, so an action and its audit row commit together.
func (s store) recordTx(ctx context.Context, tx *tx, e models.AuditEvent) error {
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&e.ID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	e.ID++
	e.At = s.now()
	e.Hash = models.ChainHash(prev, &e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events (id, at, actor_id, kind, target_type, target_id, detail, client_ip, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.At.UTC().Format(models.AuditTimeLayout), nullID(e.ActorID), e.Kind, e.TargetType, nullID(e.TargetID), e.Detail, e.ClientIP, prev, e.Hash)
	return err
}

const auditColumns = `e.id, e.at, coalesce(e.actor_id, 0), e.kind, e.target_type, coalesce(e.target_id, 0), e.detail, e.client_ip, e.prev_hash, e.hash`

func scanAuditEvent(row scanner, extra ...any) (*models.AuditEvent, error) {
	var e models.AuditEvent
	var at string
	dest := append([]any{&e.ID, &at, &e.ActorID, &e.Kind, &e.TargetType, &e.TargetID, &e.Detail, &e.ClientIP, &e.PrevHash, &e.Hash}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	e.At = parseTime(at)
	return &e, nil
}

func (s *audit) List(ctx context.Context, f models.AuditFilter, limit int) (*models.AuditPage, error) {
	where := []string{"e.id < $1"}
	before := f.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	args := []any{before}
	if f.ActorID != 0 {
		args = append(args, f.ActorID)
		n := placeholder(len(args))
		where = append(where, "(e.actor_id = "+n+" OR (e.target_type = 'user' AND e.target_id = "+n+"))")
	}
	if f.Kind != "" {
		args = append(args, f.Kind)
		where = append(where, "e.kind = "+placeholder(len(args)))
	}
	args = append(args, limit+1)
	events, err := scanAll(ctx, s.db.reader(), func(row scanner) (*models.AuditEvent, error) {
		var name string
		var about models.AuditTarget
		e, err := scanAuditEvent(row, &name, &about.Exists, &about.Name, &about.Owner, &about.PostID)
		if e != nil {
			e.ActorName, e.About = name, about
		}
		return e, err
	}, `SELECT `+auditColumns+`, coalesce(u.display_name, ''),
		coalesce(tu.id, tp.id, tc.id) IS NOT NULL, coalesce(tu.display_name, tp.title, tcp.title, ''),
		coalesce(owner.display_name, ''), coalesce(tc.post_id, 0)
		FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
		LEFT JOIN users tu ON e.target_type = 'user' AND tu.id = e.target_id
		LEFT JOIN posts tp ON e.target_type = 'post' AND tp.id = e.target_id
		LEFT JOIN comments tc ON e.target_type = 'comment' AND tc.id = e.target_id
		LEFT JOIN posts tcp ON tcp.id = tc.post_id
		LEFT JOIN users owner ON owner.id = coalesce(tp.author_id, tc.author_id)
		WHERE `+strings.Join(where, " AND ")+` ORDER BY e.id DESC LIMIT `+placeholder(len(args)), args...)
	if err != nil {
		return nil, err
	}
	page := &models.AuditPage{Events: events}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		page.NextBefore = page.Events[limit-1].ID
	}
	return page, nil
}

func (s *audit) Head(ctx context.Context) (int64, string, error) {
	var id int64
	var hash string
	err := s.db.reader().QueryRowContext(ctx, `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id, hash, err
}

func (s *audit) HashAt(ctx context.Context, id int64) (string, error) {
	var hash string
	err := s.db.reader().QueryRowContext(ctx, `SELECT hash FROM audit_events WHERE id = $1`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", models.ErrNotFound
	}
	return hash, err
}

func (s *audit) Verify(ctx context.Context) (int, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events e ORDER BY e.id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	prev, n := "", 0
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return n, err
		}
		if e.PrevHash != prev || models.ChainHash(prev, e) != e.Hash {
			return n, &models.ErrAuditChainBroken{ID: e.ID}
		}
		prev, n = e.Hash, n+1
	}
	return n, rows.Err()
}
