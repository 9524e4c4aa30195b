package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"board/models"
)

// sessionIndex is models.SessionIndex: which sessions each member has, and
// until when each is live. It never reads the session store's own table.
type sessionIndex struct{ store }

const (
	lastSeenResolution = time.Minute // last-seen is a hint, not worth a write per request
	maxUserAgent       = 300
)

// Record also forgets this member's expired rows.
func (s *sessionIndex) Record(ctx context.Context, n models.NewSession) error {
	now := s.now()
	return s.db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND expires_at <= $2`,
			n.UserID, formatTime(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_sessions (session_hash, user_id, created_at, last_seen_at, expires_at, user_agent, client_ip)
			VALUES ($1, $2, $3, $3, $4, $5, $6)`, n.Hash, n.UserID, formatTime(now), formatTime(n.ExpiresAt),
			models.Truncate(n.UserAgent, maxUserAgent), n.ClientIP)
		if err != nil || n.SignIn == "" {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditSignIn, models.Actor{UserID: n.UserID, ClientIP: n.ClientIP}, "user", n.UserID, n.SignIn))
	})
}

func (s *sessionIndex) Touch(ctx context.Context, hash string, userID int64, clientIP string, idleUntil time.Time) error {
	now := s.now()
	var lastSeen, expires string
	err := s.db.read.QueryRowContext(ctx, `SELECT last_seen_at, expires_at FROM user_sessions WHERE session_hash = $1 AND user_id = $2`,
		hash, userID).Scan(&lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !parseTime(expires).After(now)) {
		return models.ErrNotFound
	}
	if err != nil || now.Sub(parseTime(lastSeen)) < lastSeenResolution {
		return err
	}
	_, err = s.db.write.ExecContext(ctx, `UPDATE user_sessions SET last_seen_at = $1, client_ip = $2, expires_at = $3 WHERE session_hash = $4`,
		formatTime(now), clientIP, formatTime(idleUntil), hash)
	return err
}

func (s *sessionIndex) Forget(ctx context.Context, hash string) error {
	_, err := s.db.write.ExecContext(ctx, `DELETE FROM user_sessions WHERE session_hash = $1`, hash)
	return err
}

func (s *sessionIndex) ForUser(ctx context.Context, userID int64) ([]*models.Session, error) {
	return scanAll(ctx, s.db.read, func(row scanner) (*models.Session, error) {
		var ss models.Session
		var created, seen, expires string
		if err := row.Scan(&ss.ID, &ss.Hash, &ss.UserID, &created, &seen, &expires, &ss.UserAgent, &ss.ClientIP); err != nil {
			return nil, err
		}
		ss.CreatedAt, ss.LastSeenAt, ss.ExpiresAt = parseTime(created), parseTime(seen), parseTime(expires)
		return &ss, nil
	}, `SELECT id, session_hash, user_id, created_at, last_seen_at, expires_at, user_agent, client_ip FROM user_sessions
		WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, id DESC`, userID, s.nowText())
}

// Revoke removes the index row, which is what ends the session: the board
// refuses any session without one, and says why when the cookie comes back.
func (s *sessionIndex) Revoke(ctx context.Context, userID, sessionID int64, by models.Actor) error {
	return s.execOneAudited(ctx, event(models.AuditSessionRevoked, by, "user", userID, ""),
		`DELETE FROM user_sessions WHERE id = $1 AND user_id = $2`, sessionID, userID)
}

func (s *sessionIndex) EndAll(ctx context.Context, userID int64, keep, why string, by models.Actor) (int, error) {
	var n int
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = s.endSessionsTx(ctx, tx, userID, keep); err != nil {
			return err
		}
		// No token belongs to the kept session, so every token ends too.
		if err := s.endTokensTx(ctx, tx, userID, why); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditSessionsEnded, by, "user", userID, why))
	})
	return n, err
}

// endSessionsTx ends a user's sessions but keep's (an index hash, "" for
// none) by removing their index rows, and returns how many were live.
func (s store) endSessionsTx(ctx context.Context, tx *sql.Tx, userID int64, keep string) (int, error) {
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM user_sessions WHERE user_id = $1 AND session_hash != $2 AND expires_at > $3`,
		userID, keep, s.nowText()).Scan(&live); err != nil {
		return 0, err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND session_hash != $2`, userID, keep)
	return live, err
}
