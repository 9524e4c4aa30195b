-- A counter that every change to what pages show moves, kept by triggers so
-- no code path can forget it: a process may cache what it read while the
-- counter stands still, and every process sees a write by any other.
CREATE TABLE content_version (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO content_version (id, n) VALUES (1, 0);

CREATE TRIGGER posts_version_insert AFTER INSERT ON posts BEGIN UPDATE content_version SET n = n + 1; END;
CREATE TRIGGER posts_version_update AFTER UPDATE ON posts BEGIN UPDATE content_version SET n = n + 1; END;
CREATE TRIGGER posts_version_delete AFTER DELETE ON posts BEGIN UPDATE content_version SET n = n + 1; END;
CREATE TRIGGER comments_version_insert AFTER INSERT ON comments BEGIN UPDATE content_version SET n = n + 1; END;
CREATE TRIGGER comments_version_update AFTER UPDATE ON comments BEGIN UPDATE content_version SET n = n + 1; END;
CREATE TRIGGER comments_version_delete AFTER DELETE ON comments BEGIN UPDATE content_version SET n = n + 1; END;
-- Pages show members' names and roles beside what they wrote.
CREATE TRIGGER users_version_insert AFTER INSERT ON users BEGIN UPDATE content_version SET n = n + 1; END;
CREATE TRIGGER users_version_update AFTER UPDATE ON users BEGIN UPDATE content_version SET n = n + 1; END;
CREATE TRIGGER users_version_delete AFTER DELETE ON users BEGIN UPDATE content_version SET n = n + 1; END;
