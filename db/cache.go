package db

import (
	"context"
	"sync"
)

// contentCache keeps what stores read of posts, comments and their authors
// while the database's content_version stands still. Triggers move the
// version on every change to those tables, by any process, so a cached
// answer is never older than the version it was read at: each use reads the
// version first (one small query) and drops everything if it moved.
type contentCache struct {
	mu      sync.Mutex
	version int64
	entries map[string]any
}

// cacheCap bounds the entries kept per version (a member's own list of
// posts is one; the board's first page is shared by everyone).
const cacheCap = 1024

// get returns the value cached under key, or loads and caches it. Callers
// must not modify what they get: it is shared.
func get[T any](ctx context.Context, s store, key string, load func() (T, error)) (T, error) {
	c := s.db.cache
	if c == nil {
		return load()
	}
	var version int64
	if err := s.db.reader().QueryRowContext(ctx, `SELECT n FROM content_version`).Scan(&version); err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	if c.version != version || c.entries == nil {
		c.version, c.entries = version, map[string]any{}
	}
	v, ok := c.entries[key].(T)
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.version == version {
		if len(c.entries) >= cacheCap {
			c.entries = map[string]any{}
		}
		c.entries[key] = v
	}
	c.mu.Unlock()
	return v, nil
}
