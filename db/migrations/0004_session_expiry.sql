-- The session index keeps its own expiry (idle and absolute, coarse to the
-- minute), so listing and ending sessions never reads scs's table.
ALTER TABLE user_sessions ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
UPDATE user_sessions SET expires_at = coalesce(
	(SELECT strftime('%Y-%m-%dT%H:%M:%fZ', s.expiry) FROM sessions s WHERE s.token = user_sessions.session_hash), '');
CREATE INDEX user_sessions_user_expiry_idx ON user_sessions (user_id, expires_at);
