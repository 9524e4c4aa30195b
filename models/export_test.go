package models

import (
	"context"
	"database/sql"
	"time"
)

// The throttle's two steps, one at a time, for its tests; the board itself
// only uses Begin and Succeeded.

func (t *Throttle) RetryAfter(ctx context.Context, keys ...ThrottleKey) (time.Duration, error) {
	return t.retryAfter(ctx, t.DB.Read, keys)
}

func (t *Throttle) Fail(ctx context.Context, keys ...ThrottleKey) error {
	return t.DB.WithTx(ctx, func(tx *sql.Tx) error {
		_, err := t.fail(ctx, tx, keys)
		return err
	})
}
