package db

import (
	"context"
	"database/sql"
	"sync"
)

// statements caches a pool's prepared statements by query text, so SQLite
// parses each query once per connection instead of on every call.
type statements struct {
	pool  *sql.DB
	cache sync.Map // query → *sql.Stmt
}

func (s *statements) cached(query string) *sql.Stmt {
	st, _ := s.cache.Load(query)
	stmt, _ := st.(*sql.Stmt)
	return stmt
}

func (s *statements) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if stmt := s.cached(query); stmt != nil {
		return stmt, nil
	}
	stmt, err := s.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.cache.LoadOrStore(query, stmt); loaded {
		stmt.Close()
		return prev.(*sql.Stmt), nil
	}
	return stmt, nil
}

// querier is what stores run statements on: a pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// pooled runs each statement on a pool through the cache. A statement that
// cannot be prepared runs unprepared, which reports the same error.
type pooled struct{ *statements }

func (p pooled) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if stmt, err := p.prepare(ctx, query); err == nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return p.pool.QueryRowContext(ctx, query, args...)
}

func (p pooled) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if stmt, err := p.prepare(ctx, query); err == nil {
		return stmt.QueryContext(ctx, args...)
	}
	return p.pool.QueryContext(ctx, query, args...)
}

func (p pooled) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if stmt, err := p.prepare(ctx, query); err == nil {
		return stmt.ExecContext(ctx, args...)
	}
	return p.pool.ExecContext(ctx, query, args...)
}

// tx is a write transaction that uses the writer's cached statements.
// Preparing a new one needs the writer's only connection, which the
// transaction holds, so statements not yet cached run unprepared and are
// noted in missed for withTx to prepare after the commit.
type tx struct {
	*sql.Tx
	*statements
	missed []string
}

func (t *tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if stmt := t.cached(query); stmt != nil {
		return t.Tx.StmtContext(ctx, stmt)
	}
	t.missed = append(t.missed, query)
	return nil
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if stmt := t.stmt(ctx, query); stmt != nil {
		return stmt.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if stmt := t.stmt(ctx, query); stmt != nil {
		return stmt.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if stmt := t.stmt(ctx, query); stmt != nil {
		return stmt.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}
