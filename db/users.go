package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"board/models"
)

type users struct{ store }

const userColumns = `id, email, email_verified, display_name, password_hash IS NOT NULL, role, suspended_at, suspend_reason, created_at`

func scanUser(row scanner) (*models.User, error) {
	var u models.User
	dest, finish := userFields(&u)
	err := row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	finish()
	return &u, nil
}

// userFields are the scan destinations of userColumns, for queries that
// read a user beside other columns; finish completes u once they are filled.
func userFields(u *models.User) (dest []any, finish func()) {
	var suspended sql.NullString
	var created string
	return []any{&u.ID, &u.Email, &u.EmailVerified, &u.DisplayName, &u.HasPassword, &u.Role, &suspended, &u.SuspendReason, &created},
		func() { u.SuspendedAt, u.CreatedAt = parseNullTime(suspended), parseTime(created) }
}

// createUserTx inserts a user and records its registration, taking the
// address from an account that holds it unverified if n says so, and
// issuing the verification link if n has one.
func (s store) createUserTx(ctx context.Context, tx *tx, n models.NewUser, detail string, by models.Actor) (*models.User, error) {
	if n.TakeOver != 0 {
		holder, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 AND email = $2`, n.TakeOver, n.Email))
		if errors.Is(err, models.ErrNotFound) || (err == nil && !models.MayTakeOverEmail(n.EmailVerified, holder)) {
			return nil, models.ErrConflict
		}
		if err != nil {
			return nil, err
		}
		if err := s.releaseEmailTx(ctx, tx, holder, "its verified owner registered ("+detail+")", by); err != nil {
			return nil, err
		}
	}
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
	if err := s.recordTx(ctx, tx, event(models.AuditRegister, by, "user", u.ID, detail)); err != nil {
		return nil, err
	}
	if n.Verification != nil {
		v := *n.Verification
		v.Token.UserID = u.ID
		if err := s.issueTx(ctx, tx, v, by); err != nil {
			return nil, err
		}
	}
	return u, nil
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

func (s *users) Search(ctx context.Context, q models.MemberQuery) (*models.MemberPage, error) {
	page := &models.MemberPage{Page: max(q.Page, 1), PerPage: q.PerPage}
	where, args := "", []any{}
	if q.Text != "" {
		// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
		where = ` WHERE lower(display_name) LIKE $1 ESCAPE '\' OR lower(email) LIKE $1 ESCAPE '\'`
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(q.Text))+"%")
	}
	if err := s.db.reader().QueryRowContext(ctx, `SELECT count(*) FROM users`+where, args...).Scan(&page.Total); err != nil {
		return nil, err
	}
	n := len(args)
	args = append(args, q.PerPage, (page.Page-1)*q.PerPage)
	var err error
	page.Members, err = scanAll(ctx, s.db.reader(), scanUser, `SELECT `+userColumns+` FROM users`+where+
		` ORDER BY id DESC LIMIT `+placeholder(n+1)+` OFFSET `+placeholder(n+2), args...)
	return page, err
}

// likeEscaper makes text match itself literally in a LIKE pattern.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// manageTx changes one user row on an admin's behalf, rechecking inside
// the transaction that by is still an active admin other than the target,
// and records e. Unless endWhy is "", it also ends all their sessions and
// tokens (endWhy says why), so a suspension or role change takes effect at
// once.
func (s *users) manageTx(ctx context.Context, id int64, by models.Actor, endWhy string, e models.AuditEvent, query string, args ...any) error {
	guard, extra := adminGuard(by, len(args)+1, true)
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := execAuthorizedTx(ctx, tx, "users", id, query+guard, append(args, extra...)...); err != nil {
			return err
		}
		if endWhy != "" {
			if _, err := s.endSessionsTx(ctx, tx, id, "", endWhy); err != nil {
				return err
			}
		}
		return s.recordTx(ctx, tx, e)
	})
}

func (s *users) SetSuspended(ctx context.Context, id int64, suspended bool, reason string, by models.Actor) error {
	if !suspended {
		return s.manageTx(ctx, id, by, "", event(models.AuditUserReinstated, by, "user", id, ""),
			`UPDATE users SET suspended_at = NULL, suspend_reason = '' WHERE id = $1`, id)
	}
	return s.manageTx(ctx, id, by, models.RevokedSuspended, event(models.AuditUserSuspended, by, "user", id, reason),
		`UPDATE users SET suspended_at = $1, suspend_reason = $2 WHERE id = $3`, s.nowText(), reason, id)
}

func (s *users) SetRole(ctx context.Context, id int64, role models.Role, by models.Actor) error {
	kind := models.AuditRoleRevoked
	if role == models.RoleAdmin {
		kind = models.AuditRoleGranted
	}
	return s.manageTx(ctx, id, by, models.RevokedRoleChange, event(kind, by, "user", id, ""), `UPDATE users SET role = $1 WHERE id = $2`, role, id)
}

// ReleaseEmail is an admin giving an unverified address up for its owner:
// the same release as when the owner proves it (releaseEmailTx), with the
// admin rechecked in the transaction.
func (s *users) ReleaseEmail(ctx context.Context, id int64, by models.Actor) (string, error) {
	err := s.db.withTx(ctx, func(tx *tx) error {
		guard, extra := adminGuard(by, 2, true)
		holder, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+guard, append([]any{id}, extra...)...))
		if errors.Is(err, models.ErrNotFound) {
			return missingOrRefused(ctx, tx, "users", id)
		}
		if err != nil {
			return err
		}
		return s.releaseEmailTx(ctx, tx, holder, "released by an admin", by)
	})
	return models.ReleasedEmail(id), err
}

func (s *users) SetPassword(ctx context.Context, id int64, hash, keepSession string, notice *models.Mail, by models.Actor) (int, error) {
	var n int
	err := s.db.withTx(ctx, func(tx *tx) error {
		if err := execOneTx(ctx, tx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, id); err != nil {
			return err
		}
		var err error
		if n, err = s.newPasswordTx(ctx, tx, id, keepSession); err != nil {
			return err
		}
		if notice != nil {
			notice.UserID = id
		}
		if err := s.queueTx(ctx, tx, notice); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, event(models.AuditPasswordChanged, by, "user", id, ""))
	})
	return n, err
}

func (s *users) UpdateProfile(ctx context.Context, u *models.User, displayName string, by models.Actor) error {
	if displayName == u.DisplayName {
		return nil
	}
	return s.execOneAudited(ctx, event(models.AuditNameChanged, by, "user", u.ID, u.DisplayName+" -> "+displayName),
		`UPDATE users SET display_name = $1 WHERE id = $2`, displayName, u.ID)
}

// Delete removes the account; its index rows, token families and identities
// go with it by cascade, which ends its sessions and tokens.
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
