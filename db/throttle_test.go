package db

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"board/models"
)

// Throttle over a real SQLite file: its two steps (retryAfter and count),
// Begin and Succeeded, the sliding window on the test clock, independent
// keys, and limits that outlive the process.

func (e *testEnv) failureRows(tb testing.TB, key string) int {
	tb.Helper()
	return e.count(tb, `SELECT count(*) FROM auth_failures WHERE key = ?`, key)
}

// newThrottle is the throttle NewStores builds, with its own window.
func (e *testEnv) newThrottle(window time.Duration) *throttle {
	return NewStores(e.DB, e.clock.Now, window).Throttle.(*throttle)
}

// retryAfter is Begin's check alone, without counting an attempt.
func retryAfter(t *testing.T, th *throttle, keys ...models.ThrottleKey) time.Duration {
	t.Helper()
	d, err := th.retryAfter(context.Background(), th.db.read, th.now(), keys)
	if err != nil {
		t.Fatalf("retryAfter: %v", err)
	}
	return d
}

// fail is Begin's counting alone, without the check.
func fail(t *testing.T, th *throttle, keys ...models.ThrottleKey) {
	t.Helper()
	ctx := context.Background()
	err := th.db.withTx(ctx, func(tx *tx) error {
		_, err := th.count(ctx, tx, th.now(), keys)
		return err
	})
	if err != nil {
		t.Fatalf("fail: %v", err)
	}
}

func TestThrottleLimitRetryAfterAndSucceeded(t *testing.T) {
	e := newEnv(t)
	const window = time.Minute
	th := e.newThrottle(window)
	acct := models.ThrottleKey{Key: "account:ann@example.com", Limit: 3}
	addr := models.ThrottleKey{Key: "addr:192.0.2.1", Limit: 3}

	if d := retryAfter(t, th, acct, addr); d != 0 {
		t.Fatalf("retryAfter with no failures = %v, want 0", d)
	}
	// Limit 3: three failures (a second apart) are allowed, the fourth attempt waits.
	for i := 1; i <= 2; i++ {
		fail(t, th, acct)
		if d := retryAfter(t, th, acct); d != 0 {
			t.Errorf("after %d failures (limit 3): retryAfter = %v, want 0", i, d)
		}
		e.clock.Advance(time.Second)
	}
	fail(t, th, acct)
	// It waits until the oldest of the 3 most recent failures, 2s old, leaves the window.
	if d := retryAfter(t, th, acct); d != window-2*time.Second {
		t.Fatalf("after 3 failures (limit 3): retryAfter = %v, want %v", d, window-2*time.Second)
	}
	e.clock.Advance(10 * time.Second)
	if d := retryAfter(t, th, acct); d != window-12*time.Second {
		t.Errorf("10s later: retryAfter = %v, want %v (the wait shrinks as time passes)", d, window-12*time.Second)
	}
	// Keys are independent: the address has no failures of its own.
	if d := retryAfter(t, th, addr); d != 0 {
		t.Errorf("addr key: retryAfter = %v, want 0 (only the account failed)", d)
	}
	// With several keys, the most limited one decides.
	if both := retryAfter(t, th, addr, acct); both != window-12*time.Second {
		t.Errorf("retryAfter(addr, acct) = %v, want acct's wait %v", both, window-12*time.Second)
	}
	// A key with a higher limit is not limited by the same rows.
	if d := retryAfter(t, th, models.ThrottleKey{Key: acct.Key, Limit: 4}); d != 0 {
		t.Errorf("same key with limit 4 after 3 failures: retryAfter = %v, want 0", d)
	}

	if err := th.Succeeded(context.Background(), models.Attempt{}, acct.Key); err != nil {
		t.Fatal(err)
	}
	if d := retryAfter(t, th, acct); d != 0 {
		t.Errorf("after Succeeded: retryAfter = %v, want 0", d)
	}
	if n := e.failureRows(t, acct.Key); n != 0 {
		t.Errorf("after Succeeded: %d rows for the key, want 0", n)
	}
	if err := th.Succeeded(context.Background(), models.Attempt{}, "account:nobody@example.com"); err != nil {
		t.Errorf("Succeeded on a key with no failures: %v", err)
	}

	// fail counts against every key given; Succeeded clears only the one named.
	for i := 0; i < 3; i++ {
		fail(t, th, acct, addr)
	}
	if retryAfter(t, th, acct) == 0 || retryAfter(t, th, addr) == 0 {
		t.Fatal("after 3 failures against both keys, both should be limited")
	}
	if err := th.Succeeded(context.Background(), models.Attempt{}, acct.Key); err != nil {
		t.Fatal(err)
	}
	if d := retryAfter(t, th, acct); d != 0 {
		t.Errorf("account after its Succeeded: %v, want 0", d)
	}
	if d := retryAfter(t, th, addr); d == 0 {
		t.Error("address was cleared by the account's Succeeded")
	}
	if d := retryAfter(t, th, acct, addr); d == 0 {
		t.Error("retryAfter(acct, addr) = 0 although addr is limited")
	}
	if n := e.failureRows(t, addr.Key); n != 3 {
		t.Errorf("addr rows: %d, want 3", n)
	}
}

func TestThrottleSlidingWindow(t *testing.T) {
	e := newEnv(t)
	const window = 5 * time.Minute
	th := e.newThrottle(window)
	k := models.ThrottleKey{Key: "account:slide@example.com", Limit: 2}

	fail(t, th, k)
	e.clock.Advance(window / 2)
	fail(t, th, k)
	// The first failure frees a slot when it is window old.
	if d := retryAfter(t, th, k); d != window/2 {
		t.Fatalf("two failures %v apart (limit 2, window %v): retryAfter = %v, want %v", window/2, window, d, window/2)
	}

	// Once the first failure is window old it has slid out, one remains: not limited.
	e.clock.Advance(window / 2)
	if d := retryAfter(t, th, k); d != 0 {
		t.Fatalf("when the first failure is window old: retryAfter = %v, want 0", d)
	}
	// A new failure limits again, until the second one leaves the window.
	fail(t, th, k)
	if d := retryAfter(t, th, k); d != window/2 {
		t.Errorf("third failure: retryAfter = %v, want %v (the second failure's expiry)", d, window/2)
	}
	// fail drops expired rows: the first failure is gone from the table.
	if n := e.failureRows(t, k.Key); n != 2 {
		t.Errorf("%d rows for the key after an expired one, want 2 (fail drops rows older than the window)", n)
	}

	// Past the window entirely: nothing counts.
	e.clock.Advance(window)
	if d := retryAfter(t, th, k); d != 0 {
		t.Errorf("after the window: retryAfter = %v, want 0", d)
	}
}

// Limits live in the database: a new process (new pools, new stores) over
// the same file is still limited.
func TestThrottleSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "board.db")
	clock := newClock()
	open := func() *throttle {
		d, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return NewStores(d, clock.Now, time.Hour).Throttle.(*throttle)
	}
	k := models.ThrottleKey{Key: "account:persist@example.com", Limit: 2}
	th1 := open()
	fail(t, th1, k)
	fail(t, th1, k)
	if err := th1.db.Close(); err != nil {
		t.Fatal(err)
	}

	th2 := open()
	defer th2.db.Close()
	if d := retryAfter(t, th2, k); d != time.Hour {
		t.Errorf("after reopening: retryAfter = %v, want the key still limited for the window (1h)", d)
	}
	if d := retryAfter(t, th2, models.ThrottleKey{Key: "account:other@example.com", Limit: 2}); d != 0 {
		t.Errorf("another key after reopening: %v, want 0", d)
	}
}

// Parallel guesses cannot all pass the check before any is counted: Begin
// checks and counts in one write transaction.
func TestThrottleBeginIsAtomicUnderParallelGuesses(t *testing.T) {
	e := newEnv(t)
	th := e.newThrottle(time.Minute)
	acct := models.ThrottleKey{Key: "account:par@example.com", Limit: 5}
	const guesses = 40
	admitted := make(chan bool, guesses)
	for range guesses {
		go func() {
			_, wait, err := th.Begin(context.Background(), acct)
			if err != nil {
				t.Error(err)
			}
			admitted <- wait == 0
		}()
	}
	n := 0
	for range guesses {
		if <-admitted {
			n++
		}
	}
	if n != acct.Limit {
		t.Fatalf("%d of %d parallel guesses were admitted, want exactly the limit %d", n, guesses, acct.Limit)
	}
}

// A successful attempt is not left counted as a failure against the address.
func TestThrottleSucceededUncountsTheAttempt(t *testing.T) {
	e := newEnv(t)
	th := e.newThrottle(time.Minute)
	acct := models.ThrottleKey{Key: "account:ok@example.com", Limit: 5}
	addr := models.ThrottleKey{Key: "addr:192.0.2.9", Limit: 5}
	a, wait, err := th.Begin(context.Background(), acct, addr)
	if err != nil || wait != 0 {
		t.Fatalf("Begin: wait %v, err %v", wait, err)
	}
	if got := e.failureRows(t, addr.Key); got != 1 {
		t.Fatalf("during the attempt the address has %d failure rows, want 1", got)
	}
	if err := th.Succeeded(context.Background(), a, acct.Key); err != nil {
		t.Fatal(err)
	}
	if got := e.failureRows(t, addr.Key) + e.failureRows(t, acct.Key); got != 0 {
		t.Fatalf("after success %d failure rows remain, want 0", got)
	}
}

// BenchmarkThrottlePosting is what counting one post against a member's
// limits costs (models.PostKeys: a check and a count per key, one write
// transaction), as a member under the limit pays it on every post. Members
// take turns, and time moves on, so none reaches the limit.
func BenchmarkThrottlePosting(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	limits := models.DefaultPostingLimits()
	member := int64(0)
	for b.Loop() {
		member = member%1000 + 1
		if member == 1 {
			e.clock.Advance(models.PostingWindow / 4)
		}
		if _, wait, err := e.Throttle.Begin(ctx, limits.PostKeys(member)...); err != nil || wait > 0 {
			b.Fatalf("Begin: wait %v, %v", wait, err)
		}
	}
}
