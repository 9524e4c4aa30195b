package models_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"board/db"
	"board/models"
)

// Throttle over a real SQLite file: RetryAfter, Fail, Begin and Succeeded, the sliding
// window, independent keys, and limits that outlive the process.

func (e *testEnv) failureRows(tb testing.TB, key string) int {
	tb.Helper()
	return e.count(tb, `SELECT count(*) FROM auth_failures WHERE key = ?`, key)
}

func retryAfter(t *testing.T, th *models.Throttle, keys ...models.ThrottleKey) time.Duration {
	t.Helper()
	d, err := th.RetryAfter(context.Background(), keys...)
	if err != nil {
		t.Fatalf("RetryAfter: %v", err)
	}
	return d
}

func fail(t *testing.T, th *models.Throttle, keys ...models.ThrottleKey) {
	t.Helper()
	if err := th.Fail(context.Background(), keys...); err != nil {
		t.Fatalf("Fail: %v", err)
	}
}

func TestThrottleLimitRetryAfterAndSucceeded(t *testing.T) {
	e := newEnv(t)
	const window = time.Minute
	th := &models.Throttle{DB: e.DB, Window: window}
	acct := models.ThrottleKey{Key: "account:ann@example.com", Limit: 3}
	addr := models.ThrottleKey{Key: "addr:192.0.2.1", Limit: 3}

	if d := retryAfter(t, th, acct, addr); d != 0 {
		t.Fatalf("RetryAfter with no failures = %v, want 0", d)
	}
	// Limit 3: three failures are allowed, the fourth attempt waits.
	for i := 1; i <= 2; i++ {
		fail(t, th, acct)
		if d := retryAfter(t, th, acct); d != 0 {
			t.Errorf("after %d failures (limit 3): RetryAfter = %v, want 0", i, d)
		}
	}
	before := time.Now()
	fail(t, th, acct)
	d := retryAfter(t, th, acct)
	if d <= 0 || d > window {
		t.Fatalf("after 3 failures (limit 3): RetryAfter = %v, want in (0, %v]", d, window)
	}
	// It waits until the oldest of the 3 most recent failures leaves the window.
	if d < window-time.Since(before)-10*time.Second {
		t.Errorf("RetryAfter = %v, want about the window %v (the failures are recent)", d, window)
	}
	// Keys are independent: the address has no failures of its own.
	if d := retryAfter(t, th, addr); d != 0 {
		t.Errorf("addr key: RetryAfter = %v, want 0 (only the account failed)", d)
	}
	// With several keys, the most limited one decides.
	if both := retryAfter(t, th, addr, acct); both <= 0 || both > window {
		t.Errorf("RetryAfter(addr, acct) = %v, want acct's wait", both)
	}
	// A key with a higher limit is not limited by the same rows.
	if d := retryAfter(t, th, models.ThrottleKey{Key: acct.Key, Limit: 4}); d != 0 {
		t.Errorf("same key with limit 4 after 3 failures: RetryAfter = %v, want 0", d)
	}

	if err := th.Succeeded(context.Background(), models.Attempt{}, acct.Key); err != nil {
		t.Fatal(err)
	}
	if d := retryAfter(t, th, acct); d != 0 {
		t.Errorf("after Succeeded: RetryAfter = %v, want 0", d)
	}
	if n := e.failureRows(t, acct.Key); n != 0 {
		t.Errorf("after Succeeded: %d rows for the key, want 0", n)
	}
	if err := th.Succeeded(context.Background(), models.Attempt{}, "account:nobody@example.com"); err != nil {
		t.Errorf("Succeeded on a key with no failures: %v", err)
	}

	// Fail counts against every key given; Succeeded clears only the one named.
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
		t.Error("RetryAfter(acct, addr) = 0 although addr is limited")
	}
	if n := e.failureRows(t, addr.Key); n != 3 {
		t.Errorf("addr rows: %d, want 3", n)
	}
}

func TestThrottleSlidingWindow(t *testing.T) {
	e := newEnv(t)
	const window = 300 * time.Millisecond
	th := &models.Throttle{DB: e.DB, Window: window}
	k := models.ThrottleKey{Key: "account:slide@example.com", Limit: 2}

	start1 := time.Now()
	fail(t, th, k)
	end1 := time.Now()
	time.Sleep(150 * time.Millisecond)
	start2 := time.Now()
	fail(t, th, k)
	end2 := time.Now()

	before := time.Now()
	d := retryAfter(t, th, k)
	after := time.Now()
	// The first failure frees a slot when it is window old.
	lo, hi := start1.Add(window).Sub(after)-time.Millisecond, end1.Add(window).Sub(before)+time.Millisecond
	if d <= 0 || d < lo || d > hi {
		t.Fatalf("two failures 150ms apart (limit 2, window 300ms): RetryAfter = %v, want in [%v, %v]", d, lo, hi)
	}

	// Once the first failure has slid out, one remains: not limited.
	time.Sleep(time.Until(end1.Add(window + 20*time.Millisecond)))
	if d := retryAfter(t, th, k); d != 0 {
		t.Fatalf("after the first failure left the window: RetryAfter = %v, want 0", d)
	}
	// A new failure limits again, until the second one leaves the window.
	fail(t, th, k)
	before = time.Now()
	d = retryAfter(t, th, k)
	after = time.Now()
	lo, hi = start2.Add(window).Sub(after)-time.Millisecond, end2.Add(window).Sub(before)+time.Millisecond
	if d <= 0 || d < lo || d > hi {
		t.Errorf("third failure: RetryAfter = %v, want in [%v, %v] (the second failure's expiry)", d, lo, hi)
	}
	// Fail drops expired rows: the first failure is gone from the table.
	if n := e.failureRows(t, k.Key); n != 2 {
		t.Errorf("%d rows for the key after an expired one, want 2 (Fail drops rows older than the window)", n)
	}

	// Past the window entirely: nothing counts.
	time.Sleep(time.Until(time.Now().Add(window + 20*time.Millisecond)))
	if d := retryAfter(t, th, k); d != 0 {
		t.Errorf("after the window: RetryAfter = %v, want 0", d)
	}
}

// Limits live in the database: a new process (new pools, new Throttle) over
// the same file is still limited.
func TestThrottleSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "board.db")
	open := func() *db.DB {
		d, err := db.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return d
	}
	k := models.ThrottleKey{Key: "account:persist@example.com", Limit: 2}
	d1 := open()
	th1 := &models.Throttle{DB: d1, Window: time.Hour}
	fail(t, th1, k)
	fail(t, th1, k)
	if err := d1.Close(); err != nil {
		t.Fatal(err)
	}

	d2 := open()
	defer d2.Close()
	th2 := &models.Throttle{DB: d2, Window: time.Hour}
	if d := retryAfter(t, th2, k); d <= 0 || d > time.Hour {
		t.Errorf("after reopening: RetryAfter = %v, want the key still limited", d)
	}
	if d := retryAfter(t, th2, models.ThrottleKey{Key: "account:other@example.com", Limit: 2}); d != 0 {
		t.Errorf("another key after reopening: %v, want 0", d)
	}
}

// Parallel guesses cannot all pass the check before any is counted: Begin
// checks and counts in one write transaction.
func TestThrottleBeginIsAtomicUnderParallelGuesses(t *testing.T) {
	e := newEnv(t)
	th := &models.Throttle{DB: e.DB, Window: time.Minute}
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
	th := &models.Throttle{DB: e.DB, Window: time.Minute}
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
