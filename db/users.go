package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"board/models"
)

type users struct{ store }

const userColumns = `id, email, email_verified, display_name, password_hash IS NOT NULL, role, suspended_at, suspend_reason, created_at`

func scanUser(row scanner) (*models.User, error) {
	var u models.User
	var suspended sql.NullString
	var created string
	err := row.Scan(&u.ID, &u.Email, &u.EmailVerified, &u.DisplayName, &u.HasPassword, &u.Role, &suspended, &u.SuspendReason, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u.SuspendedAt = parseNullTime(suspended)
	u.CreatedAt = parseTime(created)
	return &u, nil
}

// createUserTx inserts a user and records its registration.
func (s store) createUserTx(ctx context.Context, tx *tx, n models.NewUser, detail string, by models.Actor) (*models.User, error) {
	var hash any
	if n.PasswordHash != "" {
		hash = n.PasswordHash
	}
	u, err := scanUser(tx.QueryRowContext(ctx, `INSERT INTO users (email, email_verified, display_name, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+userColumns,
		n.Email, n.EmailVerified, n.DisplayName, hash, s.nowText()))
	if isUniqueViolation(err) {
		return nil, models.ErrConflict
	}
	if err != nil {
		return nil, err
	}
	if by.UserID == 0 {
		by.UserID = u.ID // someone registering acts as their new account
	}
	return u, s.recordTx(ctx, tx, event(models.AuditRegister, by, "user", u.ID, detail))
}

func (s *users) Create(ctx context.Context, n models.NewUser, detail string, by models.Actor) (*models.User, error) {
	var u *models.User
	err := s.db.withTx(ctx, func(tx *tx) error {
		var err error
		u, err = s.createUserTx(ctx, tx, n, detail, by)
		return err
	})
	return u, err
}

func (s *users) ByID(ctx context.Context, id int64) (*models.User, error) {
	return scanUser(s.db.reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

func (s *users) ByEmail(ctx context.Context, email string) (*models.User, error) {
	return scanUser(s.db.reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
}

func (s *users) Credentials(ctx context.Context, email string) (*models.User, string, error) {
	var hash string
	u, err := scanUser(scanExtra{s.db.reader().QueryRowContext(ctx,
		`SELECT `+userColumns+`, coalesce(password_hash, '') FROM users WHERE email = $1`, email), []any{&hash}})
	return u, hash, err
}

func (s *users) PasswordHash(ctx context.Context, id int64) (string, error) {
	var hash string
	err := s.db.reader().QueryRowContext(ctx, `SELECT coalesce(password_hash, '') FROM users WHERE id = $1`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", models.ErrNotFound
	}
	return hash, err
}

// scanExtra scans a row's leading columns as usual and the rest into extra.
type scanExtra struct {
	row   scanner
	extra []any
}

func (s scanExtra) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

func (s *users) List(ctx context.Context, limit int) ([]*models.User, error) {
	return scanAll(ctx, s.db.reader(), scanUser, `SELECT `+userColumns+` FROM users ORDER BY id DESC LIMIT $1`, limit)
}

// manageTx changes one user row on an admin's behalf, rechecking inside
// the transaction that by is still an active admin other than the target,
// and records e; with endSessions it also ends all their sessions, so a
// suspension or role change takes effect at once.
func (s *users) manageTx(ctx context.Context, id int64, by models.Actor, endSessions bool, e models.AuditEvent, query string, args ...any) error {
	guard, extra := adminGuard(by, len(args)+1, true)
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := execAuthorizedTx(ctx, tx, "users", id, query+guard, append(args, extra...)...); err != nil {
			return err
		}
		if endSessions {
			if _, err := s.endSessionsTx(ctx, tx, id, ""); err != nil {
				return err
			}
		}
		return s.recordTx(ctx, tx, e)
	})
}

func (s *users) SetSuspended(ctx context.Context, id int64, suspended bool, reason string, by models.Actor) error {
	if !suspended {
		return s.manageTx(ctx, id, by, false, event(models.AuditUserReinstated, by, "user", id, ""),
			`UPDATE users SET suspended_at = NULL, suspend_reason = '' WHERE id = $1`, id)
	}
	return s.manageTx(ctx, id, by, true, event(models.AuditUserSuspended, by, "user", id, reason),
		`UPDATE users SET suspended_at = $1, suspend_reason = $2 WHERE id = $3`, s.nowText(), reason, id)
}

func (s *users) SetRole(ctx context.Context, id int64, role models.Role, by models.Actor) error {
	kind := models.AuditRoleRevoked
	if role == models.RoleAdmin {
		kind = models.AuditRoleGranted
	}
	return s.manageTx(ctx, id, by, true, event(kind, by, "user", id, ""), `UPDATE users SET role = $1 WHERE id = $2`, role, id)
}

// ReleaseEmail gives the account a placeholder address under the reserved
// .invalid domain (RFC 2606), unique by id, which no one can receive mail at.
func (s *users) ReleaseEmail(ctx context.Context, id int64, by models.Actor) (string, error) {
	var old string
	released := "released-" + strconv.FormatInt(id, 10) + "@address.invalid"
	err := s.db.withTx(ctx, func(tx *tx) error {
		err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return models.ErrNotFound
		}
		if err != nil {
			return err
		}
		guard, extra := adminGuard(by, 3, true)
		if err := execAuthorizedTx(ctx, tx, "users", id,
			`UPDATE users SET email = $1 WHERE id = $2 AND email_verified = FALSE`+guard, append([]any{released, id}, extra...)...); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditEmailReleased, by, "user", id, old))
	})
	return released, err
}

func (s *users) SetPassword(ctx context.Context, id int64, hash, keepSession string, by models.Actor) (int, error) {
	var n int
	err := s.db.withTx(ctx, func(tx *tx) error {
		if err := execOneTx(ctx, tx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, id); err != nil {
			return err
		}
		var err error
		if n, err = s.endSessionsTx(ctx, tx, id, keepSession); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditPasswordChanged, by, "user", id, ""))
	})
	return n, err
}

func (s *users) UpdateProfile(ctx context.Context, u *models.User, email, displayName string, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		err := execOneTx(ctx, tx, `UPDATE users SET email = $1, display_name = $2,
			email_verified = CASE WHEN email = $1 THEN email_verified ELSE FALSE END WHERE id = $3`, email, displayName, u.ID)
		if isUniqueViolation(err) {
			return models.ErrConflict
		}
		if err != nil {
			return err
		}
		if email != u.Email {
			if err := s.recordTx(ctx, tx, event(models.AuditEmailChanged, by, "user", u.ID, u.Email+" -> "+email)); err != nil {
				return err
			}
		}
		if displayName != u.DisplayName {
			return s.recordTx(ctx, tx, event(models.AuditNameChanged, by, "user", u.ID, u.DisplayName+" -> "+displayName))
		}
		return nil
	})
}

// Delete removes the account; its index rows and identities go with it by
// cascade, which ends its sessions.
func (s *users) Delete(ctx context.Context, id int64, keepPosts bool, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		detail := "posts kept as deleted member"
		if !keepPosts {
			detail = "posts and comments deleted"
			for _, q := range []string{`DELETE FROM comments WHERE author_id = $1`, `DELETE FROM posts WHERE author_id = $1`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return err
				}
			}
		}
		if err := execOneTx(ctx, tx, `DELETE FROM users WHERE id = $1`, id); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditAccountDeleted, by, "user", id, detail))
	})
}
