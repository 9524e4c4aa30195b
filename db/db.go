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
	// Prepared statements, by query text, for each pool.
	writes, reads *statements
	cache         *contentCache
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
	// Idle connections are kept, or the pool would close all but two after
	// every burst and pay to reopen them and re-prepare their statements.
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	d := &DB{write: write, read: read, writes: &statements{pool: write}, reads: &statements{pool: read}, cache: &contentCache{}}
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

// reader runs single queries on the read pool, prepared once.
func (d *DB) reader() querier { return pooled{d.reads} }

// writer runs single statements (each its own transaction) on the writer.
func (d *DB) writer() querier { return pooled{d.writes} }

// withTx runs fn in one write transaction, committing only if fn succeeds.
func (d *DB) withTx(ctx context.Context, fn func(*tx) error) error {
	sqlTx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	t := &tx{Tx: sqlTx, statements: d.writes}
	// A panic must not leave the single writer connection inside a transaction.
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	// The writer's one connection was busy inside the transaction, so
	// statements first seen there are prepared now that it is free.
	for _, query := range t.missed {
		d.writes.prepare(ctx, query)
	}
	return nil
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
		err = d.withTx(ctx, func(tx *tx) error {
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = $1`, short).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			// A migration runs once: not worth a cached statement.
			if _, err := tx.Tx.ExecContext(ctx, string(body)); err != nil {
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

// Changes is how many rows the board has inserted, updated or deleted since
// the database was opened: every write goes through the writer's one
// connection, and SQLite counts them there.
func (d *DB) Changes(ctx context.Context) (int64, error) {
	var n int64
	err := d.write.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&n)
	return n, err
}
