-- Members choose, per kind, which notifications they also get by mail.
-- A notification written while its recipient wants mail for its kind is
-- marked 'wanted' in the same transaction as the change that caused it: the
-- notifications table is the queue the notification mailer works through,
-- and it queues each message in the outbox as it marks it 'sent' (or
-- 'skipped', when the recipient may no longer see it or has no confirmed
-- address).
CREATE TABLE notification_mail (
	user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind    TEXT    NOT NULL,
	PRIMARY KEY (user_id, kind)
);
ALTER TABLE notifications ADD COLUMN mail TEXT NOT NULL DEFAULT '' CHECK (mail IN ('', 'wanted', 'sent', 'skipped'));
CREATE INDEX notifications_mail_idx ON notifications (id) WHERE mail = 'wanted';
