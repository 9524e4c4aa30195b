package models

import (
	"context"
	"time"
)

// Post is a topic on the board. AuthorID is 0 once the author's account is gone.
type Post struct {
	ID           int64
	AuthorID     int64
	AuthorName   string
	AuthorAdmin  bool // shown as a badge no display name can imitate
	Title        string
	Body         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	HiddenAt     *time.Time
	HiddenReason string
	CommentCount int
}

func (p *Post) Hidden() bool { return p.HiddenAt != nil }
func (p *Post) Edited() bool { return p.UpdatedAt.After(p.CreatedAt) }

// PostPage is one page of the list, newest first, with the cursor for the next.
type PostPage struct {
	Posts      []*Post
	NextBefore int64 // 0 when this is the last page
}

// Posts reads and writes posts.
type Posts interface {
	// Create, Update and Delete check inside their transaction that the
	// author is still an active member (and for Update and Delete, still
	// the post's author): ErrRefusedAtWrite if not.
	Create(ctx context.Context, authorID int64, title, body string) (*Post, error)
	// ByID returns the post, hidden or not: visibility is the policy's call.
	ByID(ctx context.Context, id int64) (*Post, error)
	// List returns up to limit posts with id < before (0: from the newest)
	// that the filter admits.
	List(ctx context.Context, f PostListFilter, before int64, limit int) (*PostPage, error)
	Update(ctx context.Context, id, authorID int64, title, body string) error
	// Delete removes a post and its comments.
	Delete(ctx context.Context, id, authorID int64) error
	// SetHidden hides (with a reason) or restores a post, audited; by must
	// still be an active admin when it is written. Hiding settles the post's
	// open reports; the author and reporters are told.
	SetHidden(ctx context.Context, id int64, hidden bool, reason string, by Actor) error
	// Remove deletes a post as a moderator, with its comments: audited, the
	// open reports on them settled, the author and reporters told.
	Remove(ctx context.Context, id int64, reason string, by Actor) error
}
