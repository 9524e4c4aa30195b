package db

import (
	"context"
	"database/sql"
	"errors"

	"board/models"
)

type comments struct{ store }

const commentSelect = `SELECT c.id, c.post_id, coalesce(c.author_id, 0), coalesce(u.display_name, ''), c.body,
	c.created_at, c.updated_at, c.hidden_at, c.hidden_reason
	FROM comments c LEFT JOIN users u ON u.id = c.author_id`

func scanComment(row scanner) (*models.Comment, error) {
	var c models.Comment
	var created, updated string
	var hidden sql.NullString
	err := row.Scan(&c.ID, &c.PostID, &c.AuthorID, &c.AuthorName, &c.Body, &created, &updated, &hidden, &c.HiddenReason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt, c.HiddenAt = parseTime(created), parseTime(updated), parseNullTime(hidden)
	return &c, nil
}

func (s *comments) Create(ctx context.Context, postID, authorID int64, body string) (*models.Comment, error) {
	now := s.nowText()
	var id int64
	err := s.db.writer().QueryRowContext(ctx, `INSERT INTO comments (post_id, author_id, body, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`, postID, authorID, body, now).Scan(&id)
	if err != nil {
		return nil, err
	}
	return s.ByID(ctx, id)
}

func (s *comments) ByID(ctx context.Context, id int64) (*models.Comment, error) {
	return scanComment(s.db.reader().QueryRowContext(ctx, commentSelect+` WHERE c.id = $1`, id))
}

func (s *comments) ForPost(ctx context.Context, postID int64) ([]*models.Comment, error) {
	return scanAll(ctx, s.db.reader(), scanComment, commentSelect+` WHERE c.post_id = $1 ORDER BY c.id`, postID)
}

func (s *comments) Update(ctx context.Context, id int64, body string) error {
	return s.execOne(ctx, `UPDATE comments SET body = $1, updated_at = $2 WHERE id = $3`, body, s.nowText(), id)
}

func (s *comments) Delete(ctx context.Context, id int64) error {
	return s.execOne(ctx, `DELETE FROM comments WHERE id = $1`, id)
}

func (s *comments) SetHidden(ctx context.Context, id int64, hidden bool, reason string, by models.Actor) error {
	return s.setHidden(ctx, "comments", "comment", id, hidden, reason, by)
}
