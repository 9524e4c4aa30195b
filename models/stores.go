package models

import (
	"time"

	"board/db"
)

// Stores is every store over one database, built in one place for the
// server, the operator commands and the tests.
type Stores struct {
	Users        *UserStore
	Posts        *PostStore
	Comments     *CommentStore
	Audit        *AuditStore
	Identities   *IdentityStore
	SessionIndex *SessionStore
	Throttle     *Throttle
}

// NewStores builds the stores; throttleWindow is the sign-in throttle's window.
func NewStores(d *db.DB, throttleWindow time.Duration) *Stores {
	return &Stores{
		Users:        &UserStore{DB: d},
		Posts:        &PostStore{DB: d},
		Comments:     &CommentStore{DB: d},
		Audit:        &AuditStore{DB: d},
		Identities:   &IdentityStore{DB: d},
		SessionIndex: &SessionStore{DB: d},
		Throttle:     &Throttle{DB: d, Window: throttleWindow},
	}
}
