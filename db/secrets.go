package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
)

// secrets is models.Secrets. A secret never changes once made, so each is
// read once per process and kept.
type secrets struct {
	store
	mu    sync.Mutex
	cache map[string][]byte
}

func (s *secrets) Secret(ctx context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key, ok := s.cache[name]; ok {
		return key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var stored string
	// Whichever instance inserts first wins; everyone reads the winner.
	err := s.db.withTx(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(fresh), s.nowText()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT secret FROM server_secrets WHERE name = $1`, name).Scan(&stored)
	})
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(stored)
	if err != nil {
		return nil, err
	}
	s.cache[name] = key
	return key, nil
}
