package db

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"time"

	"board/models"
)

// outbox is models.Outbox over the outbox table.
type outbox struct{ store }

const mailColumns = `id, coalesce(user_id, 0), to_addr, subject, text_body, html_body, status, attempts, last_error, created_at,
	coalesce(sent_at, ''), claim`

func scanMail(row scanner) (*models.Mail, error) {
	var m models.Mail
	var created, sent string
	err := row.Scan(&m.ID, &m.UserID, &m.To, &m.Subject, &m.Text, &m.HTML, &m.Status, &m.Attempts, &m.LastError, &created, &sent, &m.Claim)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	m.CreatedAt = parseTime(created)
	if sent != "" {
		m.SentAt = parseTime(sent)
	}
	return &m, nil
}

// queueTx adds messages inside a caller's transaction, so they are sent if
// and only if the change that causes them commits. nil messages are skipped.
func (s store) queueTx(ctx context.Context, tx *tx, mails ...*models.Mail) error {
	now := s.nowText()
	for _, m := range mails {
		if m == nil {
			continue
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO outbox (user_id, to_addr, subject, text_body, html_body, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, nullID(m.UserID), m.To, m.Subject, m.Text, m.HTML, now).Scan(&m.ID)
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *outbox) Queue(ctx context.Context, m *models.Mail, e models.AuditEvent) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := s.queueTx(ctx, tx, m); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, e)
	})
}

// Claim is one statement: on SQLite the single writer makes it atomic; on
// PostgreSQL the inner SELECT gains FOR UPDATE SKIP LOCKED, so concurrent
// workers take disjoint messages without waiting on each other.
func (s *outbox) Claim(ctx context.Context, limit int, lease time.Duration) ([]*models.Mail, error) {
	now := s.now()
	// Most polls find nothing: ask the read pool first rather than take
	// the single writer for an empty UPDATE.
	var due bool
	if err := s.db.reader().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1)`,
		formatTime(now)).Scan(&due); err != nil || !due {
		return nil, err
	}
	claim := newClaim()
	var mails []*models.Mail
	err := s.db.withTx(ctx, func(tx *tx) error {
		var err error
		mails, err = scanAll(ctx, tx, scanMail, `UPDATE outbox SET claim = $1, next_attempt_at = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3 ORDER BY next_attempt_at, id LIMIT $4)
			RETURNING `+mailColumns, claim, formatTime(now.Add(lease)), formatTime(now), limit)
		return err
	})
	slices.SortFunc(mails, func(a, b *models.Mail) int { return cmp.Compare(a.ID, b.ID) })
	return mails, err
}

// newClaim names one lease, so a worker whose lease ran out cannot settle
// a message another worker has claimed since.
func newClaim() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func (s *outbox) Delivered(ctx context.Context, id int64, claim string) error {
	return s.execOne(ctx, `UPDATE outbox SET status = 'sent', sent_at = $1, claim = '', last_error = ''
		WHERE id = $2 AND claim = $3 AND status = 'pending'`, s.nowText(), id, claim)
}

func (s *outbox) Retry(ctx context.Context, id int64, claim, reason string, at time.Time) error {
	return s.execOne(ctx, `UPDATE outbox SET claim = '', next_attempt_at = $1, last_error = $2
		WHERE id = $3 AND claim = $4 AND status = 'pending'`, formatTime(at), models.Truncate(reason, maxMailError), id, claim)
}

// maxMailError bounds what a server's refusal may put into the database.
const maxMailError = 500

func (s *outbox) GiveUp(ctx context.Context, id int64, claim, reason string) error {
	reason = models.Truncate(reason, maxMailError)
	return s.db.withTx(ctx, func(tx *tx) error {
		var userID int64
		var to string
		err := tx.QueryRowContext(ctx, `UPDATE outbox SET status = 'failed', claim = '', last_error = $1
			WHERE id = $2 AND claim = $3 AND status = 'pending' RETURNING coalesce(user_id, 0), to_addr`, reason, id, claim).Scan(&userID, &to)
		if errors.Is(err, sql.ErrNoRows) {
			return models.ErrNotFound
		}
		if err != nil {
			return err
		}
		e := event(models.AuditMailFailed, models.Actor{}, "mail", id, "to "+to+": "+reason)
		if userID != 0 {
			e.TargetType, e.TargetID = "user", userID
			e.Detail = "message " + strconv.FormatInt(id, 10) + " " + e.Detail
		}
		return s.recordTx(ctx, tx, e)
	})
}

func (s *outbox) Recent(ctx context.Context, limit int) ([]*models.Mail, error) {
	return scanAll(ctx, s.db.reader(), scanMail, `SELECT `+mailColumns+` FROM outbox ORDER BY id DESC LIMIT $1`, limit)
}

func (s *outbox) ByID(ctx context.Context, id int64) (*models.Mail, error) {
	return scanMail(s.db.reader().QueryRowContext(ctx, `SELECT `+mailColumns+` FROM outbox WHERE id = $1`, id))
}

func (s *outbox) Waiting(ctx context.Context) (int, error) {
	var n int
	err := s.db.reader().QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE status = 'pending'`).Scan(&n)
	return n, err
}

func (s *outbox) FailedCounts(ctx context.Context) (map[int64]int, error) {
	rows, err := s.db.reader().QueryContext(ctx, `SELECT user_id, count(*) FROM outbox WHERE status = 'failed' AND user_id IS NOT NULL GROUP BY user_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		counts[id] = n
	}
	return counts, rows.Err()
}

func (s *outbox) Purge(ctx context.Context, before time.Time) (int, error) {
	res, err := s.db.writer().ExecContext(ctx, `DELETE FROM outbox WHERE status = 'sent' AND sent_at < $1`, formatTime(before))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
