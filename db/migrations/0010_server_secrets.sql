-- Keys the server signs with (visitors' CSRF tokens, device cookies), made
-- on first use and read by every instance, so they are never configured,
-- hard-coded or logged. Hex text.
CREATE TABLE server_secrets (
	name       TEXT PRIMARY KEY,
	secret     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
