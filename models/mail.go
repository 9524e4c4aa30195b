package models

import (
	"context"
	"time"
)

// MailStatus is where a message is on its way out.
type MailStatus string

const (
	MailPending MailStatus = "pending" // waiting for a worker, or for its next attempt
	MailSent    MailStatus = "sent"    // accepted by the SMTP server
	MailFailed  MailStatus = "failed"  // given up: refused for good, or too many attempts
)

// Mail is one message in the outbox. It is written in the same transaction
// as the change that causes it and sent later by the mail worker, so a
// change is never committed without its mail, nor its mail without it.
type Mail struct {
	ID        int64
	UserID    int64 // the member it is for (0: none); failures count against their address
	To        string
	Subject   string
	Text      string
	HTML      string
	Status    MailStatus
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    time.Time // zero until sent
	// Claim names the worker's lease while it is sending this message.
	Claim string
}

// Outbox is the queue of outgoing mail. Workers on any number of processes
// share it: a claim is one atomic UPDATE … RETURNING that leases messages,
// so no two workers send the same message at once, and a worker that dies
// mid-send only delays its messages until the lease runs out. Delivery is
// therefore at least once.
type Outbox interface {
	// Queue adds a message that no other change causes (e.g. telling a
	// provider-only account how to sign in) with its audit row.
	Queue(ctx context.Context, m *Mail, e AuditEvent) error
	// Claim leases up to limit due messages for lease, counting an attempt
	// on each.
	Claim(ctx context.Context, limit int, lease time.Duration) ([]*Mail, error)
	// Delivered marks a claimed message sent; ErrNotFound if the claim was lost.
	Delivered(ctx context.Context, id int64, claim string) error
	// Retry records a failed attempt and when to try again.
	Retry(ctx context.Context, id int64, claim, reason string, at time.Time) error
	// GiveUp marks a claimed message failed for good, audited.
	GiveUp(ctx context.Context, id int64, claim, reason string) error
	// Recent lists the newest messages first, for the demo mailbox.
	Recent(ctx context.Context, limit int) ([]*Mail, error)
	// ByID returns one message, or ErrNotFound.
	ByID(ctx context.Context, id int64) (*Mail, error)
	// Waiting counts messages not yet sent nor given up.
	Waiting(ctx context.Context) (int, error)
	// FailedCounts maps member ids to how many of their messages failed.
	FailedCounts(ctx context.Context) (map[int64]int, error)
	// Purge deletes messages sent before t: their links are spent or
	// expired, and nothing else needs them.
	Purge(ctx context.Context, before time.Time) (int, error)
}
