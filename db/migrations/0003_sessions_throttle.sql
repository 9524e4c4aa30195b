-- scs does not index sessions by user: user_sessions does, keyed by the same
-- SHA-256 hash of the token that scs stores (HashTokenInStore), so a member
-- can list and revoke their sessions. A session without a row here is refused.
CREATE TABLE user_sessions (
	id           INTEGER PRIMARY KEY,
	session_hash TEXT    NOT NULL UNIQUE,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at   TEXT    NOT NULL,
	last_seen_at TEXT    NOT NULL,
	user_agent   TEXT    NOT NULL DEFAULT '',
	client_ip    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

-- Failed sign-ins, one row per failure per key ("account:…", "addr:…"),
-- counted over a sliding window. In SQLite so limits survive a restart.
CREATE TABLE auth_failures (
	id  INTEGER PRIMARY KEY AUTOINCREMENT, -- an attempt uncounts its own rows by id

	key TEXT    NOT NULL,
	at  REAL    NOT NULL -- unix seconds
);
CREATE INDEX auth_failures_key_idx ON auth_failures (key, at);
CREATE INDEX auth_failures_at_idx ON auth_failures (at);
