package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"board/db"
)

// Identity links an account to a social provider's subject.
type Identity struct {
	ID        int64
	UserID    int64
	Provider  string
	Subject   string
	Email     string
	CreatedAt time.Time
}

// ErrLastSignInMethod refuses an unlink that would lock the person out.
var ErrLastSignInMethod = errors.New("this is the account's only way to sign in")

// Audit kinds for social identities.
const (
	AuditIdentityLinked   AuditKind = "identity_linked"
	AuditIdentityUnlinked AuditKind = "identity_unlinked"
)

// IdentityStore reads and writes identities.
type IdentityStore struct {
	DB *db.DB
}

const identityColumns = `id, user_id, provider, subject, email, created_at`

func scanIdentity(row scanner) (*Identity, error) {
	var i Identity
	var created string
	err := row.Scan(&i.ID, &i.UserID, &i.Provider, &i.Subject, &i.Email, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	i.CreatedAt = parseTime(created)
	return &i, err
}

// Find returns the identity for (provider, subject) or ErrNotFound.
func (s *IdentityStore) Find(ctx context.Context, provider, subject string) (*Identity, error) {
	return scanIdentity(s.DB.Read.QueryRowContext(ctx,
		`SELECT `+identityColumns+` FROM identities WHERE provider = ? AND subject = ?`, provider, subject))
}

// ForUser lists a user's linked identities.
func (s *IdentityStore) ForUser(ctx context.Context, userID int64) ([]*Identity, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT `+identityColumns+` FROM identities WHERE user_id = ? ORDER BY provider`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Identity
	for rows.Next() {
		i, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

func linkTx(ctx context.Context, tx *sql.Tx, i *Identity, by Actor) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO identities (user_id, provider, subject, email, created_at) VALUES (?, ?, ?, ?, ?)`,
		i.UserID, i.Provider, i.Subject, i.Email, formatTime(time.Now()))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return err
	}
	return RecordTx(ctx, tx, AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, Kind: AuditIdentityLinked,
		TargetType: "user", TargetID: i.UserID, Detail: i.Provider})
}

// Link attaches an identity to an existing account; ErrConflict if that
// identity is linked already or the account has one for this provider.
func (s *IdentityStore) Link(ctx context.Context, i *Identity, by Actor) error {
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error { return linkTx(ctx, tx, i, by) })
}

// CreateUser makes a new password-less account for a first social sign-in,
// with its identity, in one transaction.
func (s *IdentityStore) CreateUser(ctx context.Context, n NewUser, provider, subject string, clientIP string) (*User, error) {
	var u *User
	err := s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, `INSERT INTO users (email, email_verified, display_name, created_at)
			VALUES (?, ?, ?, ?) RETURNING `+userColumns, n.Email, n.EmailVerified, n.DisplayName, formatTime(time.Now())))
		if isUniqueViolation(err) {
			return ErrConflict
		}
		if err != nil {
			return err
		}
		if err := RecordTx(ctx, tx, AuditEvent{ActorID: u.ID, ClientIP: clientIP, Kind: AuditRegister,
			TargetType: "user", TargetID: u.ID, Detail: "via " + provider}); err != nil {
			return err
		}
		return linkTx(ctx, tx, &Identity{UserID: u.ID, Provider: provider, Subject: subject, Email: n.Email}, Actor{UserID: u.ID, ClientIP: clientIP})
	})
	return u, err
}

// Unlink removes the user's identity for provider, unless it is their last
// way to sign in (no password and no other identity). The check and the
// delete share a transaction, so two racing unlinks cannot both pass.
func (s *IdentityStore) Unlink(ctx context.Context, userID int64, provider string, by Actor) error {
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error {
		var hasPassword bool
		var identities int
		err := tx.QueryRowContext(ctx, `SELECT password_hash IS NOT NULL, (SELECT count(*) FROM identities WHERE user_id = users.id)
			FROM users WHERE id = ?`, userID).Scan(&hasPassword, &identities)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !CanRemoveSignInMethod(hasPassword, identities) {
			return ErrLastSignInMethod
		}
		if err := execOneTx(ctx, tx, `DELETE FROM identities WHERE user_id = ? AND provider = ?`, userID, provider); err != nil {
			return err
		}
		return RecordTx(ctx, tx, AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, Kind: AuditIdentityUnlinked,
			TargetType: "user", TargetID: userID, Detail: provider})
	})
}
