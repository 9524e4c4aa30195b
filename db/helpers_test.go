package db

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"board/models"
	"board/models/clocktest"
)

// clockStart is a whole second, so throttle times (stored as float seconds)
// and their differences are exact.
var clockStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newClock() *clocktest.Clock { return clocktest.At(clockStart) }

// testEnv is a real, migrated SQLite file in a per-test temp dir plus every
// store, on a test clock.
type testEnv struct {
	DB    *DB
	clock *clocktest.Clock
	*models.Stores
}

func openTestDB(tb testing.TB) *DB {
	d, _ := openTestFile(tb)
	return d
}

// openTestFile is openTestDB for tests that also read the file itself.
func openTestFile(tb testing.TB) (*DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "board.db")
	d, err := Open(path)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatalf("Migrate: %v", err)
	}
	return d, path
}

func newEnv(tb testing.TB) *testEnv {
	tb.Helper()
	clock := newClock()
	d := openTestDB(tb)
	return &testEnv{DB: d, clock: clock, Stores: NewStores(d, clock.Now, time.Minute)}
}

// user adds a member (or admin) named name with a derived email. It inserts
// the row itself: Users.Create also audits the registration, and these
// tests want the audit log to hold exactly what each test writes.
func (e *testEnv) user(tb testing.TB, name string, role models.Role) *models.User {
	tb.Helper()
	ctx := context.Background()
	var id int64
	err := e.DB.write.QueryRowContext(ctx, `INSERT INTO users (email, display_name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		fmt.Sprintf("%s@example.com", sanitize(name)), name, role, formatTime(e.clock.Now())).Scan(&id)
	if err != nil {
		tb.Fatalf("create user %q: %v", name, err)
	}
	u, err := e.Users.ByID(ctx, id)
	if err != nil {
		tb.Fatalf("user %q: %v", name, err)
	}
	return u
}

func sanitize(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			out = append(out, r)
		}
	}
	return string(out)
}

func (e *testEnv) post(tb testing.TB, author *models.User, title string) *models.Post {
	tb.Helper()
	p, err := e.Posts.Create(context.Background(), author.ID, title, "body of "+title)
	if err != nil {
		tb.Fatalf("create post %q: %v", title, err)
	}
	return p
}

func (e *testEnv) comment(tb testing.TB, p *models.Post, author *models.User, body string) *models.Comment {
	tb.Helper()
	c, err := e.Comments.Create(context.Background(), p.ID, author.ID, body)
	if err != nil {
		tb.Fatalf("create comment %q: %v", body, err)
	}
	return c
}

func (e *testEnv) count(tb testing.TB, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := e.DB.read.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// auditRow is the raw stored form of one audit event, read with SQL so the
// store tests do not depend on Audit.List.
type auditRow struct {
	ActorID    sql.NullInt64
	Kind       string
	TargetType string
	TargetID   sql.NullInt64
	Detail     string
	ClientIP   string
}

func (e *testEnv) auditRows(tb testing.TB) []auditRow {
	tb.Helper()
	rows, err := e.DB.read.QueryContext(context.Background(),
		`SELECT actor_id, kind, target_type, target_id, detail, client_ip FROM audit_events ORDER BY id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.ActorID, &r.Kind, &r.TargetType, &r.TargetID, &r.Detail, &r.ClientIP); err != nil {
			tb.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// listAll pages through Posts.List with the given page size and returns
// every post in the order served, failing on a page that breaks the contract.
func listAll(tb testing.TB, s models.Posts, f models.PostListFilter, limit int) []*models.Post {
	tb.Helper()
	var all []*models.Post
	before := int64(0)
	for pages := 0; ; pages++ {
		if pages > 10000 {
			tb.Fatal("List never returned NextBefore = 0")
		}
		page, err := s.List(context.Background(), f, before, limit)
		if err != nil {
			tb.Fatalf("List(before=%d): %v", before, err)
		}
		if len(page.Posts) > limit {
			tb.Fatalf("List(before=%d, limit=%d) returned %d posts", before, limit, len(page.Posts))
		}
		if page.NextBefore != 0 {
			if len(page.Posts) != limit {
				tb.Fatalf("List(before=%d): NextBefore=%d on a short page of %d", before, page.NextBefore, len(page.Posts))
			}
			if last := page.Posts[len(page.Posts)-1].ID; page.NextBefore != last {
				tb.Fatalf("List(before=%d): NextBefore=%d, want the last post's id %d", before, page.NextBefore, last)
			}
		}
		all = append(all, page.Posts...)
		if page.NextBefore == 0 {
			return all
		}
		before = page.NextBefore
	}
}

func ids(posts []*models.Post) []int64 {
	out := make([]int64, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}
