package db

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"board/models"
)

// throttle is models.Throttle: sliding windows over auth_failures, one row
// per counted attempt per key.
type throttle struct {
	store
	window time.Duration // for keys that name none
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func fromUnixSeconds(at float64) time.Time {
	secs, frac := math.Modf(at)
	return time.Unix(int64(secs), int64(frac*1e9))
}

func (t *throttle) windowOf(k models.ThrottleKey) time.Duration {
	if k.Window > 0 {
		return k.Window
	}
	return t.window
}

// retryAfter is zero if every key allows another attempt now, else how long
// until the most limited one does.
func (t *throttle) retryAfter(ctx context.Context, q querier, now time.Time, keys []models.ThrottleKey) (time.Duration, error) {
	var wait time.Duration
	for _, k := range keys {
		since := unixSeconds(now.Add(-t.windowOf(k)))
		if k.Limit > 0 {
			// The Limit-th most recent attempt in the window: once it ages
			// out, the count drops below the limit.
			var at float64
			err := q.QueryRowContext(ctx, `SELECT at FROM auth_failures WHERE key = $1 AND at > $2
				ORDER BY at DESC LIMIT 1 OFFSET $3`, k.Key, since, k.Limit-1).Scan(&at)
			switch {
			case err == nil:
				wait = max(wait, fromUnixSeconds(at).Add(t.windowOf(k)).Sub(now))
			case !errors.Is(err, sql.ErrNoRows):
				return 0, err
			}
		}
		if k.Backoff > 0 {
			var n int
			var latest sql.NullFloat64
			if err := q.QueryRowContext(ctx, `SELECT count(*), max(at) FROM auth_failures WHERE key = $1 AND at > $2`,
				k.Key, since).Scan(&n, &latest); err != nil {
				return 0, err
			}
			if n >= k.Free && latest.Valid {
				wait = max(wait, fromUnixSeconds(latest.Float64).Add(backoff(k, n-k.Free)).Sub(now))
			}
		}
	}
	return wait, nil
}

// backoff is the delay after the (Free+over+1)-th attempt: Backoff doubled
// over times, at most MaxDelay.
func backoff(k models.ThrottleKey, over int) time.Duration {
	d := k.Backoff
	for range over {
		if d >= k.MaxDelay {
			break
		}
		d *= 2
	}
	return min(d, k.MaxDelay)
}

// count counts one attempt against every key, and drops expired rows.
func (t *throttle) count(ctx context.Context, q querier, now time.Time, keys []models.ThrottleKey) ([]int64, error) {
	if _, err := q.ExecContext(ctx, `DELETE FROM auth_failures WHERE expires <= $1`, unixSeconds(now)); err != nil {
		return nil, err
	}
	var ids []int64
	for _, k := range keys {
		var id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO auth_failures (key, at, expires) VALUES ($1, $2, $3) RETURNING id`,
			k.Key, unixSeconds(now), unixSeconds(now.Add(t.windowOf(k)))).Scan(&id); err != nil {
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
		a.FailureIDs, err = t.count(ctx, tx, now, keys)
		return err
	})
	return a, wait, err
}

// Succeeded uncounts the attempt and forgets what was counted against the
// reset keys: a successful sign-in clears its account's count, not its
// address's.
func (t *throttle) Succeeded(ctx context.Context, a models.Attempt, reset ...string) error {
	return t.db.withTx(ctx, func(tx *tx) error {
		for _, id := range a.FailureIDs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE id = $1`, id); err != nil {
				return err
			}
		}
		for _, key := range reset {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_failures WHERE key = $1`, key); err != nil {
				return err
			}
		}
		return nil
	})
}
