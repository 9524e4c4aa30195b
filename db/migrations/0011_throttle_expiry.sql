-- Limits now have windows of their own (15 minutes for sign-ins, a day for
-- posting), so each counted attempt carries when it stops counting.
-- Rows from before have expires 0 and are swept on the next attempt.
ALTER TABLE auth_failures ADD COLUMN expires REAL NOT NULL DEFAULT 0;
CREATE INDEX auth_failures_expires_idx ON auth_failures (expires);
