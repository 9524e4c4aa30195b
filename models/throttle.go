package models

import (
	"context"
	"net"
	"time"
)

// ThrottleKey is one thing attempts are counted against, with its limits.
type ThrottleKey struct {
	Key    string        // e.g. "account:alice@example.com", "addr:192.0.2.1"
	Limit  int           // attempts allowed within Window; 0 for no fixed limit
	Window time.Duration // how long an attempt counts; 0 for the store's default
	// Free and Backoff space attempts out instead of refusing them all: once
	// Free are counted in the window, the next must wait Backoff after the
	// latest, doubling with each further one, never more than MaxDelay.
	Free     int
	Backoff  time.Duration
	MaxDelay time.Duration
}

// Attempt is a guess in progress, counted as a failure until it succeeds.
type Attempt struct{ FailureIDs []int64 }

// Throttle limits attempts (failed sign-ins, registrations, new sessions,
// posts) over sliding windows kept in the database, so limits hold across
// restarts and processes.
type Throttle interface {
	// Begin checks the limits and, if none is reached, counts the attempt
	// against every key, atomically. A non-zero wait means it is refused.
	Begin(ctx context.Context, keys ...ThrottleKey) (Attempt, time.Duration, error)
	// Succeeded uncounts a successful attempt and forgets the failures
	// counted against each key in reset.
	Succeeded(ctx context.Context, a Attempt, reset ...string) error
}

// ClientNetwork is what limits and "new sign-in" notices key a client
// address on: IPv4 addresses as they are, IPv6 by /64, since one host
// usually owns the whole prefix.
func ClientNetwork(addr string) string {
	if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
		addr = ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return addr
}
