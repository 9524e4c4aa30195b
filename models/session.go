package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"board/db"
)

// Audit kinds for sessions and accounts.
const (
	AuditSessionRevoked  AuditKind = "session_revoked"
	AuditSessionsEnded   AuditKind = "sessions_ended"
	AuditPasswordChanged AuditKind = "password_changed"
	AuditEmailChanged    AuditKind = "email_changed"
	AuditNameChanged     AuditKind = "display_name_changed"
	AuditAccountDeleted  AuditKind = "account_deleted"
	AuditReauthFailed    AuditKind = "reauth_failed"
)

const (
	lastSeenResolution = time.Minute // last-seen is a hint, not worth a write per request
	maxUserAgent       = 300
)

// Session is one signed-in browser of a member.
type Session struct {
	ID         int64
	Hash       string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	UserAgent  string
	ClientIP   string
}

// SessionHash is how a session token is stored: the same SHA-256, base64url
// form scs uses with HashTokenInStore, so both tables share the key.
func SessionHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// SessionStore indexes scs sessions by user.
type SessionStore struct {
	DB *db.DB
}

// Record registers a freshly issued session token for a user, and forgets
// rows whose scs session has expired. Rows younger than a minute are kept:
// their scs row is only written when their own response goes out.
func (s *SessionStore) Record(ctx context.Context, token string, userID int64, userAgent, clientIP string) error {
	now := formatTime(time.Now())
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = ? AND created_at < ? AND NOT EXISTS
			(SELECT 1 FROM sessions s WHERE s.token = user_sessions.session_hash AND s.expiry > julianday('now'))`,
			userID, formatTime(time.Now().Add(-time.Minute))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_sessions (session_hash, user_id, created_at, last_seen_at, user_agent, client_ip)
			VALUES (?, ?, ?, ?, ?, ?)`, SessionHash(token), userID, now, now, Truncate(userAgent, maxUserAgent), clientIP)
		return err
	})
}

// Touch confirms token is a recorded session of userID and, at most once a
// minute, notes when and from where it was last used. ErrNotFound means the
// session was revoked (or never recorded) and must not be honoured.
func (s *SessionStore) Touch(ctx context.Context, token string, userID int64, clientIP string) error {
	hash := SessionHash(token)
	var lastSeen string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT last_seen_at FROM user_sessions WHERE session_hash = ? AND user_id = ?`,
		hash, userID).Scan(&lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil || time.Since(parseTime(lastSeen)) < lastSeenResolution {
		return err
	}
	_, err = s.DB.Write.ExecContext(ctx, `UPDATE user_sessions SET last_seen_at = ?, client_ip = ? WHERE session_hash = ?`,
		formatTime(time.Now()), clientIP, hash)
	return err
}

// Forget drops the row of a session that scs has destroyed (sign-out).
func (s *SessionStore) Forget(ctx context.Context, token string) error {
	_, err := s.DB.Write.ExecContext(ctx, `DELETE FROM user_sessions WHERE session_hash = ?`, SessionHash(token))
	return err
}

// ForUser lists a user's live sessions, most recently used first.
func (s *SessionStore) ForUser(ctx context.Context, userID int64) ([]*Session, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT us.id, us.session_hash, us.user_id, us.created_at, us.last_seen_at, us.user_agent, us.client_ip
		FROM user_sessions us JOIN sessions s ON s.token = us.session_hash
		WHERE us.user_id = ? AND s.expiry > julianday('now') ORDER BY us.last_seen_at DESC, us.id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Session
	for rows.Next() {
		var ss Session
		var created, seen string
		if err := rows.Scan(&ss.ID, &ss.Hash, &ss.UserID, &created, &seen, &ss.UserAgent, &ss.ClientIP); err != nil {
			return nil, err
		}
		ss.CreatedAt, ss.LastSeenAt = parseTime(created), parseTime(seen)
		out = append(out, &ss)
	}
	return out, rows.Err()
}

// Revoke ends one of userID's sessions by its id; ErrNotFound if it is not
// theirs. Removing the index row is what ends it: the board refuses any scs
// session without one, and says why when the cookie next comes back.
func (s *SessionStore) Revoke(ctx context.Context, userID, sessionID int64, by Actor) error {
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		if err := execOneTx(ctx, tx, `DELETE FROM user_sessions WHERE id = ? AND user_id = ?`, sessionID, userID); err != nil {
			return err
		}
		return RecordTx(ctx, tx, AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, Kind: AuditSessionRevoked,
			TargetType: "user", TargetID: userID})
	})
}

// EndAll ends every session of userID except the one whose token is keep
// ("" ends them all), and records how many.
func (s *SessionStore) EndAll(ctx context.Context, userID int64, keep string, why string, by Actor) (int, error) {
	var n int
	err := s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = endSessionsTx(ctx, tx, userID, keep); err != nil {
			return err
		}
		return RecordTx(ctx, tx, AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, Kind: AuditSessionsEnded,
			TargetType: "user", TargetID: userID, Detail: why})
	})
	return n, err
}

// endSessionsTx ends a user's sessions, except keep's, by removing their
// index rows (see Revoke). It returns how many were still live.
func endSessionsTx(ctx context.Context, tx *sql.Tx, userID int64, keep string) (int, error) {
	keepHash := ""
	if keep != "" {
		keepHash = SessionHash(keep)
	}
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM user_sessions us JOIN sessions s ON s.token = us.session_hash
		WHERE us.user_id = ? AND us.session_hash != ? AND s.expiry > julianday('now')`, userID, keepHash).Scan(&live); err != nil {
		return 0, err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM user_sessions WHERE user_id = ? AND session_hash != ?`, userID, keepHash)
	return live, err
}
