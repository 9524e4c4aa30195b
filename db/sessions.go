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
	// lastUsedResolution is how often a token family's last use is
	// written: a hint, not worth a write per request.
	lastUsedResolution = time.Minute
	maxUserAgent       = 300
)

// Record also forgets this member's expired rows.
func (s *sessionIndex) Record(ctx context.Context, n models.NewSession) error {
	now := s.now()
	return s.db.withTx(ctx, func(tx *tx) error {
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
		if isNew, err := s.noteSourceTx(ctx, tx, n.UserID, n.UserAgent, n.ClientIP); err != nil {
			return err
		} else if isNew && n.NewSourceNotice != nil {
			n.NewSourceNotice.UserID = n.UserID
			if err := s.queueTx(ctx, tx, n.NewSourceNotice); err != nil {
				return err
			}
		}
		return s.recordTx(ctx, tx, event(models.AuditSignIn, models.Actor{UserID: n.UserID, ClientIP: n.ClientIP}, "user", n.UserID, n.SignIn))
	})
}

// noteSourceTx remembers the device and network of a sign-in and reports
// whether either is new to an account that has signed in before.
func (s *sessionIndex) noteSourceTx(ctx context.Context, tx *tx, userID int64, userAgent, clientIP string) (bool, error) {
	var known int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sign_in_sources WHERE user_id = $1`, userID).Scan(&known); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO sign_in_sources (user_id, kind, value, first_seen_at)
		VALUES ($1, 'device', $2, $4), ($1, 'network', $3, $4) ON CONFLICT DO NOTHING`,
		userID, models.Truncate(userAgent, maxUserAgent), models.ClientNetwork(clientIP), s.nowText())
	if err != nil {
		return false, err
	}
	added, err := res.RowsAffected()
	return known > 0 && added > 0, err
}

// Load joins the session manager's row to the index row and the member: a
// signed-in request needs all three, and one prepared query on the read
// pool is the cheapest way to get them.
func (s *sessionIndex) Load(ctx context.Context, hash string) (*models.StoredSession, error) {
	now := s.now()
	var stored models.StoredSession
	var userID sql.NullInt64
	var lastSeen, expires sql.NullString
	var u models.User
	var email, name, role, reason, created sql.NullString
	var verified, hasPassword sql.NullBool
	var suspended sql.NullString
	err := s.db.reader().QueryRowContext(ctx, `SELECT s.data, us.user_id, us.last_seen_at, us.expires_at,
		u.email, u.email_verified, u.display_name, u.password_hash IS NOT NULL, u.role, u.suspended_at, u.suspend_reason, u.created_at
		FROM sessions s
		LEFT JOIN user_sessions us ON us.session_hash = s.token
		LEFT JOIN users u ON u.id = us.user_id
		WHERE s.token = $1 AND s.expiry > $2`, hash, julianDay(now)).Scan(&stored.Data, &userID, &lastSeen, &expires,
		&email, &verified, &name, &hasPassword, &role, &suspended, &reason, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil || !userID.Valid || !email.Valid {
		return &stored, err
	}
	u.ID, u.Email, u.EmailVerified, u.DisplayName, u.HasPassword = userID.Int64, email.String, verified.Bool, name.String, hasPassword.Bool
	u.Role, u.SuspendedAt, u.SuspendReason, u.CreatedAt = models.Role(role.String), parseNullTime(suspended), reason.String, parseTime(created.String)
	stored.Member, stored.LastSeen = &u, parseTime(lastSeen.String)
	stored.Live = parseTime(expires.String).After(now)
	return &stored, nil
}

func (s *sessionIndex) Seen(ctx context.Context, hash, clientIP string, idleUntil time.Time) error {
	_, err := s.db.writer().ExecContext(ctx, `UPDATE user_sessions SET last_seen_at = $1, client_ip = $2, expires_at = $3 WHERE session_hash = $4`,
		s.nowText(), clientIP, formatTime(idleUntil), hash)
	return err
}

func (s *sessionIndex) Forget(ctx context.Context, hash string) error {
	_, err := s.db.writer().ExecContext(ctx, `DELETE FROM user_sessions WHERE session_hash = $1`, hash)
	return err
}

func (s *sessionIndex) ForUser(ctx context.Context, userID int64) ([]*models.Session, error) {
	return scanAll(ctx, s.db.reader(), func(row scanner) (*models.Session, error) {
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
	err := s.db.withTx(ctx, func(tx *tx) error {
		// Ending someone else's sessions is an admin's action: recheck it.
		if by.UserID != 0 && by.UserID != userID {
			var admin bool
			if err := tx.QueryRowContext(ctx, `SELECT `+activeActor("$1", true), by.UserID).Scan(&admin); err != nil {
				return err
			}
			if !admin {
				return models.ErrRefusedAtWrite
			}
		}
		var err error
		if n, err = s.endSessionsTx(ctx, tx, userID, keep, why); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditSessionsEnded, by, "user", userID, why))
	})
	return n, err
}

// endSessionsTx ends a user's sessions but keep's (an index hash, "" for
// none) by removing their index rows, and every token family (why says why
// to the family), and returns how many sessions were live. It is the one
// place that ends every way in: password changes and resets, suspensions,
// role changes, "sign out everywhere else" and an admin's "end sessions".
func (s store) endSessionsTx(ctx context.Context, tx *tx, userID int64, keep, why string) (int, error) {
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM user_sessions WHERE user_id = $1 AND session_hash != $2 AND expires_at > $3`,
		userID, keep, s.nowText()).Scan(&live); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = $1 AND session_hash != $2`, userID, keep); err != nil {
		return 0, err
	}
	// No token belongs to a kept session, so every token ends.
	return live, s.endTokensTx(ctx, tx, userID, why)
}
