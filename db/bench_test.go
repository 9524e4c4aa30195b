package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"board/models"
)

// seedBoard fills an empty, migrated database with nUsers members and nPosts
// posts in a few statements: post i is by user (i % nUsers) + 1, every 97th
// post is hidden, every 5th post has three comments of which one is hidden.
func seedBoard(tb testing.TB, d *DB, nUsers, nPosts int) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	err := d.withTx(ctx, func(tx *tx) error {
		stmts := []struct {
			q    string
			args []any
		}{
			{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				INSERT INTO users (id, email, display_name, created_at)
				SELECT i, 'user' || i || '@example.com', 'User ' || i, ? FROM n`, []any{nUsers, now}},
			{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
				INSERT INTO posts (id, author_id, title, body, created_at, updated_at, hidden_at, hidden_reason)
				SELECT i, (i % ?) + 1, 'Post ' || i, 'Body of post ' || i, ?, ?,
					CASE WHEN i % 97 = 0 THEN ? END, CASE WHEN i % 97 = 0 THEN 'spam' ELSE '' END
				FROM n`, []any{nPosts, nUsers, now, now, now}},
			{`WITH k(j) AS (VALUES (0), (1), (2))
				INSERT INTO comments (post_id, author_id, body, created_at, updated_at, hidden_at)
				SELECT p.id, ((p.id + k.j) % ?) + 1, 'Comment ' || k.j, ?, ?, CASE WHEN k.j = 2 THEN ? END
				FROM posts p, k WHERE p.id % 5 = 0`, []any{nUsers, now, now, now}},
		}
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
}

// BenchmarkPostList measures the first page and a deep page of the post list
// for a member and an admin, on a small and a large board. A keyset-paged,
// indexed list should cost about the same at both sizes.
func BenchmarkPostList(b *testing.B) {
	for _, n := range []int{100, 100000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			d := openTestDB(b)
			seedBoard(b, d, 50, n)
			s := NewStores(d, time.Now, time.Minute).Posts
			// User 3 writes every 50th post; some of them are hidden.
			memberFilter := models.ListFilter(&models.User{ID: 3, Role: models.RoleMember})
			adminFilter := models.ListFilter(&models.User{ID: 1, Role: models.RoleAdmin})
			mid := int64(n / 2)
			for _, c := range []struct {
				name   string
				f      models.PostListFilter
				before int64
			}{
				{"member/first", memberFilter, 0},
				{"admin/first", adminFilter, 0},
				{"member/deep", memberFilter, mid},
				{"admin/deep", adminFilter, mid},
			} {
				b.Run(c.name, func(b *testing.B) {
					ctx := context.Background()
					for b.Loop() {
						page, err := s.List(ctx, c.f, c.before, 20)
						if err != nil {
							b.Fatal(err)
						}
						if len(page.Posts) != 20 {
							b.Fatalf("got %d posts, want 20", len(page.Posts))
						}
					}
				})
			}
		})
	}
}

// queryRecorder wraps the real SQLite driver to capture the SQL (and
// arguments) the store actually sends, so the plan test explains the real
// queries rather than a copy of them.
type queryRecorder struct {
	mu      sync.Mutex
	queries []recordedQuery
}

type recordedQuery struct {
	sql  string
	args []any
}

type recordingConnector struct {
	drv driver.Driver
	dsn string
	rec *queryRecorder
}

func (c *recordingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: conn, rec: c.rec}, nil
}

func (c *recordingConnector) Driver() driver.Driver { return c.drv }

type recordingConn struct {
	driver.Conn
	rec *queryRecorder
}

func (r *queryRecorder) record(query string, args []driver.NamedValue) {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	r.mu.Lock()
	r.queries = append(r.queries, recordedQuery{query, vals})
	r.mu.Unlock()
}

func (c *recordingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.rec.record(query, args)
	qc, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return qc.QueryContext(ctx, query, args)
}

// PrepareContext records each run of a prepared statement: stores prepare
// their queries once and run them many times.
func (c *recordingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &recordingStmt{Stmt: st, query: query, rec: c.rec}, nil
}

type recordingStmt struct {
	driver.Stmt
	query string
	rec   *queryRecorder
}

func (s *recordingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.rec.record(s.query, args)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (r *queryRecorder) take() []recordedQuery {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queries
	r.queries = nil
	return q
}

// planProblems returns the plan lines that walk a whole table or sort: a
// SCAN of a table without an index ("SCAN (subquery-N)", a walk over a
// subquery's own few rows, is fine) or a temporary b-tree (ORDER BY, DISTINCT).
var scanTable = regexp.MustCompile(`^SCAN \w`)

func planProblems(plan []string) []string {
	var bad []string
	for _, line := range plan {
		switch {
		case strings.Contains(line, "USE TEMP B-TREE"):
			bad = append(bad, line)
		case scanTable.MatchString(line) && !strings.Contains(line, "USING INDEX") &&
			!strings.Contains(line, "USING COVERING INDEX") && !strings.Contains(line, "USING INTEGER PRIMARY KEY"):
			bad = append(bad, line)
		}
	}
	return bad
}

func explain(t *testing.T, d *DB, q recordedQuery) []string {
	t.Helper()
	rows, err := d.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q.sql, q.args...)
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, q.sql)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// recordingPostStore is the posts store over a seeded board whose read pool
// records every query it is sent; d is the same database, unwrapped.
func recordingPostStore(t *testing.T) (*DB, models.Posts, *queryRecorder) {
	t.Helper()
	d, path := openTestFile(t)
	seedBoard(t, d, 10, 500)
	rec := &queryRecorder{}
	read := sql.OpenDB(&recordingConnector{drv: d.read.Driver(), dsn: "file:" + path + "?_pragma=foreign_keys(1)", rec: rec})
	t.Cleanup(func() { read.Close() })
	return d, NewStores(&DB{write: d.write, read: read, writes: d.writes, reads: &statements{pool: read}}, time.Now, time.Minute).Posts, rec
}

var listCases = []struct {
	name   string
	f      models.PostListFilter
	before int64
}{
	{"member/first", models.ListFilter(&models.User{ID: 3}), 0},
	{"member/deep", models.ListFilter(&models.User{ID: 3}), 250},
	{"admin/first", models.ListFilter(&models.User{ID: 1, Role: models.RoleAdmin}), 0},
	{"admin/deep", models.ListFilter(&models.User{ID: 1, Role: models.RoleAdmin}), 250},
	{"visible-only/first", models.PostListFilter{}, 0},
	{"visible-only/deep", models.PostListFilter{}, 250},
}

func listQueries(t *testing.T, s models.Posts, rec *queryRecorder, f models.PostListFilter, before int64) []recordedQuery {
	t.Helper()
	rec.take()
	if _, err := s.List(context.Background(), f, before, 20); err != nil {
		t.Fatal(err)
	}
	queries := rec.take()
	if len(queries) == 0 {
		t.Fatal("List sent no query through the read pool")
	}
	return queries
}

// TestPostListQueryPlans is the non-timing proof that the list stays fast: the
// queries Posts.List really sends use indexes and never sort.
func TestPostListQueryPlans(t *testing.T) {
	d, s, rec := recordingPostStore(t)
	for _, c := range listCases {
		t.Run(c.name, func(t *testing.T) {
			for _, q := range listQueries(t, s, rec, c.f, c.before) {
				plan := explain(t, d, q)
				if bad := planProblems(plan); len(bad) > 0 {
					t.Errorf("query plan walks a table or sorts: %q\nquery: %s\nfull plan:\n  %s",
						bad, q.sql, strings.Join(plan, "\n  "))
				}
			}
		})
	}
}

var indexSearch = regexp.MustCompile(`^SEARCH (?:posts|p) USING (?:COVERING )?INDEX (\w+)`)

// TestPostListHiddenFilterIsIndexed: an index walk over posts must not read
// rows only to drop them for their hidden state. Every posts index a list
// query walks must therefore know hidden_at (as a column or in its partial
// WHERE); otherwise the cost of a page grows with the rows skipped (for the
// member list: with every visible post the member ever wrote).
func TestPostListHiddenFilterIsIndexed(t *testing.T) {
	d, s, rec := recordingPostStore(t)
	defs := map[string]string{}
	rows, err := d.read.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'posts' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		defs[name] = def
	}
	rows.Close()
	for _, c := range listCases {
		t.Run(c.name, func(t *testing.T) {
			for _, q := range listQueries(t, s, rec, c.f, c.before) {
				plan := explain(t, d, q)
				for _, line := range plan {
					m := indexSearch.FindStringSubmatch(line)
					if m == nil {
						continue
					}
					if def := defs[m[1]]; !strings.Contains(def, "hidden_at") {
						t.Errorf("plan line %q walks index %s (%s), which cannot skip posts by hidden state: "+
							"the walk reads and drops every row of the other state\nfull plan:\n  %s",
							line, m[1], def, strings.Join(plan, "\n  "))
					}
				}
			}
		})
	}
}

// The plan checker itself must catch what it is for, or the plan test proves nothing.
func TestPlanProblemsDetectsScansAndSorts(t *testing.T) {
	for _, tc := range []struct {
		line string
		bad  bool
	}{
		{"SCAN p", true},
		{"SCAN posts", true},
		{"USE TEMP B-TREE FOR ORDER BY", true},
		{"USE TEMP B-TREE FOR DISTINCT", true},
		{"SCAN p USING INDEX posts_visible_idx", false},
		{"SCAN (subquery-2)", false},
		{"SEARCH p USING INTEGER PRIMARY KEY (rowid<?)", false},
		{"SEARCH c USING INDEX comments_post_idx (post_id=?)", false},
	} {
		if got := len(planProblems([]string{tc.line})) > 0; got != tc.bad {
			t.Errorf("planProblems(%q) flagged = %v, want %v", tc.line, got, tc.bad)
		}
	}
}
