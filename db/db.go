// Package db is the board's storage: it opens the SQLite database, applies
// the embedded migrations, and implements the models' store interfaces.
// Nothing outside this package sees SQL or a database handle.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB holds two pools over one SQLite file: SQLite allows a single writer at a
// time, so writes go through a one-connection pool (no SQLITE_BUSY between our
// own writers) while reads run in parallel on the other.
type DB struct {
	write *sql.DB
	read  *sql.DB
}

// Option changes how Open opens the database.
type Option func(*options)

type options struct{ sync string }

// FullSync makes every commit durable against power loss, not only against
// the process dying: SQLite syncs the WAL on each commit (synchronous=FULL)
// instead of at checkpoints (NORMAL, the default). It costs write latency.
func FullSync() Option { return func(o *options) { o.sync = "FULL" } }

// Open opens (creating if needed) the SQLite file at path with WAL, foreign
// keys, a busy timeout and immediate write transactions.
func Open(path string, opts ...Option) (*DB, error) {
	o := options{sync: "NORMAL"}
	for _, opt := range opts {
		opt(&o)
	}
	pragmas := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(" + o.sync + ")", "busy_timeout(5000)", "foreign_keys(1)"} {
		pragmas.Add("_pragma", p)
	}
	pragmas.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + pragmas.Encode()

	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	d := &DB{write: write, read: read}
	if err := write.Ping(); err != nil {
		d.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return d, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	return errors.Join(d.read.Close(), d.write.Close())
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.read.PingContext(ctx) }

// SessionStore is the scs store over this database. A cleanup interval of
// zero turns off its background sweep (tests).
func (d *DB) SessionStore(cleanup time.Duration) (scs.Store, func()) {
	s := sqlite3store.NewWithCleanupInterval(d.write, cleanup)
	return s, s.StopCleanup
}

// withTx runs fn in one write transaction, committing only if fn succeeds.
func (d *DB) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// A panic must not leave the single writer connection inside a transaction.
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Migrate applies, in name order, every embedded migration not yet recorded,
// each in its own transaction together with its record.
func (d *DB) Migrate(ctx context.Context) error {
	if _, err := d.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY,
		applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		short := strings.TrimPrefix(name, "migrations/")
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = d.withTx(ctx, func(tx *sql.Tx) error {
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, short).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, short)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", short, err)
		}
	}
	return nil
}
