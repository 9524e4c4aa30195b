-- What a member is told about strangers failing to sign in to their
-- account: one open record per member, gathering failures until dismissed.
CREATE TABLE sign_in_notices (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	failures     INTEGER NOT NULL,
	since        TEXT    NOT NULL,
	latest       TEXT    NOT NULL,
	latest_ip    TEXT    NOT NULL DEFAULT '',
	dismissed_at TEXT
);
CREATE UNIQUE INDEX sign_in_notices_open_idx ON sign_in_notices (user_id) WHERE dismissed_at IS NULL;
