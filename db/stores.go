package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"board/models"
)

// NewStores builds every store over d. now is the board's clock: every time
// a store writes or compares comes from it, so tests can let time pass.
func NewStores(d *DB, now func() time.Time, throttleWindow time.Duration) *models.Stores {
	s := store{db: d, now: now}
	return &models.Stores{
		Users:         &users{s},
		Posts:         &posts{s},
		Comments:      &comments{s},
		Identities:    &identities{s},
		SessionIndex:  &sessionIndex{s},
		Throttle:      &throttle{store: s, window: throttleWindow},
		Audit:         &audit{s},
		Secrets:       &secrets{store: s, cache: map[string][]byte{}},
		Notices:       &notices{s},
		Outbox:        &outbox{s},
		MailTokens:    &mailTokens{s},
		SigningKeys:   &signingKeys{s},
		TokenFamilies: &tokenFamilies{s},
		SignInTraces:  &signInTraces{s},
		Reports:       &reports{s},
		Notifications: &notifications{s},
	}
}

// store is what every store holds: the database and the clock.
type store struct {
	db  *DB
	now func() time.Time
}

// nowText is the clock's time in the stored form.
func (s store) nowText() string { return formatTime(s.now()) }

const timeLayout = time.RFC3339Nano

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func parseNullTime(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// isUniqueViolation reports whether err is the database refusing a duplicate key.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

type scanner interface{ Scan(...any) error }

// scanAll collects every row of a query through scan.
func scanAll[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func execOneTx(ctx context.Context, tx *tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return models.ErrNotFound
	}
	return nil
}

func (s store) execOne(ctx context.Context, query string, args ...any) error {
	return s.db.withTx(ctx, func(tx *tx) error { return execOneTx(ctx, tx, query, args...) })
}

// execOneAudited changes exactly one row and records e, atomically.
func (s store) execOneAudited(ctx context.Context, e models.AuditEvent, query string, args ...any) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := execOneTx(ctx, tx, query, args...); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, e)
	})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// event is an audit event by an actor about a target.
func event(kind models.AuditKind, by models.Actor, targetType string, targetID int64, detail string) models.AuditEvent {
	return models.AuditEvent{Kind: kind, ActorID: by.UserID, ClientIP: by.ClientIP, TargetType: targetType, TargetID: targetID, Detail: detail}
}

// qualify prefixes each of a column list's columns with a table alias.
func qualify(alias, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, p := range parts {
		parts[i] = alias + "." + p
	}
	return strings.Join(parts, ", ")
}

// placeholder is the n-th query parameter, for queries built from parts.
func placeholder(n int) string { return "$" + strconv.Itoa(n) }

// activeActor is the SQL condition that the user named by param is an
// active (unsuspended) member, or with admin an active admin: authorization
// checked again inside the write itself.
func activeActor(param string, admin bool) string {
	cond := `EXISTS (SELECT 1 FROM users actor WHERE actor.id = ` + param + ` AND actor.suspended_at IS NULL`
	if admin {
		cond += ` AND actor.role = 'admin'`
	}
	return cond + `)`
}

// adminGuard is the condition (and its argument, as parameter n) that by is
// still an active admin, and when the target is a user, not by themselves.
// by.UserID 0 is the operator's command line, which needs no check.
func adminGuard(by models.Actor, n int, targetIsUser bool) (string, []any) {
	if by.UserID == 0 {
		return "", nil
	}
	p := placeholder(n)
	cond := ` AND ` + activeActor(p, true)
	if targetIsUser {
		cond += ` AND id <> ` + p
	}
	return cond, []any{by.UserID}
}

// execAuthorizedTx runs a write on one row of table whose WHERE also checks
// the actor. If it changes nothing, a missing row is ErrNotFound and a
// refused actor models.ErrRefusedAtWrite.
func execAuthorizedTx(ctx context.Context, tx *tx, table string, id int64, query string, args ...any) error {
	err := execOneTx(ctx, tx, query, args...)
	if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return missingOrRefused(ctx, tx, table, id)
}

// missingOrRefused explains a write that matched no row.
func missingOrRefused(ctx context.Context, tx *tx, table string, id int64) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = $1)`, id).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return models.ErrRefusedAtWrite
	}
	return models.ErrNotFound
}

// execAuthorized is execAuthorizedTx in its own transaction, optionally
// recording e with the change.
func (s store) execAuthorized(ctx context.Context, e *models.AuditEvent, table string, id int64, query string, args ...any) error {
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := execAuthorizedTx(ctx, tx, table, id, query, args...); err != nil || e == nil {
			return err
		}
		return s.recordTx(ctx, tx, *e)
	})
}
