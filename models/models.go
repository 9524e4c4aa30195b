// Package models is the board's pure domain: its types, the authorization
// policy, validation, audit kinds and the store interfaces the board needs.
// It imports no database, HTTP or echo package: db implements the stores,
// handlers serve them, and a test (architecture_test.go) keeps it that way.
package models

import "errors"

// Sentinel errors that handlers map to pages in one place.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrLastSignInMethod refuses an unlink that would lock the person out.
	ErrLastSignInMethod = errors.New("this is the account's only way to sign in")
)

// Actor is who did something and from where, for the audit log.
type Actor struct {
	UserID   int64 // 0: anonymous, or the operator's command line
	ClientIP string
}
