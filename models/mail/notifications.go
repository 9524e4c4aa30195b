package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"board/models"
)

// NotificationMailer mails the notifications members chose to get by mail.
// Each is written marked as wanting mail in the same transaction as the
// change behind it; the mailer reads it back through the same policy as the
// notifications page, at the time of sending, so a mail never quotes what
// its recipient may no longer see, and queues the message in the outbox as
// it settles the notification.
type NotificationMailer struct {
	st       *models.Stores
	composer *Composer
	log      *slog.Logger
}

// NewNotificationMailer mails through composer what st.Notifications holds.
func NewNotificationMailer(st *models.Stores, composer *Composer, log *slog.Logger) *NotificationMailer {
	return &NotificationMailer{st: st, composer: composer, log: log}
}

// Run mails due notifications every interval until ctx ends.
func (m *NotificationMailer) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := m.MailDue(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("notification mailer", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// MailDue settles every notification waiting for its mail and returns how
// many messages it queued.
func (m *NotificationMailer) MailDue(ctx context.Context) (int, error) {
	queued := 0
	for {
		due, err := m.st.Notifications.MailDue(ctx, batchSize)
		if err != nil || len(due) == 0 {
			return queued, err
		}
		for _, n := range due {
			msg, err := m.compose(ctx, n)
			if err != nil {
				return queued, err
			}
			err = m.st.Notifications.Mailed(ctx, n.ID, msg)
			switch {
			case errors.Is(err, models.ErrNotFound):
				// another mailer settled it first
			case err != nil:
				return queued, err
			case msg != nil:
				queued++
			}
		}
	}
}

// compose is n's mail, or nil when none may go: the recipient is gone, may
// no longer see it, or has no confirmed address (mail goes only to an
// address its owner proved, so nobody can sign a stranger up for it).
func (m *NotificationMailer) compose(ctx context.Context, n *models.Notification) (*models.Mail, error) {
	u, err := m.st.Users.ByID(ctx, n.UserID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	shown, ok := models.ShowNotification(u, n)
	if !ok || !u.EmailVerified {
		return nil, nil
	}
	return m.composer.Notification(u, shown)
}
