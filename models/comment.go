package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"board/db"
)

// Comment is a reply under a post.
type Comment struct {
	ID           int64
	PostID       int64
	AuthorID     int64
	AuthorName   string
	Body         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	HiddenAt     *time.Time
	HiddenReason string
}

func (c *Comment) Hidden() bool { return c.HiddenAt != nil }
func (c *Comment) Edited() bool { return c.UpdatedAt.After(c.CreatedAt) }

// CommentStore reads and writes comments.
type CommentStore struct {
	DB *db.DB
}

const commentSelect = `SELECT c.id, c.post_id, coalesce(c.author_id, 0), coalesce(u.display_name, ''), c.body,
	c.created_at, c.updated_at, c.hidden_at, c.hidden_reason
	FROM comments c LEFT JOIN users u ON u.id = c.author_id`

func scanComment(row scanner) (*Comment, error) {
	var c Comment
	var created, updated string
	var hidden sql.NullString
	err := row.Scan(&c.ID, &c.PostID, &c.AuthorID, &c.AuthorName, &c.Body, &created, &updated, &hidden, &c.HiddenReason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.HiddenAt = parseTime(created), parseTime(updated), parseNullTime(hidden)
	return &c, nil
}

// Create adds a comment to a post.
func (s *CommentStore) Create(ctx context.Context, postID, authorID int64, body string) (*Comment, error) {
	now := formatTime(time.Now())
	var id int64
	err := s.DB.Write.QueryRowContext(ctx, `INSERT INTO comments (post_id, author_id, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, postID, authorID, body, now, now).Scan(&id)
	if err != nil {
		return nil, err
	}
	return s.ByID(ctx, id)
}

// ByID returns the comment, hidden or not.
func (s *CommentStore) ByID(ctx context.Context, id int64) (*Comment, error) {
	return scanComment(s.DB.Read.QueryRowContext(ctx, commentSelect+` WHERE c.id = ?`, id))
}

// ForPost returns a post's comments, oldest first, hidden ones included:
// the caller filters them through CanSeeComment.
func (s *CommentStore) ForPost(ctx context.Context, postID int64) ([]*Comment, error) {
	rows, err := s.DB.Read.QueryContext(ctx, commentSelect+` WHERE c.post_id = ? ORDER BY c.id`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var comments []*Comment
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, err
		}
		comments = append(comments, c)
	}
	return comments, rows.Err()
}

// Update replaces a comment's body.
func (s *CommentStore) Update(ctx context.Context, id int64, body string) error {
	return execOne(ctx, s.DB, `UPDATE comments SET body = ?, updated_at = ? WHERE id = ?`, body, formatTime(time.Now()), id)
}

// Delete removes a comment.
func (s *CommentStore) Delete(ctx context.Context, id int64) error {
	return execOne(ctx, s.DB, `DELETE FROM comments WHERE id = ?`, id)
}

// SetHidden hides (with a reason) or restores a comment, audited in the same transaction.
func (s *CommentStore) SetHidden(ctx context.Context, id int64, hidden bool, reason string, by Actor) error {
	return setHidden(ctx, s.DB, "comments", "comment", id, hidden, reason, by)
}
