package db

import (
	"context"
	"database/sql"

	"board/models"
)

type notices struct{ store }

func (s *notices) SignInFailed(ctx context.Context, e models.AuditEvent, notify bool, mail *models.Mail) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := s.recordTx(ctx, tx, e); err != nil {
			return err
		}
		if !notify || e.TargetID == 0 {
			return nil
		}
		var open bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sign_in_notices WHERE user_id = $1 AND dismissed_at IS NULL)`,
			e.TargetID).Scan(&open); err != nil {
			return err
		}
		now := s.nowText()
		if _, err := tx.ExecContext(ctx, `INSERT INTO sign_in_notices (user_id, failures, since, latest, latest_ip)
			VALUES ($1, 1, $2, $2, $3)
			ON CONFLICT (user_id) WHERE dismissed_at IS NULL
			DO UPDATE SET failures = sign_in_notices.failures + 1, latest = excluded.latest, latest_ip = excluded.latest_ip`,
			e.TargetID, now, e.ClientIP); err != nil {
			return err
		}
		if open || mail == nil {
			return nil
		}
		return s.queueTx(ctx, tx, mail)
	})
}

func (s *notices) Open(ctx context.Context, userID int64) (*models.SignInNotice, error) {
	n := models.SignInNotice{UserID: userID}
	var since, latest string
	err := s.db.reader().QueryRowContext(ctx, `SELECT id, failures, since, latest, latest_ip FROM sign_in_notices
		WHERE user_id = $1 AND dismissed_at IS NULL`, userID).Scan(&n.ID, &n.Failures, &since, &latest, &n.LatestIP)
	if err == sql.ErrNoRows {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	n.Since, n.Latest = parseTime(since), parseTime(latest)
	return &n, nil
}

func (s *notices) Dismiss(ctx context.Context, userID, id int64) error {
	return s.execOne(ctx, `UPDATE sign_in_notices SET dismissed_at = $1 WHERE id = $2 AND user_id = $3 AND dismissed_at IS NULL`,
		s.nowText(), id, userID)
}
