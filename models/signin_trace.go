package models

import (
	"context"
	"time"
)

// SignInTrace is the code flow of a member's last sign-in through a
// provider, request by request with every secret elided, kept so the /learn
// OAuth page can show the flow with the member's own data.
type SignInTrace struct {
	Provider string // "Google", "Facebook"
	At       time.Time
	Steps    []TraceStep
}

// TraceStep is one request or answer of a sign-in.
type TraceStep struct {
	From, To string   // "browser", "board", "Google"
	Line     string   // e.g. "POST https://…/token"
	Fields   []string // "name=value" lines: query, form or JSON fields
	Note     string   // what the step is for, in words
}

// SignInTraces keeps each member's last sign-in trace.
type SignInTraces interface {
	// Save replaces the member's trace.
	Save(ctx context.Context, userID int64, t SignInTrace) error
	// Last returns the member's trace, or ErrNotFound.
	Last(ctx context.Context, userID int64) (*SignInTrace, error)
}
