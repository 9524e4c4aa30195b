-- Social sign-in identities: a person is (provider, subject), never an email.
CREATE TABLE identities (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	provider   TEXT    NOT NULL,
	subject    TEXT    NOT NULL,
	email      TEXT    NOT NULL DEFAULT '',
	created_at TEXT    NOT NULL,
	UNIQUE (provider, subject),
	UNIQUE (user_id, provider)
);
