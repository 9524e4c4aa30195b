package models

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"board/db"
)

// ThrottleKey is one thing failures are counted against, with its limit.
type ThrottleKey struct {
	Key   string // e.g. "account:alice@example.com", "addr:192.0.2.1"
	Limit int    // failures allowed within the window
}

// Throttle limits attempts (failed sign-ins, registrations) with a sliding
// window over the auth_failures table, so limits hold across restarts and
// processes.
type Throttle struct {
	DB     *db.DB
	Window time.Duration
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// retryAfter is zero if no key is over its limit, else how long until the
// most limited key allows another attempt.
func (t *Throttle) retryAfter(ctx context.Context, q querier, keys []ThrottleKey) (time.Duration, error) {
	now := time.Now()
	var wait time.Duration
	for _, k := range keys {
		// The Limit-th most recent failure in the window: once it ages out,
		// the count drops below the limit.
		var at float64
		err := q.QueryRowContext(ctx, `SELECT at FROM auth_failures WHERE key = ? AND at > ?
			ORDER BY at DESC LIMIT 1 OFFSET ?`, k.Key, unixSeconds(now.Add(-t.Window)), k.Limit-1).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, err
		}
		secs, frac := math.Modf(at)
		until := time.Unix(int64(secs), int64(frac*1e9)).Add(t.Window).Sub(now)
		wait = max(wait, until)
	}
	return wait, nil
}

// fail counts one failure against every key, and drops expired rows.
func (t *Throttle) fail(ctx context.Context, q querier, keys []ThrottleKey) ([]int64, error) {
	now := time.Now()
	if _, err := q.ExecContext(ctx, `DELETE FROM auth_failures WHERE at <= ?`, unixSeconds(now.Add(-t.Window))); err != nil {
		return nil, err
	}
	var ids []int64
	for _, k := range keys {
		var id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO auth_failures (key, at) VALUES (?, ?) RETURNING id`,
			k.Key, unixSeconds(now)).Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Attempt is a guess in progress, counted as a failure until it succeeds.
type Attempt struct{ failureIDs []int64 }

// Begin checks the limits and, if none is reached, counts the attempt as a
// failure against every key, in one write transaction. Checking and counting
// together means parallel guesses cannot all slip past the check before any
// of them is counted. A non-zero wait means the attempt is refused.
func (t *Throttle) Begin(ctx context.Context, keys ...ThrottleKey) (Attempt, time.Duration, error) {
	var a Attempt
	var wait time.Duration
	err := t.DB.WithTx(ctx, func(tx *sql.Tx) error {
		var err error
		if wait, err = t.retryAfter(ctx, tx, keys); err != nil || wait > 0 {
			return err
		}
		a.failureIDs, err = t.fail(ctx, tx, keys)
		return err
	})
	return a, wait, err
}

// Succeeded uncounts a successful attempt and forgets the failures counted
// against reset (a successful sign-in clears its account's count, not its
// address's).
func (t *Throttle) Succeeded(ctx context.Context, a Attempt, reset string) error {
	return t.DB.WithTx(ctx, func(tx *sql.Tx) error {
		for _, id := range a.failureIDs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE id = ?`, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE key = ?`, reset)
		return err
	})
}
