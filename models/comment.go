package models

import (
	"context"
	"time"
)

// Comment is a reply under a post.
type Comment struct {
	ID           int64
	PostID       int64
	AuthorID     int64
	AuthorName   string
	AuthorAdmin  bool
	Body         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	HiddenAt     *time.Time
	HiddenReason string
}

func (c *Comment) Hidden() bool { return c.HiddenAt != nil }
func (c *Comment) Edited() bool { return c.UpdatedAt.After(c.CreatedAt) }

// Comments reads and writes comments.
type Comments interface {
	// Create checks inside its transaction that the author is an active
	// member who can see the post; Update and Delete that they are still
	// its author: ErrRefusedAtWrite if not.
	// Create also notifies the post's author and the thread's earlier
	// commenters, in the same transaction.
	Create(ctx context.Context, postID, authorID int64, body string) (*Comment, error)
	// ByID returns the comment, hidden or not.
	ByID(ctx context.Context, id int64) (*Comment, error)
	// ForPost returns a post's comments, oldest first, hidden ones included:
	// the caller filters them through CanSeeComment.
	ForPost(ctx context.Context, postID int64) ([]*Comment, error)
	Update(ctx context.Context, id, authorID int64, body string) error
	Delete(ctx context.Context, id, authorID int64) error
	// SetHidden hides (with a reason) or restores a comment, audited, as
	// Posts.SetHidden does; by must still be an active admin when it is written.
	SetHidden(ctx context.Context, id int64, hidden bool, reason string, by Actor) error
	// Remove deletes a comment as a moderator, as Posts.Remove does.
	Remove(ctx context.Context, id int64, reason string, by Actor) error
}
