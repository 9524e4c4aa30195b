package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"board/models"
)

// signingKeys is models.SigningKeys.
type signingKeys struct{ store }

func (s *signingKeys) List(ctx context.Context) ([]*models.SigningKey, error) {
	return scanAll(ctx, s.db.reader(), func(row scanner) (*models.SigningKey, error) {
		var k models.SigningKey
		var created string
		var retired sql.NullString
		if err := row.Scan(&k.ID, &k.Algorithm, &k.Private, &created, &retired); err != nil {
			return nil, err
		}
		k.CreatedAt, k.RetiredAt = parseTime(created), parseNullTime(retired)
		return &k, nil
	}, `SELECT kid, alg, private_key, created_at, retired_at FROM signing_keys ORDER BY id DESC`)
}

func (s *signingKeys) insertTx(ctx context.Context, tx *tx, k *models.SigningKey) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (kid, alg, private_key, created_at) VALUES ($1, $2, $3, $4)`,
		k.ID, k.Algorithm, []byte(k.Private), formatTime(k.CreatedAt))
	return err
}

func (s *signingKeys) Create(ctx context.Context, k *models.SigningKey) error {
	return s.db.withTx(ctx, func(tx *tx) error { return s.insertTx(ctx, tx, k) })
}

func (s *signingKeys) Rotate(ctx context.Context, k *models.SigningKey, pruneBefore time.Time, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = $1 WHERE alg = $2 AND retired_at IS NULL`,
			s.nowText(), k.Algorithm); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < $1`,
			formatTime(pruneBefore)); err != nil {
			return err
		}
		if err := s.insertTx(ctx, tx, k); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditKeyRotated, by, "signing_key", 0, k.Algorithm+" key "+k.ID))
	})
}

// tokenFamilies is models.TokenFamilies.
type tokenFamilies struct{ store }

const familyColumns = `id, user_id, client_id, scope, created_at, last_used_at, expires_at, revoked_at, revoke_reason, user_agent, client_ip`

func scanFamily(row scanner, extra ...any) (*models.TokenFamily, error) {
	var f models.TokenFamily
	var created, used, expires string
	var revoked sql.NullString
	dest := append([]any{&f.ID, &f.UserID, &f.ClientID, &f.Scope, &created, &used, &expires, &revoked,
		&f.RevokeReason, &f.UserAgent, &f.ClientIP}, extra...)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	f.CreatedAt, f.LastUsedAt, f.ExpiresAt, f.RevokedAt = parseTime(created), parseTime(used), parseTime(expires), parseNullTime(revoked)
	return &f, nil
}

// live reports whether a family can still be used at now.
func live(f *models.TokenFamily, now time.Time) bool {
	return f.RevokedAt == nil && f.ExpiresAt.After(now)
}

func (s *tokenFamilies) Start(ctx context.Context, n models.NewTokenFamily, first models.RefreshToken) (*models.TokenFamily, error) {
	now := s.nowText()
	var f *models.TokenFamily
	err := s.db.withTx(ctx, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM token_families WHERE user_id = $1 AND expires_at <= $2`, n.UserID, now); err != nil {
			return err
		}
		var err error
		f, err = scanFamily(tx.QueryRowContext(ctx, `INSERT INTO token_families
			(user_id, client_id, scope, created_at, last_used_at, expires_at, user_agent, client_ip)
			VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING `+familyColumns,
			n.UserID, n.ClientID, n.Scope, now, formatTime(n.ExpiresAt), models.Truncate(n.UserAgent, maxUserAgent), n.ClientIP))
		if err != nil {
			return err
		}
		if err := s.addRefreshTx(ctx, tx, f, first); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditTokenIssued, models.Actor{UserID: n.UserID, ClientIP: n.ClientIP}, "user", n.UserID,
			"family "+strconv.FormatInt(f.ID, 10)+" for "+n.ClientID+" "+n.How))
	})
	return f, err
}

// addRefreshTx stores a refresh token's hash in f, never outliving f.
func (s store) addRefreshTx(ctx context.Context, tx *tx, f *models.TokenFamily, r models.RefreshToken) error {
	expires := r.ExpiresAt
	if f.ExpiresAt.Before(expires) {
		expires = f.ExpiresAt
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, family_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		r.Hash, f.ID, s.nowText(), formatTime(expires))
	return err
}

// holderTx reads a family with its member, in any state: one indexed read.
func (s store) holderTx(ctx context.Context, q querier, familyID int64) (*models.TokenHolder, error) {
	h := models.TokenHolder{User: new(models.User)}
	var validAfter string
	userDest, finish := userFields(h.User)
	var err error
	h.Family, err = scanFamily(q.QueryRowContext(ctx, `SELECT `+qualify("f", familyColumns)+`, u.tokens_valid_after, `+qualify("u", userColumns)+`
		FROM token_families f JOIN users u ON u.id = f.user_id WHERE f.id = $1`, familyID), append([]any{&validAfter}, userDest...)...)
	if err != nil {
		return nil, err
	}
	finish()
	h.TokensValidAfter = parseTime(validAfter)
	return &h, nil
}

func (s *tokenFamilies) Rotate(ctx context.Context, used string, next models.RefreshToken, by models.Actor) (*models.TokenHolder, error) {
	now := s.now()
	var h *models.TokenHolder
	var refused error
	err := s.db.withTx(ctx, func(tx *tx) error {
		var familyID int64
		var expires string
		var usedAt sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT family_id, expires_at, used_at FROM refresh_tokens WHERE hash = $1`, used).
			Scan(&familyID, &expires, &usedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return models.ErrNotFound
		}
		if err != nil {
			return err
		}
		if h, err = s.holderTx(ctx, tx, familyID); err != nil {
			return err
		}
		f := h.Family
		switch {
		case f.RevokedAt != nil:
			return &models.FamilyRevoked{FamilyID: f.ID, Reason: f.RevokeReason}
		case !f.ExpiresAt.After(now):
			return models.ErrNotFound
		case usedAt.Valid:
			// Two parties hold this family's tokens, and the board cannot
			// tell which is the thief: it ends the family for both. The
			// revocation commits; the refusal is returned after.
			refused = &models.FamilyRevoked{FamilyID: f.ID, Reason: models.RevokedRefreshReused, Reused: true}
			if err := s.revokeFamilyTx(ctx, tx, f.ID, models.RevokedRefreshReused); err != nil {
				return err
			}
			return s.recordTx(ctx, tx, event(models.AuditTokenReused, by, "user", f.UserID,
				"family "+strconv.FormatInt(f.ID, 10)+" of "+f.ClientID+" revoked: a spent refresh token was presented again"))
		case !parseTime(expires).After(now):
			return models.ErrNotFound
		}
		if err := execOneTx(ctx, tx, `UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL`, formatTime(now), used); err != nil {
			return err
		}
		if err := s.addRefreshTx(ctx, tx, f, next); err != nil {
			return err
		}
		f.LastUsedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE token_families SET last_used_at = $1 WHERE id = $2`, formatTime(now), f.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return nil, refused
	}
	return h, nil
}

func (s store) revokeFamilyTx(ctx context.Context, tx *tx, familyID int64, why string) error {
	return execOneTx(ctx, tx, `UPDATE token_families SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND revoked_at IS NULL`,
		s.nowText(), why, familyID)
}

func (s *tokenFamilies) RevokeByRefresh(ctx context.Context, hash, why string, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		var familyID, userID int64
		var clientID string
		err := tx.QueryRowContext(ctx, `SELECT f.id, f.user_id, f.client_id FROM refresh_tokens r JOIN token_families f ON f.id = r.family_id
			WHERE r.hash = $1 AND f.revoked_at IS NULL AND f.expires_at > $2`, hash, s.nowText()).Scan(&familyID, &userID, &clientID)
		if errors.Is(err, sql.ErrNoRows) {
			return models.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := s.revokeFamilyTx(ctx, tx, familyID, why); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditTokenRevoked, by, "user", userID, "family "+strconv.FormatInt(familyID, 10)+" of "+clientID+": "+why))
	})
}

func (s *tokenFamilies) Revoke(ctx context.Context, userID, familyID int64, why string, by models.Actor) error {
	return s.execOneAudited(ctx, event(models.AuditTokenRevoked, by, "user", userID, "family "+strconv.FormatInt(familyID, 10)+": "+why),
		`UPDATE token_families SET revoked_at = $1, revoke_reason = $2
		WHERE id = $3 AND user_id = $4 AND revoked_at IS NULL AND expires_at > $1`, s.nowText(), why, familyID, userID)
}

func (s *tokenFamilies) ForUser(ctx context.Context, userID int64) ([]*models.TokenFamily, error) {
	return scanAll(ctx, s.db.reader(), func(row scanner) (*models.TokenFamily, error) { return scanFamily(row) },
		`SELECT `+familyColumns+` FROM token_families WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2
		ORDER BY last_used_at DESC, id DESC`, userID, s.nowText())
}

func (s *tokenFamilies) Holder(ctx context.Context, familyID int64) (*models.TokenHolder, error) {
	h, err := s.holderTx(ctx, s.db.read, familyID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// Last used is a hint for the account page, not worth a write per request.
	if live(h.Family, now) && now.Sub(h.Family.LastUsedAt) >= lastUsedResolution {
		if _, err := s.db.writer().ExecContext(ctx, `UPDATE token_families SET last_used_at = $1 WHERE id = $2`, formatTime(now), familyID); err != nil {
			return nil, err
		}
		h.Family.LastUsedAt = now
	}
	return h, nil
}

// endTokensTx revokes every live token family of a member and refuses
// every token issued to them until now, alongside ending their sessions.
func (s store) endTokensTx(ctx context.Context, tx *tx, userID int64, why string) error {
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE token_families SET revoked_at = $1, revoke_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL`,
		formatTime(now), why, userID); err != nil {
		return err
	}
	// Token times are whole seconds: a token issued in this second keeps
	// passing this check, and is refused by its family's revocation instead.
	_, err := tx.ExecContext(ctx, `UPDATE users SET tokens_valid_after = $1 WHERE id = $2`, formatTime(now.Truncate(time.Second)), userID)
	return err
}

// signInTraces is models.SignInTraces.
type signInTraces struct{ store }

func (s *signInTraces) Save(ctx context.Context, userID int64, t models.SignInTrace) error {
	steps, err := json.Marshal(t.Steps)
	if err != nil {
		return err
	}
	_, err = s.db.writer().ExecContext(ctx, `INSERT INTO sign_in_traces (user_id, provider, at, steps) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET provider = excluded.provider, at = excluded.at, steps = excluded.steps`,
		userID, t.Provider, formatTime(t.At), string(steps))
	return err
}

func (s *signInTraces) Last(ctx context.Context, userID int64) (*models.SignInTrace, error) {
	var t models.SignInTrace
	var at, steps string
	err := s.db.reader().QueryRowContext(ctx, `SELECT provider, at, steps FROM sign_in_traces WHERE user_id = $1`, userID).Scan(&t.Provider, &at, &steps)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.At = parseTime(at)
	return &t, json.Unmarshal([]byte(steps), &t.Steps)
}
