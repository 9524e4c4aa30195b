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

// Throttle limits failed sign-ins with a sliding window over the
// auth_failures table, so limits hold across restarts and processes.
type Throttle struct {
	DB     *db.DB
	Window time.Duration
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// RetryAfter is zero if no key is over its limit, else how long until the
// most limited key allows another attempt.
func (t *Throttle) RetryAfter(ctx context.Context, keys ...ThrottleKey) (time.Duration, error) {
	now := time.Now()
	var wait time.Duration
	for _, k := range keys {
		// The Limit-th most recent failure in the window: once it ages out,
		// the count drops below the limit.
		var at float64
		err := t.DB.Read.QueryRowContext(ctx, `SELECT at FROM auth_failures WHERE key = ? AND at > ?
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

// Fail counts one failure against every key, and drops expired rows.
func (t *Throttle) Fail(ctx context.Context, keys ...ThrottleKey) error {
	now := time.Now()
	return t.DB.WithTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE at <= ?`, unixSeconds(now.Add(-t.Window))); err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO auth_failures (key, at) VALUES (?, ?)`, k.Key, unixSeconds(now)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reset forgets the failures counted against key (a successful sign-in
// clears its account's count, not its address's).
func (t *Throttle) Reset(ctx context.Context, key string) error {
	_, err := t.DB.Write.ExecContext(ctx, `DELETE FROM auth_failures WHERE key = ?`, key)
	return err
}
