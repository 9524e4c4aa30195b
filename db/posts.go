package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"board/models"
)

type posts struct{ store }

// The comment count is a correlated subquery over comments_post_idx, so a page
// of posts costs one query, not one per post.
const postSelect = `SELECT p.id, coalesce(p.author_id, 0), coalesce(u.display_name, ''), coalesce(u.role = 'admin', FALSE), p.title, p.body,
	p.created_at, p.updated_at, p.hidden_at, p.hidden_reason,
	(SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.hidden_at IS NULL)
	FROM posts p LEFT JOIN users u ON u.id = p.author_id`

func scanPost(row scanner) (*models.Post, error) {
	var p models.Post
	var created, updated string
	var hidden sql.NullString
	err := row.Scan(&p.ID, &p.AuthorID, &p.AuthorName, &p.AuthorAdmin, &p.Title, &p.Body, &created, &updated, &hidden, &p.HiddenReason, &p.CommentCount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt, p.HiddenAt = parseTime(created), parseTime(updated), parseNullTime(hidden)
	return &p, nil
}

func (s *posts) Create(ctx context.Context, authorID int64, title, body string) (*models.Post, error) {
	now := s.nowText()
	var id int64
	err := s.db.writer().QueryRowContext(ctx, `INSERT INTO posts (author_id, title, body, created_at, updated_at)
		SELECT $1, $2, $3, $4, $4 WHERE `+activeActor("$1", false)+` RETURNING id`, authorID, title, body, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, models.ErrRefusedAtWrite
	}
	if err != nil {
		return nil, err
	}
	return s.ByID(ctx, id)
}

func (s *posts) ByID(ctx context.Context, id int64) (*models.Post, error) {
	return get(ctx, s.store, "post:"+strconv.FormatInt(id, 10), func() (*models.Post, error) {
		return scanPost(s.db.reader().QueryRowContext(ctx, postSelect+` WHERE p.id = $1`, id))
	})
}

// List pages by keyset (id < before), so every page is as cheap as the first.
func (s *posts) List(ctx context.Context, f models.PostListFilter, before int64, limit int) (*models.PostPage, error) {
	key := fmt.Sprintf("posts:%t:%d:%d:%d", f.IncludeAllHidden, f.HiddenOfAuthor, before, limit)
	return get(ctx, s.store, key, func() (*models.PostPage, error) { return s.list(ctx, f, before, limit) })
}

func (s *posts) list(ctx context.Context, f models.PostListFilter, before int64, limit int) (*models.PostPage, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	query := postSelect + ` WHERE p.id < $1 AND p.hidden_at IS NULL ORDER BY p.id DESC LIMIT $2`
	args := []any{before, limit + 1}
	switch {
	case f.IncludeAllHidden:
		query = postSelect + ` WHERE p.id < $1 ORDER BY p.id DESC LIMIT $2`
	case f.HiddenOfAuthor != 0:
		// Two indexed walks merged: visible posts, plus this author's hidden ones.
		query = postSelect + ` WHERE p.id IN (
			SELECT id FROM (SELECT id FROM posts WHERE id < $1 AND hidden_at IS NULL ORDER BY id DESC LIMIT $2)
			UNION ALL
			SELECT id FROM (SELECT id FROM posts WHERE author_id = $3 AND id < $1 AND hidden_at IS NOT NULL ORDER BY id DESC LIMIT $2)
		) ORDER BY p.id DESC LIMIT $2`
		args = append(args, f.HiddenOfAuthor)
	}
	list, err := scanAll(ctx, s.db.reader(), scanPost, query, args...)
	if err != nil {
		return nil, err
	}
	page := &models.PostPage{Posts: list}
	if len(page.Posts) > limit {
		page.Posts = page.Posts[:limit]
		page.NextBefore = page.Posts[limit-1].ID
	}
	return page, nil
}

func (s *posts) Update(ctx context.Context, id, authorID int64, title, body string) error {
	return s.execAuthorized(ctx, nil, "posts", id, `UPDATE posts SET title = $1, body = $2, updated_at = $3
		WHERE id = $4 AND author_id = $5 AND `+activeActor("$5", false), title, body, s.nowText(), id, authorID)
}

func (s *posts) Delete(ctx context.Context, id, authorID int64) error {
	return s.execAuthorized(ctx, nil, "posts", id, `DELETE FROM posts WHERE id = $1 AND author_id = $2 AND `+activeActor("$2", false),
		id, authorID)
}

func (s *posts) SetHidden(ctx context.Context, id int64, hidden bool, reason string, by models.Actor) error {
	return s.setHidden(ctx, "posts", "post", id, hidden, reason, by)
}

func (s *posts) Remove(ctx context.Context, id int64, reason string, by models.Actor) error {
	return s.db.withTx(ctx, func(tx *tx) error { return s.removeTx(ctx, tx, models.PostRef(id), reason, by) })
}

// setHidden is hide/restore for posts and comments, which share the
// columns; by must still be an active admin when it is written. The author
// is told, and hiding settles the content's open reports.
func (s store) setHidden(ctx context.Context, table, targetType string, id int64, hidden bool, reason string, by models.Actor) error {
	e := event(models.HiddenKind(targetType, hidden), by, targetType, id, "")
	query := `UPDATE ` + table + ` SET hidden_at = NULL, hidden_reason = '', hidden_by = NULL WHERE id = $1`
	args := []any{id}
	if hidden {
		e.Detail = reason
		query = `UPDATE ` + table + ` SET hidden_at = $2, hidden_reason = $3, hidden_by = $4 WHERE id = $1`
		args = append(args, s.nowText(), reason, nullID(by.UserID))
	}
	guard, extra := adminGuard(by, len(args)+1, false)
	return s.db.withTx(ctx, func(tx *tx) error {
		if err := execAuthorizedTx(ctx, tx, table, id, query+guard, append(args, extra...)...); err != nil {
			return err
		}
		if err := s.moderatedTx(ctx, tx, models.ContentRef{Type: targetType, ID: id}, hidden, reason, by); err != nil {
			return err
		}
		return s.recordTx(ctx, tx, e)
	})
}
