package db

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"board/models"
)

type comments struct{ store }

const commentSelect = `SELECT c.id, c.post_id, coalesce(c.author_id, 0), coalesce(u.display_name, ''), coalesce(u.role = 'admin', FALSE), c.body,
	c.created_at, c.updated_at, c.hidden_at, c.hidden_reason
	FROM comments c LEFT JOIN users u ON u.id = c.author_id`

func scanComment(row scanner) (*models.Comment, error) {
	var c models.Comment
	var created, updated string
	var hidden sql.NullString
	err := row.Scan(&c.ID, &c.PostID, &c.AuthorID, &c.AuthorName, &c.AuthorAdmin, &c.Body, &created, &updated, &hidden, &c.HiddenReason)
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
	var cm *models.Comment
	err := s.db.withTx(ctx, func(tx *tx) error {
		// The author must be active and see the post: a hidden post only
		// its author and admins.
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO comments (post_id, author_id, body, created_at, updated_at)
			SELECT p.id, actor.id, $3, $4, $4 FROM posts p JOIN users actor ON actor.id = $2 AND actor.suspended_at IS NULL
			WHERE p.id = $1 AND (p.hidden_at IS NULL OR p.author_id = actor.id OR actor.role = 'admin')
			RETURNING id`, postID, authorID, body, s.nowText()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return missingOrRefused(ctx, tx, "posts", postID)
		}
		if err != nil {
			return err
		}
		if cm, err = scanComment(tx.QueryRowContext(ctx, commentSelect+` WHERE c.id = $1`, id)); err != nil {
			return err
		}
		return s.notifyRepliesTx(ctx, tx, cm)
	})
	return cm, err
}

func (s *comments) ByID(ctx context.Context, id int64) (*models.Comment, error) {
	return scanComment(s.db.reader().QueryRowContext(ctx, commentSelect+` WHERE c.id = $1`, id))
}

func (s *comments) ForPost(ctx context.Context, postID int64) ([]*models.Comment, error) {
	return get(ctx, s.store, "comments:"+strconv.FormatInt(postID, 10), func() ([]*models.Comment, error) {
		return scanAll(ctx, s.db.reader(), scanComment, commentSelect+` WHERE c.post_id = $1 ORDER BY c.id`, postID)
	})
}

func (s *comments) Update(ctx context.Context, id, authorID int64, body string) error {
	return s.execAuthorized(ctx, nil, "comments", id, `UPDATE comments SET body = $1, updated_at = $2
		WHERE id = $3 AND author_id = $4 AND `+activeActor("$4", false), body, s.nowText(), id, authorID)
}

func (s *comments) Delete(ctx context.Context, id, authorID int64) error {
	return s.execAuthorized(ctx, nil, "comments", id, `DELETE FROM comments WHERE id = $1 AND author_id = $2 AND `+activeActor("$2", false),
		id, authorID)
}

func (s *comments) Remove(ctx context.Context, id int64, reason string, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error { return s.removeTx(ctx, tx, models.CommentRef(id), reason, by) })
}

func (s *comments) SetHidden(ctx context.Context, id int64, hidden bool, reason string, by models.Actor) error {
	return s.setHidden(ctx, "comments", "comment", id, hidden, reason, by)
}
