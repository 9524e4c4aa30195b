package db

import (
	"context"
	"database/sql"
	"errors"

	"board/models"
)

type identities struct{ store }

const identityColumns = `id, user_id, provider, subject, email, created_at`

func scanIdentity(row scanner) (*models.Identity, error) {
	var i models.Identity
	var created string
	err := row.Scan(&i.ID, &i.UserID, &i.Provider, &i.Subject, &i.Email, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	i.CreatedAt = parseTime(created)
	return &i, nil
}

func (s *identities) Find(ctx context.Context, provider, subject string) (*models.Identity, error) {
	return scanIdentity(s.db.reader().QueryRowContext(ctx,
		`SELECT `+identityColumns+` FROM identities WHERE provider = $1 AND subject = $2`, provider, subject))
}

func (s *identities) ForUser(ctx context.Context, userID int64) ([]*models.Identity, error) {
	return scanAll(ctx, s.db.reader(), scanIdentity, `SELECT `+identityColumns+` FROM identities WHERE user_id = $1 ORDER BY provider`, userID)
}

func (s *identities) linkTx(ctx context.Context, tx *tx, i *models.Identity, by models.Actor) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO identities (user_id, provider, subject, email, created_at) VALUES ($1, $2, $3, $4, $5)`,
		i.UserID, i.Provider, i.Subject, i.Email, s.nowText())
	if isUniqueViolation(err) {
		return models.ErrConflict
	}
	if err != nil {
		return err
	}
	return s.recordTx(ctx, tx, event(models.AuditIdentityLinked, by, "user", i.UserID, i.Provider))
}

func (s *identities) Link(ctx context.Context, i *models.Identity, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error { return s.linkTx(ctx, tx, i, by) })
}

func (s *identities) CreateUser(ctx context.Context, n models.NewUser, ext models.ExternalIdentity, clientIP string) (*models.User, error) {
	var u *models.User
	err := s.db.withTx(ctx, func(tx *tx) error {
		var err error
		if u, err = s.createUserTx(ctx, tx, n, "via "+ext.Provider, models.Actor{ClientIP: clientIP}); err != nil {
			return err
		}
		return s.linkTx(ctx, tx, &models.Identity{UserID: u.ID, Provider: ext.Provider, Subject: ext.Subject, Email: ext.Email},
			models.Actor{UserID: u.ID, ClientIP: clientIP})
	})
	return u, err
}

// Unlink checks and deletes in one transaction, so two racing unlinks
// cannot both pass the check.
func (s *identities) Unlink(ctx context.Context, userID int64, provider string, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		var hasPassword bool
		var identities int
		err := tx.QueryRowContext(ctx, `SELECT password_hash IS NOT NULL, (SELECT count(*) FROM identities WHERE user_id = users.id)
			FROM users WHERE id = $1`, userID).Scan(&hasPassword, &identities)
		if errors.Is(err, sql.ErrNoRows) {
			return models.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !models.CanRemoveSignInMethod(hasPassword, identities) {
			return models.ErrLastSignInMethod
		}
		if err := execOneTx(ctx, tx, `DELETE FROM identities WHERE user_id = $1 AND provider = $2`, userID, provider); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditIdentityUnlinked, by, "user", userID, provider))
	})
}
