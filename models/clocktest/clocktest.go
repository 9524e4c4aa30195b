// Package clocktest is the board's clock for tests: it stands still, or
// runs with real time, until a test moves it. Every store, service and
// handler takes its time from one such func, so a test lets hours pass
// without sleeping or editing rows.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a board clock a test moves by hand.
type Clock struct {
	mu     sync.Mutex
	start  time.Time // zero: real time
	offset time.Duration
}

// At is a clock standing still at t until advanced.
func At(t time.Time) *Clock { return &Clock{start: t} }

// Running is real time until advanced: for a board that real clients talk
// to, whose cookies and connections keep real time.
func Running() *Clock { return &Clock{} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.start.IsZero() {
		return time.Now().Add(c.offset)
	}
	return c.start.Add(c.offset)
}

// Advance lets d pass (a negative d goes back in time).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
