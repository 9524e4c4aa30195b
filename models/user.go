package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"board/db"
)

// Role is what a user may do beyond being a member.
type Role string

const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
)

// User is a person with an account on the board.
type User struct {
	ID            int64
	Email         string
	EmailVerified bool
	DisplayName   string
	PasswordHash  string // empty for accounts that only sign in through a provider
	Role          Role
	SuspendedAt   *time.Time
	SuspendReason string
	CreatedAt     time.Time
}

func (u *User) IsAdmin() bool     { return u != nil && u.Role == RoleAdmin }
func (u *User) IsSuspended() bool { return u != nil && u.SuspendedAt != nil }
func (u *User) HasPassword() bool { return u != nil && u.PasswordHash != "" }

// UserStore reads and writes users.
type UserStore struct {
	DB *db.DB
}

const userColumns = `id, email, email_verified, display_name, coalesce(password_hash, ''), role, suspended_at, suspend_reason, created_at`

type scanner interface{ Scan(...any) error }

func scanUser(row scanner) (*User, error) {
	var u User
	var suspended sql.NullString
	var created string
	err := row.Scan(&u.ID, &u.Email, &u.EmailVerified, &u.DisplayName, &u.PasswordHash, &u.Role, &suspended, &u.SuspendReason, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u.SuspendedAt = parseNullTime(suspended)
	u.CreatedAt = parseTime(created)
	return &u, nil
}

// NewUser is what registration (or a first social sign-in) provides.
type NewUser struct {
	Email         string
	EmailVerified bool
	DisplayName   string
	PasswordHash  string
}

// Create adds a member; ErrConflict means the email is taken.
func (s *UserStore) Create(ctx context.Context, n NewUser) (*User, error) {
	var hash any
	if n.PasswordHash != "" {
		hash = n.PasswordHash
	}
	row := s.DB.Write.QueryRowContext(ctx, `INSERT INTO users (email, email_verified, display_name, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING `+userColumns,
		n.Email, n.EmailVerified, n.DisplayName, hash, formatTime(time.Now()))
	u, err := scanUser(row)
	if isUniqueViolation(err) {
		return nil, ErrConflict
	}
	return u, err
}

// ByID returns the user or ErrNotFound.
func (s *UserStore) ByID(ctx context.Context, id int64) (*User, error) {
	return scanUser(s.DB.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// ByEmail returns the user with that email (case-insensitive) or ErrNotFound.
func (s *UserStore) ByEmail(ctx context.Context, email string) (*User, error) {
	return scanUser(s.DB.Read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
}

// List returns users, newest first, for the admin page.
func (s *UserStore) List(ctx context.Context, limit int) ([]*User, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// execOneEndingSessions changes one user row, ends all their sessions and
// records e, atomically: suspension and role changes must take effect at once.
func (s *UserStore) execOneEndingSessions(ctx context.Context, id int64, e AuditEvent, query string, args ...any) error {
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		if err := execOneTx(ctx, tx, query, args...); err != nil {
			return err
		}
		if _, err := endSessionsTx(ctx, tx, id, ""); err != nil {
			return err
		}
		return RecordTx(ctx, tx, e)
	})
}

// SetSuspended suspends (with a reason, ending every session) or reinstates a user, audited.
func (s *UserStore) SetSuspended(ctx context.Context, id int64, suspended bool, reason string, by Actor) error {
	e := AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, TargetType: "user", TargetID: id, Kind: AuditUserReinstated}
	if !suspended {
		return execOneAudited(ctx, s.DB, e, `UPDATE users SET suspended_at = NULL, suspend_reason = '' WHERE id = ?`, id)
	}
	e.Kind, e.Detail = AuditUserSuspended, reason
	return s.execOneEndingSessions(ctx, id, e, `UPDATE users SET suspended_at = ?, suspend_reason = ? WHERE id = ?`, formatTime(time.Now()), reason, id)
}

// SetRole grants or revokes admin, ending the user's sessions so the new
// role starts with a fresh sign-in; audited.
func (s *UserStore) SetRole(ctx context.Context, id int64, role Role, by Actor) error {
	e := AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, TargetType: "user", TargetID: id, Kind: AuditRoleRevoked}
	if role == RoleAdmin {
		e.Kind = AuditRoleGranted
	}
	return s.execOneEndingSessions(ctx, id, e, `UPDATE users SET role = ? WHERE id = ?`, role, id)
}

// SetPassword stores a new password hash and ends every other session
// (keep is the current session's token); it returns how many ended.
func (s *UserStore) SetPassword(ctx context.Context, id int64, hash, keep string, by Actor) (int, error) {
	var n int
	err := s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		if err := execOneTx(ctx, tx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id); err != nil {
			return err
		}
		var err error
		if n, err = endSessionsTx(ctx, tx, id, keep); err != nil {
			return err
		}
		return RecordTx(ctx, tx, AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, Kind: AuditPasswordChanged, TargetType: "user", TargetID: id})
	})
	return n, err
}

// UpdateProfile changes email and display name; a new email is unverified.
// ErrConflict means another account has the email.
func (s *UserStore) UpdateProfile(ctx context.Context, u *User, email, displayName string, by Actor) error {
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		err := execOneTx(ctx, tx, `UPDATE users SET email = ?, display_name = ?,
			email_verified = CASE WHEN email = ? THEN email_verified ELSE 0 END WHERE id = ?`, email, displayName, email, u.ID)
		if isUniqueViolation(err) {
			return ErrConflict
		}
		if err != nil {
			return err
		}
		e := AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, TargetType: "user", TargetID: u.ID}
		if email != u.Email {
			e.Kind, e.Detail = AuditEmailChanged, u.Email+" -> "+email
			if err := RecordTx(ctx, tx, e); err != nil {
				return err
			}
		}
		if displayName != u.DisplayName {
			e.Kind, e.Detail = AuditNameChanged, u.DisplayName+" -> "+displayName
			return RecordTx(ctx, tx, e)
		}
		return nil
	})
}

// Delete removes an account with its sessions and identities. With
// keepPosts its posts and comments stay, shown as by a deleted member;
// otherwise they go too.
func (s *UserStore) Delete(ctx context.Context, id int64, keepPosts bool, by Actor) error {
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token IN
			(SELECT session_hash FROM user_sessions WHERE user_id = ?)`, id); err != nil {
			return err
		}
		detail := "posts kept as deleted member"
		if !keepPosts {
			detail = "posts and comments deleted"
			for _, q := range []string{`DELETE FROM comments WHERE author_id = ?`, `DELETE FROM posts WHERE author_id = ?`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return err
				}
			}
		}
		if err := execOneTx(ctx, tx, `DELETE FROM users WHERE id = ?`, id); err != nil {
			return err
		}
		return RecordTx(ctx, tx, AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, Kind: AuditAccountDeleted,
			TargetType: "user", TargetID: id, Detail: detail})
	})
}

// SetRoleByEmail is the operator's path to the first admin.
func (s *UserStore) SetRoleByEmail(ctx context.Context, email string, role Role) (*User, error) {
	u, err := s.ByEmail(ctx, email)
	if err != nil || u.Role == role {
		return u, err // nothing to change: no sessions end, nothing is audited
	}
	if err := s.SetRole(ctx, u.ID, role, Actor{ClientIP: "command line"}); err != nil {
		return nil, err
	}
	u.Role = role
	return u, nil
}
