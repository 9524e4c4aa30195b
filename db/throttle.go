package db

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"board/models"
)

// throttle is models.Throttle: a sliding window over auth_failures.
type throttle struct {
	store
	window time.Duration
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// retryAfter is zero if no key is over its limit, else how long until the
// most limited key allows another attempt.
func (t *throttle) retryAfter(ctx context.Context, q querier, now time.Time, keys []models.ThrottleKey) (time.Duration, error) {
	var wait time.Duration
	for _, k := range keys {
		// The Limit-th most recent failure in the window: once it ages out,
		// the count drops below the limit.
		var at float64
		err := q.QueryRowContext(ctx, `SELECT at FROM auth_failures WHERE key = $1 AND at > $2
			ORDER BY at DESC LIMIT 1 OFFSET $3`, k.Key, unixSeconds(now.Add(-t.window)), k.Limit-1).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, err
		}
		secs, frac := math.Modf(at)
		until := time.Unix(int64(secs), int64(frac*1e9)).Add(t.window).Sub(now)
		wait = max(wait, until)
	}
	return wait, nil
}

// fail counts one failure against every key, and drops expired rows.
func (t *throttle) fail(ctx context.Context, q querier, now time.Time, keys []models.ThrottleKey) ([]int64, error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM auth_failures WHERE at <= $1`, unixSeconds(now.Add(-t.window))); err != nil {
		return nil, err
	}
	var ids []int64
	for _, k := range keys {
		var id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO auth_failures (key, at) VALUES ($1, $2) RETURNING id`,
			k.Key, unixSeconds(now)).Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Begin checks and counts in one write transaction, so parallel guesses
// cannot all slip past the check before any of them is counted.
func (t *throttle) Begin(ctx context.Context, keys ...models.ThrottleKey) (models.Attempt, time.Duration, error) {
	var a models.Attempt
	var wait time.Duration
	now := t.now()
	err := t.db.withTx(ctx, func(tx *tx) error {
		var err error
		if wait, err = t.retryAfter(ctx, tx, now, keys); err != nil || wait > 0 {
			return err
		}
		a.FailureIDs, err = t.fail(ctx, tx, now, keys)
		return err
	})
	return a, wait, err
}

// Succeeded forgets the failures counted against reset: a successful
// sign-in clears its account's count, not its address's.
func (t *throttle) Succeeded(ctx context.Context, a models.Attempt, reset string) error {
	return t.db.withTx(ctx, func(tx *tx) error {
		for _, id := range a.FailureIDs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE id = $1`, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE key = $1`, reset)
		return err
	})
}
