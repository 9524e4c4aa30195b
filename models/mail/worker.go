package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"board/models"
)

// Sender delivers one message. Its errors are temporary (retried later)
// unless wrapped by Permanent.
type Sender interface {
	Send(ctx context.Context, m *models.Mail) error
}

// PermanentError is a refusal that trying again cannot fix, such as a
// server rejecting the recipient.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &PermanentError{Err: err} }

// How the worker paces itself.
const (
	// MaxAttempts bounds tries per message: with the backoff below, the
	// last comes about six hours after the first.
	MaxAttempts = 10
	firstRetry  = time.Minute
	maxRetry    = 2 * time.Hour
	// lease is how long a claimed message is reserved for one worker; a
	// send that takes longer is cut off first (sendTimeout).
	lease       = 2 * time.Minute
	sendTimeout = time.Minute
	batchSize   = 20
	// keepSent is how long delivered messages stay in the outbox (the demo
	// mailbox shows them) before they are purged.
	keepSent   = 7 * 24 * time.Hour
	purgeEvery = time.Hour
)

// Backoff is the wait after a message's attempt-th failed attempt.
func Backoff(attempt int) time.Duration {
	d := firstRetry
	for i := 1; i < attempt && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// Worker sends what is queued in the outbox through a Sender.
type Worker struct {
	outbox    models.Outbox
	sender    Sender
	now       func() time.Time
	log       *slog.Logger
	lastPurge time.Time
}

// NewWorker builds a worker; now is the board's clock.
func NewWorker(outbox models.Outbox, sender Sender, now func() time.Time, log *slog.Logger) *Worker {
	return &Worker{outbox: outbox, sender: sender, now: now, log: log}
}

// Run sends due messages every interval until ctx ends.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := w.SendDue(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("mail worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// SendDue claims the messages that are due and sends them, returning how
// many were delivered. Outcomes are recorded even if ctx ends meanwhile,
// so a shutdown does not leave a sent message looking unsent.
func (w *Worker) SendDue(ctx context.Context) (int, error) {
	if now := w.now(); now.Sub(w.lastPurge) >= purgeEvery {
		if _, err := w.outbox.Purge(ctx, now.Add(-keepSent)); err != nil {
			return 0, err
		}
		w.lastPurge = now
	}
	mails, err := w.outbox.Claim(ctx, batchSize, lease)
	if err != nil {
		return 0, err
	}
	settle := context.WithoutCancel(ctx)
	sent := 0
	for _, m := range mails {
		if ctx.Err() != nil {
			break // the rest are due again when their lease runs out
		}
		ok, err := w.send(ctx, settle, m)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// send tries one claimed message and records the outcome.
func (w *Worker) send(ctx, settle context.Context, m *models.Mail) (bool, error) {
	if m.Attempts > MaxAttempts {
		// Every earlier claim ended without an outcome: the process died
		// while sending it, perhaps because of it.
		return false, w.settle(w.outbox.GiveUp(settle, m.ID, m.Claim, "no attempt finished"), m)
	}
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	err := w.sender.Send(sendCtx, m)
	cancel()
	var permanent *PermanentError
	switch {
	case err == nil:
		return true, w.settle(w.outbox.Delivered(settle, m.ID, m.Claim), m)
	case errors.As(err, &permanent) || m.Attempts >= MaxAttempts:
		w.log.Warn("mail given up", "mail_id", m.ID, "attempt", m.Attempts, "err", err)
		return false, w.settle(w.outbox.GiveUp(settle, m.ID, m.Claim, err.Error()), m)
	}
	retry := w.now().Add(Backoff(m.Attempts))
	w.log.Info("mail deferred", "mail_id", m.ID, "attempt", m.Attempts, "retry_at", retry, "err", err)
	return false, w.settle(w.outbox.Retry(settle, m.ID, m.Claim, err.Error(), retry), m)
}

// settle tolerates a lost lease: another worker has the message now.
func (w *Worker) settle(err error, m *models.Mail) error {
	if errors.Is(err, models.ErrNotFound) {
		w.log.Warn("mail lease lost before its outcome was recorded", "mail_id", m.ID)
		return nil
	}
	return err
}
