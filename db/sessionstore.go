package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
)

// sessionStore is scs's sqlite3store for writes and expiry cleanup, with
// reads taken off the single writer: every page view looks its session up,
// so Find runs a prepared statement on the read pool instead.
type sessionStore struct {
	*sqlite3store.SQLite3Store
	d   *DB
	now func() time.Time
}

// SessionStore is the scs store over this database, on the board's clock. A
// cleanup interval of zero turns off its background sweep (tests).
func (d *DB) SessionStore(cleanup time.Duration, now func() time.Time) (scs.CtxStore, func()) {
	s := &sessionStore{SQLite3Store: sqlite3store.NewWithCleanupInterval(d.write, cleanup), d: d, now: now}
	return s, s.StopCleanup
}

// julianDay is how sqlite3store writes expiry times.
func julianDay(t time.Time) float64 { return float64(t.UnixNano())/86400e9 + 2440587.5 }

func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := s.d.reader().QueryRowContext(ctx, `SELECT data FROM sessions WHERE token = $1 AND expiry > $2`,
		token, julianDay(s.now())).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *sessionStore) CommitCtx(_ context.Context, token string, b []byte, expiry time.Time) error {
	return s.Commit(token, b, expiry)
}

func (s *sessionStore) DeleteCtx(_ context.Context, token string) error { return s.Delete(token) }
