package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"board/db"
)

// AuditKind names one kind of recorded event.
type AuditKind string

const (
	AuditSignIn          AuditKind = "sign_in"
	AuditSignInFailed    AuditKind = "sign_in_failed"
	AuditSignOut         AuditKind = "sign_out"
	AuditRegister        AuditKind = "register"
	AuditPostHidden      AuditKind = "post_hidden"
	AuditPostRestored    AuditKind = "post_restored"
	AuditCommentHidden   AuditKind = "comment_hidden"
	AuditCommentRestored AuditKind = "comment_restored"
	AuditUserSuspended   AuditKind = "user_suspended"
	AuditUserReinstated  AuditKind = "user_reinstated"
	AuditRoleGranted     AuditKind = "role_granted"
	AuditRoleRevoked     AuditKind = "role_revoked"
)

// AuditEvent is one row of the tamper-evident audit log.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    int64 // 0: anonymous or the operator's command line
	ActorName  string
	Kind       AuditKind
	TargetType string
	TargetID   int64
	Detail     string
	ClientIP   string
	PrevHash   string
	Hash       string
}

// AuditStore appends to and reads the audit log.
type AuditStore struct {
	DB *db.DB
}

// chainHash binds a row's fields to the previous row's hash. Fields are
// length-prefixed so no two different rows encode the same.
func chainHash(prev string, e *AuditEvent) string {
	h := sha256.New()
	for _, f := range []string{prev, strconv.FormatInt(e.ID, 10), formatTime(e.At), strconv.FormatInt(e.ActorID, 10),
		string(e.Kind), e.TargetType, strconv.FormatInt(e.TargetID, 10), e.Detail, e.ClientIP} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Record appends an event, chained to the last one in the same transaction.
func (s *AuditStore) Record(ctx context.Context, e AuditEvent) error {
	return s.DB.WithTx(ctx, func(tx *sql.Tx) error { return RecordTx(ctx, tx, e) })
}

// RecordTx appends an event inside a caller's transaction, so an action and
// its audit row commit together.
func RecordTx(ctx context.Context, tx *sql.Tx, e AuditEvent) error {
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&e.ID, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	e.ID++
	e.At = time.Now()
	e.Hash = chainHash(prev, &e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events (id, at, actor_id, kind, target_type, target_id, detail, client_ip, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, formatTime(e.At), nullID(e.ActorID), e.Kind, e.TargetType, nullID(e.TargetID), e.Detail, e.ClientIP, prev, e.Hash)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// AuditFilter narrows the admin's view of the log.
type AuditFilter struct {
	ActorID int64
	Kind    AuditKind
	Before  int64
}

// AuditPage is one page of events, newest first.
type AuditPage struct {
	Events     []*AuditEvent
	NextBefore int64
}

// List returns events matching f, newest first.
func (s *AuditStore) List(ctx context.Context, f AuditFilter, limit int) (*AuditPage, error) {
	where := []string{"e.id < ?"}
	before := f.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	args := []any{before}
	if f.ActorID != 0 {
		where = append(where, "(e.actor_id = ? OR (e.target_type = 'user' AND e.target_id = ?))")
		args = append(args, f.ActorID, f.ActorID)
	}
	if f.Kind != "" {
		where = append(where, "e.kind = ?")
		args = append(args, f.Kind)
	}
	args = append(args, limit+1)
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT e.id, e.at, coalesce(e.actor_id, 0), coalesce(u.display_name, ''), e.kind,
		e.target_type, coalesce(e.target_id, 0), e.detail, e.client_ip, e.prev_hash, e.hash
		FROM audit_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE `+strings.Join(where, " AND ")+` ORDER BY e.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &AuditPage{}
	for rows.Next() {
		var e AuditEvent
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorName, &e.Kind, &e.TargetType, &e.TargetID, &e.Detail, &e.ClientIP, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		page.Events = append(page.Events, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		page.NextBefore = page.Events[limit-1].ID
	}
	return page, nil
}

// Head returns the newest event's id and hash ("" when the log is empty).
// The chain makes each hash commit to every row before it, so a head noted
// outside the database later proves those rows were neither edited nor
// removed, which the chain alone cannot show for the newest rows.
func (s *AuditStore) Head(ctx context.Context) (int64, string, error) {
	var id int64
	var hash string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return id, hash, err
}

// HashAt returns the stored hash of event id, or ErrNotFound.
func (s *AuditStore) HashAt(ctx context.Context, id int64) (string, error) {
	var hash string
	err := s.DB.Read.QueryRowContext(ctx, `SELECT hash FROM audit_events WHERE id = ?`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return hash, err
}

// ErrAuditChainBroken is returned by Verify with the first bad row's id.
type ErrAuditChainBroken struct{ ID int64 }

func (e *ErrAuditChainBroken) Error() string {
	return fmt.Sprintf("audit chain broken at event %d", e.ID)
}

// Verify walks the whole log in order and reports the first row whose
// stored hash or link to its predecessor does not match; it returns the
// number of rows checked.
func (s *AuditStore) Verify(ctx context.Context) (int, error) {
	rows, err := s.DB.Read.QueryContext(ctx, `SELECT id, at, coalesce(actor_id, 0), kind, target_type, coalesce(target_id, 0),
		detail, client_ip, prev_hash, hash FROM audit_events ORDER BY id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	prev, n := "", 0
	for rows.Next() {
		var e AuditEvent
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.Kind, &e.TargetType, &e.TargetID, &e.Detail, &e.ClientIP, &e.PrevHash, &e.Hash); err != nil {
			return n, err
		}
		e.At = parseTime(at)
		if e.PrevHash != prev || chainHash(prev, &e) != e.Hash {
			return n, &ErrAuditChainBroken{ID: e.ID}
		}
		prev, n = e.Hash, n+1
	}
	return n, rows.Err()
}

// AuditKinds lists every kind, for the admin page's filter.
func AuditKinds() []AuditKind {
	return []AuditKind{AuditSignIn, AuditSignInFailed, AuditSignOut, AuditRegister, AuditPostHidden, AuditPostRestored,
		AuditCommentHidden, AuditCommentRestored, AuditUserSuspended, AuditUserReinstated, AuditRoleGranted, AuditRoleRevoked,
		AuditIdentityLinked, AuditIdentityUnlinked, AuditSessionRevoked, AuditSessionsEnded, AuditPasswordChanged,
		AuditEmailChanged, AuditNameChanged, AuditAccountDeleted, AuditReauthFailed}
}
