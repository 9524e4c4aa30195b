-- Members' reports of posts and comments, and the notifications members get.
-- Neither references the content by foreign key: a report or notification
-- outlives a deleted post (the reporter is told it was deleted), and ids are
-- never reused (AUTOINCREMENT on posts and comments), so the target stays
-- unambiguous. Reports of content its author deleted drop out of the queue,
-- which only lists reports whose content still exists.
CREATE TABLE reports (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	target_type TEXT    NOT NULL CHECK (target_type IN ('post', 'comment')),
	target_id   INTEGER NOT NULL,
	post_id     INTEGER NOT NULL, -- the post, or the comment's post
	reporter_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
	reason      TEXT    NOT NULL,
	created_at  TEXT    NOT NULL,
	status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'hidden', 'dismissed', 'deleted')),
	resolved_at TEXT,
	resolved_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
	-- A member reports an item once.
	UNIQUE (reporter_id, target_type, target_id)
);
-- The queue walks open reports oldest first; settling finds them by target.
CREATE INDEX reports_open_idx ON reports (id) WHERE status = 'open';
CREATE INDEX reports_open_target_idx ON reports (target_type, target_id) WHERE status = 'open';
CREATE INDEX reports_reporter_post_idx ON reports (reporter_id, post_id);

CREATE TABLE notifications (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind       TEXT    NOT NULL,
	actor_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
	target_type TEXT    NOT NULL CHECK (target_type IN ('post', 'comment')),
	target_id  INTEGER NOT NULL,
	post_id    INTEGER NOT NULL,
	report_id  INTEGER REFERENCES reports (id) ON DELETE SET NULL,
	detail     TEXT    NOT NULL DEFAULT '',
	subject    TEXT    NOT NULL DEFAULT '', -- the recipient's own deleted text, for content_deleted only
	created_at TEXT    NOT NULL,
	read_at    TEXT
);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE read_at IS NULL;
