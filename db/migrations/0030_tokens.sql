-- API tokens. Signing keys live here and nowhere else; a retired key signs
-- nothing new and stays published until the last token it signed expires.
CREATE TABLE signing_keys (
	id          INTEGER PRIMARY KEY, -- order of creation: the newest live key of an algorithm signs
	kid         TEXT    NOT NULL UNIQUE,
	alg         TEXT    NOT NULL,
	private_key BLOB    NOT NULL,    -- PKCS#8
	created_at  TEXT    NOT NULL,
	retired_at  TEXT
);

-- A family is every token descended from one grant: revoking it ends them
-- all. AUTOINCREMENT: access tokens name their family by id, and an id must
-- never come back for someone else.
CREATE TABLE token_families (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id     TEXT    NOT NULL,
	scope         TEXT    NOT NULL,
	created_at    TEXT    NOT NULL,
	last_used_at  TEXT    NOT NULL,
	expires_at    TEXT    NOT NULL,
	revoked_at    TEXT,
	revoke_reason TEXT    NOT NULL DEFAULT '',
	user_agent    TEXT    NOT NULL DEFAULT '',
	client_ip     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX token_families_user_idx ON token_families (user_id, expires_at);

-- Refresh tokens, only as SHA-256 hashes. A spent one stays (used_at) as
-- long as its family, so presenting it again is recognised as reuse.
CREATE TABLE refresh_tokens (
	hash       TEXT    PRIMARY KEY,
	family_id  INTEGER NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
	created_at TEXT    NOT NULL,
	expires_at TEXT    NOT NULL,
	used_at    TEXT
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

-- Tokens issued to a member before this moment are refused, whatever their
-- family: set whenever their sessions are ended.
ALTER TABLE users ADD COLUMN tokens_valid_after TEXT NOT NULL DEFAULT '';
