package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "board.db")
	d, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d, path
}

func migrated(t *testing.T) *DB {
	t.Helper()
	d, _ := openTest(t)
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return d
}

func embeddedMigrations(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = strings.TrimPrefix(n, "migrations/")
	}
	slices.Sort(names)
	if len(names) == 0 {
		t.Fatal("no embedded migrations")
	}
	return names
}

// schema is every object SQLite knows about, as created.
func schema(t *testing.T, d *DB) []string {
	t.Helper()
	rows, err := d.read.Query(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func appliedMigrations(t *testing.T, d *DB) []string {
	t.Helper()
	rows, err := d.read.Query(`SELECT name FROM schema_migrations ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	d, path := openTest(t)
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	want := embeddedMigrations(t)
	if got := appliedMigrations(t, d); !slices.Equal(got, want) {
		t.Fatalf("schema_migrations after one run = %v, want each embedded migration once: %v", got, want)
	}
	before := schema(t, d)
	for _, table := range []string{"users", "posts", "comments", "audit_events", "sessions"} {
		if !slices.ContainsFunc(before, func(s string) bool { return strings.HasPrefix(s, "table "+table+":") }) {
			t.Errorf("table %s missing after Migrate", table)
		}
	}

	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	// And again from a fresh process's point of view.
	d.Close()
	d2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if err := d2.Migrate(ctx); err != nil {
		t.Fatalf("Migrate after reopening: %v", err)
	}
	if got := appliedMigrations(t, d2); !slices.Equal(got, want) {
		t.Errorf("schema_migrations after three runs = %v, want %v (each once)", got, want)
	}
	var dupes int
	if err := d2.read.QueryRow(`SELECT count(*) - count(DISTINCT name) FROM schema_migrations`).Scan(&dupes); err != nil || dupes != 0 {
		t.Errorf("duplicate schema_migrations rows: %d (%v)", dupes, err)
	}
	if after := schema(t, d2); !slices.Equal(after, before) {
		t.Errorf("schema changed on re-running Migrate:\nbefore %v\nafter  %v", before, after)
	}
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// Numbers only increase, one per migration. Gaps are allowed: engineers
// working in parallel each own a range of numbers.
func TestMigrationNames(t *testing.T) {
	last := ""
	for _, name := range embeddedMigrations(t) {
		m := migrationName.FindStringSubmatch(name)
		if m == nil {
			t.Errorf("migration %q is not named NNNN_name.sql", name)
			continue
		}
		if m[1] <= last {
			t.Errorf("migration %q is number %s, want a number above %s (one number each)", name, m[1], last)
		}
		last = m[1]
	}
}

// landedMigrations pins each migration's SHA-256 as it was first committed.
// DESIGN.md convention 4: "One migration per schema change, never edited
// after it lands." A database migrated before an edit never runs the edited
// text again (schema_migrations already records the name), so an edit
// silently forks the schema between old and new databases. Add a new
// NNNN_name.sql instead, and add its hash here when it lands.
var landedMigrations = map[string]string{
	"0001_init.sql":                  "2a6eee48e34a3db38916e1aa1b1b5f220edcd7f4e3ffd3fda81e55319c4d8374",
	"0002_identities.sql":            "e201ae0357fcf582d300f39f0e16125478eab1bfc3b0fd5b4611769051fec296",
	"0003_sessions_throttle.sql":     "86c56ff759fc78b78ef9e59d61268e0adbd57b8840e1ff57aac8cda4960950ef",
	"0004_session_expiry.sql":        "dd630b298808ae63af7a1afeace576c425bb9a12688e884712101c23f708b833",
	"0010_server_secrets.sql":        "e1f291833c64228fb16736f996ea988cbf36a3d2f2f30e1fa4e3519de212e1d4",
	"0011_throttle_expiry.sql":       "6f05ca15671624734648d15c75938e3b5ce8d9fcaab4963e874b1c82c59c53b4",
	"0012_sign_in_notices.sql":       "c40f5180685619e6570b4a2f35725f8dde6f32fa2faf07fd4417c2e1ba93fc16",
	"0020_content_version.sql":       "add9581ed85266374263619a3c200e12bcabb257997e064039155dc1a44ab078",
	"0030_tokens.sql":                "eb0ddb2da8dd3245e311a823c41ee1cd3e1fd7ba78043c26448e325c7ff45f80",
	"0031_sign_in_traces.sql":        "46c0867881e094dd01c0ec8fce6ab3ec0ad7853b2383483e5987f7174455797b",
	"0050_mail.sql":                  "f4858eacbdc8834f87016e26149314a79c443a7f1f75dcf46b1de91823ff9371",
	"0065_reports_notifications.sql": "f83802a5677b6f1c8619dcf9aebefb122d1bea0decc5048b56b3280d64e2a152",
	"0066_notification_mail.sql":     "b8b0e929ddd84568c606614d4e36e5107d18d1dd6aadbdb1e3b4862b5b9295f6",
}

func TestLandedMigrationsAreUnchanged(t *testing.T) {
	for _, name := range embeddedMigrations(t) {
		want, ok := landedMigrations[name]
		if !ok {
			t.Logf("%s is new: pin its hash in landedMigrations once it lands", name)
			continue
		}
		body, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s was edited after it landed (sha256 %s, landed as %s): databases migrated before the edit "+
				"will never get the change. Restore the landed text and put the change in a new migration.", name, got, want)
		}
	}
	for name := range landedMigrations {
		if _, err := fs.Stat(migrations, "migrations/"+name); err != nil {
			t.Errorf("landed migration %s is gone: %v", name, err)
		}
	}
}

// Every connection of both pools gets the pragmas from the DSN.
func TestPragmasOnBothPools(t *testing.T) {
	ctx := context.Background()
	d := migrated(t)
	if got := d.write.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
	checkConn := func(pool string, c *sql.Conn) {
		t.Helper()
		for _, p := range []struct {
			pragma, want string
		}{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "5000"},
			{"synchronous", "1"}, // NORMAL
		} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", pool, p.pragma, err)
			}
			if got != p.want {
				t.Errorf("%s pool: PRAGMA %s = %q, want %q", pool, p.pragma, got, p.want)
			}
		}
	}
	w, err := d.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkConn("write", w)
	w.Close()
	// Hold several read connections at once so each is a distinct connection.
	var held []*sql.Conn
	for i := 0; i < 4; i++ {
		c, err := d.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		checkConn("read", c)
	}
	if open := d.read.Stats().OpenConnections; open < 4 {
		t.Errorf("read pool has %d open connections while 4 are held", open)
	}
	for _, c := range held {
		c.Close()
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	ctx := context.Background()
	d := migrated(t)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for name, pool := range map[string]*sql.DB{"write": d.write, "read": d.read} {
		_, err := pool.ExecContext(ctx, `INSERT INTO comments (post_id, body, created_at, updated_at) VALUES (424242, 'orphan', ?, ?)`, now, now)
		if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Errorf("%s pool: comment for a missing post: err = %v, want a FOREIGN KEY constraint failure", name, err)
		}
	}
	var n int
	if err := d.read.QueryRow(`SELECT count(*) FROM comments`).Scan(&n); err != nil || n != 0 {
		t.Errorf("comments = %d (%v), want 0", n, err)
	}
}

func countRows(t *testing.T, d *DB, table string) int {
	t.Helper()
	var n int
	if err := d.read.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func insertUser(ctx context.Context, tx *tx, email string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (email, display_name, created_at) VALUES (?, 'x', 'now')`, email)
	return err
}

func TestWithTxCommitsAndRollsBack(t *testing.T) {
	ctx := context.Background()
	d := migrated(t)

	if err := d.withTx(ctx, func(tx *tx) error { return insertUser(ctx, tx, "kept@example.com") }); err != nil {
		t.Fatalf("withTx(success): %v", err)
	}
	if n := countRows(t, d, "users"); n != 1 {
		t.Fatalf("after a committed withTx: %d users, want 1", n)
	}

	boom := errors.New("boom")
	err := d.withTx(ctx, func(tx *tx) error {
		if err := insertUser(ctx, tx, "a@example.com"); err != nil {
			return err
		}
		if err := insertUser(ctx, tx, "b@example.com"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("withTx returned %v, want the callback's error", err)
	}
	if n := countRows(t, d, "users"); n != 1 {
		t.Errorf("after a failed withTx: %d users, want 1 (both inserts rolled back)", n)
	}

	// A failing statement part-way: the earlier insert goes too.
	err = d.withTx(ctx, func(tx *tx) error {
		if err := insertUser(ctx, tx, "c@example.com"); err != nil {
			return err
		}
		return insertUser(ctx, tx, "KEPT@example.com") // duplicate (NOCASE)
	})
	if err == nil {
		t.Error("withTx with a duplicate email succeeded")
	}
	if n := countRows(t, d, "users"); n != 1 {
		t.Errorf("after a constraint failure: %d users, want 1", n)
	}

	// The single writer connection was given back each time.
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.withTx(tctx, func(tx *tx) error { return insertUser(tctx, tx, "after@example.com") }); err != nil {
		t.Errorf("withTx after rollbacks: %v", err)
	}
}

// A panic inside the callback must not leave the one writer connection
// inside an open transaction: every later write would wait forever.
func TestWithTxRollsBackOnPanic(t *testing.T) {
	ctx := context.Background()
	d := migrated(t)
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("withTx swallowed the callback's panic")
			}
		}()
		d.withTx(ctx, func(tx *tx) error {
			if err := insertUser(ctx, tx, "panicky@example.com"); err != nil {
				return err
			}
			panic("callback bug")
		})
	}()
	tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := d.withTx(tctx, func(tx *tx) error { return insertUser(tctx, tx, "next@example.com") })
	if err != nil {
		t.Fatalf("write after a panicking withTx: %v (the writer connection is still held by the abandoned transaction)", err)
	}
	var n int
	if err := d.read.QueryRow(`SELECT count(*) FROM users WHERE email = 'panicky@example.com'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the panicking transaction's insert is visible (%d, %v); want it rolled back", n, err)
	}
}
