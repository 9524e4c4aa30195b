-- Accounts, content, moderation audit and the scs session table.
-- AUTOINCREMENT on users, posts and comments: a deleted row's id is never
-- reused, so audit rows, links and stale cookies never point at something else.
CREATE TABLE users (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	email          TEXT    NOT NULL UNIQUE COLLATE NOCASE,
	email_verified INTEGER NOT NULL DEFAULT 0,
	display_name   TEXT    NOT NULL,
	password_hash  TEXT,
	role           TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
	suspended_at   TEXT,
	suspend_reason TEXT    NOT NULL DEFAULT '',
	created_at     TEXT    NOT NULL
);

CREATE TABLE posts (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	author_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
	title         TEXT    NOT NULL,
	body          TEXT    NOT NULL,
	created_at    TEXT    NOT NULL,
	updated_at    TEXT    NOT NULL,
	hidden_at     TEXT,
	hidden_reason TEXT    NOT NULL DEFAULT '',
	hidden_by     INTEGER REFERENCES users (id) ON DELETE SET NULL
);
-- The list walks posts newest first (id order); members skip hidden ones.
CREATE INDEX posts_visible_idx ON posts (id) WHERE hidden_at IS NULL;
CREATE INDEX posts_author_idx ON posts (author_id, id);
-- A member's own hidden posts join their list without walking all their posts.
CREATE INDEX posts_hidden_author_idx ON posts (author_id, id) WHERE hidden_at IS NOT NULL;

CREATE TABLE comments (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	post_id       INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	author_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
	body          TEXT    NOT NULL,
	created_at    TEXT    NOT NULL,
	updated_at    TEXT    NOT NULL,
	hidden_at     TEXT,
	hidden_reason TEXT    NOT NULL DEFAULT '',
	hidden_by     INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX comments_post_idx ON comments (post_id, id);
CREATE INDEX comments_author_idx ON comments (author_id);

CREATE TABLE audit_events (
	id          INTEGER PRIMARY KEY,
	at          TEXT    NOT NULL,
	actor_id    INTEGER,
	kind        TEXT    NOT NULL,
	target_type TEXT    NOT NULL DEFAULT '',
	target_id   INTEGER,
	detail      TEXT    NOT NULL DEFAULT '',
	client_ip   TEXT    NOT NULL DEFAULT '',
	-- hash = sha256(prev_hash || this row's fields): editing any row breaks the chain from there on.
	prev_hash   TEXT    NOT NULL,
	hash        TEXT    NOT NULL
);
CREATE INDEX audit_events_kind_idx ON audit_events (kind, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id);

-- Layout required by github.com/alexedwards/scs/sqlite3store.
CREATE TABLE sessions (
	token  TEXT PRIMARY KEY,
	data   BLOB NOT NULL,
	expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
