// Package dbtest opens the board's real database for tests: a migrated
// SQLite file in the test's temp dir, closed when the test ends.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"board/db"
)

// Open opens and migrates a new database for one test.
func Open(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(filepath.Join(tb.TempDir(), "board.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return d
}
