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

// SetSuspended suspends (with a reason) or reinstates a user, audited.
func (s *UserStore) SetSuspended(ctx context.Context, id int64, suspended bool, reason string, by Actor) error {
	e := AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, TargetType: "user", TargetID: id, Kind: AuditUserReinstated}
	if !suspended {
		return execOneAudited(ctx, s.DB, e, `UPDATE users SET suspended_at = NULL, suspend_reason = '' WHERE id = ?`, id)
	}
	e.Kind, e.Detail = AuditUserSuspended, reason
	return execOneAudited(ctx, s.DB, e, `UPDATE users SET suspended_at = ?, suspend_reason = ? WHERE id = ?`, formatTime(time.Now()), reason, id)
}

// SetRole grants or revokes admin, audited.
func (s *UserStore) SetRole(ctx context.Context, id int64, role Role, by Actor) error {
	e := AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, TargetType: "user", TargetID: id, Kind: AuditRoleRevoked}
	if role == RoleAdmin {
		e.Kind = AuditRoleGranted
	}
	return execOneAudited(ctx, s.DB, e, `UPDATE users SET role = ? WHERE id = ?`, role, id)
}

// SetRoleByEmail is the operator's path to the first admin.
func (s *UserStore) SetRoleByEmail(ctx context.Context, email string, role Role) (*User, error) {
	u, err := s.ByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if err := s.SetRole(ctx, u.ID, role, Actor{ClientIP: "command line"}); err != nil {
		return nil, err
	}
	u.Role = role
	return u, nil
}
