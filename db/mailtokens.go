package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"board/models"
)

// mailTokens is models.MailTokens over mail_tokens.
type mailTokens struct{ store }

const tokenColumns = `hash, user_id, purpose, email, expires_at`

func scanToken(row scanner) (*models.MailToken, error) {
	var t models.MailToken
	var expires string
	err := row.Scan(&t.Hash, &t.UserID, &t.Purpose, &t.Email, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	t.ExpiresAt = parseTime(expires)
	return &t, nil
}

// purposeIn is "purpose IN ($n, …)" with purposes appended to args.
func purposeIn(args []any, purposes []models.TokenPurpose) (string, []any) {
	marks := make([]string, len(purposes))
	for i, p := range purposes {
		args = append(args, p)
		marks[i] = placeholder(len(args))
	}
	return "purpose IN (" + strings.Join(marks, ", ") + ")", args
}

// issueTx stores a token, voiding the user's older ones of its purpose
// (and any that expired), queues its mail and audits the sending.
func (s store) issueTx(ctx context.Context, tx *tx, t models.TokenMail, by models.Actor) error {
	tok := t.Token
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE user_id = $1 AND (purpose = $2 OR expires_at <= $3)`,
		tok.UserID, tok.Purpose, s.nowText()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO mail_tokens (hash, user_id, purpose, email, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, tok.Hash, tok.UserID, tok.Purpose, tok.Email, formatTime(tok.ExpiresAt), s.nowText()); err != nil {
		return err
	}
	t.Mail.UserID = tok.UserID
	if err := s.queueTx(ctx, tx, t.Mail); err != nil {
		return err
	}
	return s.recordTx(ctx, tx, event(tok.Purpose.IssuedKind(), by, "user", tok.UserID, "link sent to "+tok.Email))
}

func (s *mailTokens) Issue(ctx context.Context, t models.TokenMail, notices []*models.Mail, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := s.issueTx(ctx, tx, t, by); err != nil {
			return err
		}
		return s.queueTx(ctx, tx, notices...)
	})
}

func (s *mailTokens) Peek(ctx context.Context, hash string, purposes ...models.TokenPurpose) (*models.MailToken, error) {
	in, args := purposeIn([]any{hash, s.nowText()}, purposes)
	return scanToken(s.db.reader().QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM mail_tokens
		WHERE hash = $1 AND expires_at > $2 AND `+in, args...))
}

func (s *mailTokens) Pending(ctx context.Context, userID int64, purpose models.TokenPurpose) (*models.MailToken, error) {
	return scanToken(s.db.reader().QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM mail_tokens
		WHERE user_id = $1 AND purpose = $2 AND expires_at > $3 ORDER BY created_at DESC LIMIT 1`, userID, purpose, s.nowText()))
}

// takeTx uses a token: finding and deleting it is one statement, so of two
// requests racing with the same link exactly one gets it.
func (s store) takeTx(ctx context.Context, tx *tx, hash string, purposes ...models.TokenPurpose) (*models.MailToken, error) {
	in, args := purposeIn([]any{hash, s.nowText()}, purposes)
	return scanToken(tx.QueryRowContext(ctx, `DELETE FROM mail_tokens WHERE hash = $1 AND expires_at > $2 AND `+in+`
		RETURNING `+tokenColumns, args...))
}

// redeemTx takes a token and loads its account, which must still have the
// address the link was sent to: a link to a former address is void.
func (s store) redeemTx(ctx context.Context, tx *tx, hash string, purposes ...models.TokenPurpose) (*models.MailToken, *models.User, error) {
	t, err := s.takeTx(ctx, tx, hash, purposes...)
	if err != nil {
		return nil, nil, err
	}
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, t.UserID))
	if err != nil {
		return nil, nil, err
	}
	if t.Purpose != models.TokenChangeEmail && !strings.EqualFold(u.Email, t.Email) {
		return nil, nil, models.ErrNotFound
	}
	return t, u, nil
}

// actingFor is by, or the account itself when someone not signed in used
// a link mailed to it: holding the link is acting for the account.
func actingFor(by models.Actor, userID int64) models.Actor {
	if by.UserID == 0 {
		by.UserID = userID
	}
	return by
}

func (s *mailTokens) ConfirmEmail(ctx context.Context, hash string, by models.Actor) (*models.User, error) {
	var u *models.User
	err := s.db.withTx(ctx, func(tx *tx) error {
		t, account, err := s.redeemTx(ctx, tx, hash, models.TokenVerifyEmail, models.TokenChangeEmail)
		if err != nil {
			return err
		}
		by = actingFor(by, account.ID)
		if t.Purpose == models.TokenVerifyEmail {
			if err := execOneTx(ctx, tx, `UPDATE users SET email_verified = TRUE WHERE id = $1`, account.ID); err != nil {
				return err
			}
			if err := s.recordTx(ctx, tx, event(models.AuditEmailVerified, by, "user", account.ID, t.Email)); err != nil {
				return err
			}
		} else if err := s.changeEmailTx(ctx, tx, account, t.Email, by); err != nil {
			return err
		}
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, account.ID))
		return err
	})
	return u, err
}

// changeEmailTx gives account its new, proven address. Links sent to the
// old one are void from now on.
func (s store) changeEmailTx(ctx context.Context, tx *tx, account *models.User, email string, by models.Actor) error {
	holder, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1 AND id != $2`, email, account.ID))
	switch {
	case err == nil:
		if !models.MayTakeOverEmail(true, holder) {
			return models.ErrConflict
		}
		if err := s.releaseEmailTx(ctx, tx, holder, "proved by a link mailed to it, for account "+strconv.FormatInt(account.ID, 10), by); err != nil {
			return err
		}
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	if err := execOneTx(ctx, tx, `UPDATE users SET email = $1, email_verified = TRUE WHERE id = $2`, email, account.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE user_id = $1`, account.ID); err != nil {
		return err
	}
	return s.recordTx(ctx, tx, event(models.AuditEmailChanged, by, "user", account.ID, account.Email+" -> "+email))
}

// releaseEmailTx takes an unverified address from holder, who keeps the
// account and its content under a placeholder address. Links mailed to it
// are void: the address is someone else's.
func (s store) releaseEmailTx(ctx context.Context, tx *tx, holder *models.User, how string, by models.Actor) error {
	if err := execOneTx(ctx, tx, `UPDATE users SET email = $1 WHERE id = $2 AND email_verified = FALSE`,
		models.ReleasedEmail(holder.ID), holder.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE user_id = $1`, holder.ID); err != nil {
		return err
	}
	return s.recordTx(ctx, tx, event(models.AuditEmailReleased, by, "user", holder.ID, holder.Email+" given up unverified: "+how))
}

func (s *mailTokens) ResetPassword(ctx context.Context, hash, passwordHash string, notice *models.Mail, by models.Actor) (*models.User, int, error) {
	var u *models.User
	var ended int
	err := s.db.withTx(ctx, func(tx *tx) error {
		t, account, err := s.redeemTx(ctx, tx, hash, models.TokenResetPassword)
		if err != nil {
			return err
		}
		by = actingFor(by, account.ID)
		if err := execOneTx(ctx, tx, `UPDATE users SET password_hash = $1, email_verified = TRUE WHERE id = $2`, passwordHash, account.ID); err != nil {
			return err
		}
		if ended, err = s.newPasswordTx(ctx, tx, account.ID, ""); err != nil {
			return err
		}
		if notice != nil {
			notice.UserID = account.ID
		}
		if err := s.queueTx(ctx, tx, notice); err != nil {
			return err
		}
		if err := s.recordTx(ctx, tx, event(models.AuditPasswordReset, by, "user", account.ID, "by a link mailed to "+t.Email)); err != nil {
			return err
		}
		u, err = scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, account.ID))
		return err
	})
	return u, ended, err
}

// newPasswordTx is what a new password does besides being stored: every
// session but keep ends, and every token family, and every link in flight
// is void (a pending change of address included, in case a thief asked
// for it).
func (s store) newPasswordTx(ctx context.Context, tx *tx, userID int64, keep string) (int, error) {
	n, err := s.endSessionsTx(ctx, tx, userID, keep, models.RevokedPasswordChange)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE user_id = $1`, userID)
	return n, err
}
