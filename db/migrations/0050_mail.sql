-- Outgoing mail, written in the same transaction as the change that causes
-- it and sent by a worker. next_attempt_at is when a pending message is due;
-- while a worker holds it, it is when that worker's lease runs out, so a
-- message whose worker died is simply due again.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
	to_addr         TEXT    NOT NULL,
	subject         TEXT    NOT NULL,
	text_body       TEXT    NOT NULL,
	html_body       TEXT    NOT NULL,
	status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at TEXT    NOT NULL,
	claim           TEXT    NOT NULL DEFAULT '',
	last_error      TEXT    NOT NULL DEFAULT '',
	created_at      TEXT    NOT NULL,
	sent_at         TEXT
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_failed_user_idx ON outbox (user_id) WHERE status = 'failed';
CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE status = 'sent';

-- Links the board mails: only the SHA-256 of the token is kept, bound to
-- one purpose, one account and the address it was sent to.
CREATE TABLE mail_tokens (
	hash       TEXT    PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose    TEXT    NOT NULL CHECK (purpose IN ('verify_email', 'change_email', 'reset_password')),
	email      TEXT    NOT NULL,
	expires_at TEXT    NOT NULL,
	created_at TEXT    NOT NULL
);
CREATE INDEX mail_tokens_user_idx ON mail_tokens (user_id, purpose);

-- Where each account has signed in from: a sign-in from a device or network
-- not listed here gets a notice by mail.
CREATE TABLE sign_in_sources (
	user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind          TEXT    NOT NULL CHECK (kind IN ('device', 'network')),
	value         TEXT    NOT NULL,
	first_seen_at TEXT    NOT NULL,
	PRIMARY KEY (user_id, kind, value)
);
