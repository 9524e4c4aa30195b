-- Each member's last sign-in through a provider, request by request, for the
-- /learn OAuth page. Secrets are elided before a trace reaches the database.
CREATE TABLE sign_in_traces (
	user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	provider TEXT    NOT NULL,
	at       TEXT    NOT NULL,
	steps    TEXT    NOT NULL -- JSON
);
