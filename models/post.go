package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"board/db"
)

// Post is a topic on the board. AuthorID is 0 once the author's account is gone.
type Post struct {
	ID           int64
	AuthorID     int64
	AuthorName   string
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

// PostStore reads and writes posts.
type PostStore struct {
	DB *db.DB
}

// The comment count is a correlated subquery over comments_post_idx, so a page
// of posts costs one query, not one per post.
const postSelect = `SELECT p.id, coalesce(p.author_id, 0), coalesce(u.display_name, ''), p.title, p.body,
	p.created_at, p.updated_at, p.hidden_at, p.hidden_reason,
	(SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.hidden_at IS NULL)
	FROM posts p LEFT JOIN users u ON u.id = p.author_id`

func scanPost(row scanner) (*Post, error) {
	var p Post
	var created, updated string
	var hidden sql.NullString
	err := row.Scan(&p.ID, &p.AuthorID, &p.AuthorName, &p.Title, &p.Body, &created, &updated, &hidden, &p.HiddenReason, &p.CommentCount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt, p.HiddenAt = parseTime(created), parseTime(updated), parseNullTime(hidden)
	return &p, nil
}

// Create adds a post by author.
func (s *PostStore) Create(ctx context.Context, authorID int64, title, body string) (*Post, error) {
	now := formatTime(time.Now())
	var id int64
	err := s.DB.Write.QueryRowContext(ctx, `INSERT INTO posts (author_id, title, body, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, authorID, title, body, now, now).Scan(&id)
	if err != nil {
		return nil, err
	}
	return s.ByID(ctx, id)
}

// ByID returns the post, hidden or not: visibility is the policy's call.
func (s *PostStore) ByID(ctx context.Context, id int64) (*Post, error) {
	return scanPost(s.DB.Read.QueryRowContext(ctx, postSelect+` WHERE p.id = ?`, id))
}

// PostPage is one page of the list, newest first, with the cursor for the next.
type PostPage struct {
	Posts      []*Post
	NextBefore int64 // 0 when this is the last page
}

// List returns up to limit posts with id < before (0: from the newest), as
// the filter admits. Keyset paging keeps every page as cheap as the first.
func (s *PostStore) List(ctx context.Context, f PostListFilter, before int64, limit int) (*PostPage, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	query := postSelect + ` WHERE p.id < ? AND p.hidden_at IS NULL ORDER BY p.id DESC LIMIT ?`
	args := []any{before, limit + 1}
	switch {
	case f.IncludeAllHidden:
		query = postSelect + ` WHERE p.id < ? ORDER BY p.id DESC LIMIT ?`
	case f.HiddenOfAuthor != 0:
		// Two indexed walks merged: visible posts, plus this author's hidden ones.
		query = postSelect + ` WHERE p.id IN (
			SELECT id FROM (SELECT id FROM posts WHERE id < ?1 AND hidden_at IS NULL ORDER BY id DESC LIMIT ?2)
			UNION ALL
			SELECT id FROM (SELECT id FROM posts WHERE author_id = ?3 AND id < ?1 AND hidden_at IS NOT NULL ORDER BY id DESC LIMIT ?2)
		) ORDER BY p.id DESC LIMIT ?2`
		args = append(args, f.HiddenOfAuthor)
	}
	rows, err := s.DB.Read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &PostPage{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, err
		}
		page.Posts = append(page.Posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Posts) > limit {
		page.Posts = page.Posts[:limit]
		page.NextBefore = page.Posts[limit-1].ID
	}
	return page, nil
}

// Update replaces a post's title and body.
func (s *PostStore) Update(ctx context.Context, id int64, title, body string) error {
	return execOne(ctx, s.DB, `UPDATE posts SET title = ?, body = ?, updated_at = ? WHERE id = ?`, title, body, formatTime(time.Now()), id)
}

// Delete removes a post and, by cascade, its comments.
func (s *PostStore) Delete(ctx context.Context, id int64) error {
	return execOne(ctx, s.DB, `DELETE FROM posts WHERE id = ?`, id)
}

// SetHidden hides (with a reason) or restores a post, audited in the same transaction.
func (s *PostStore) SetHidden(ctx context.Context, id int64, hidden bool, reason string, by Actor) error {
	return setHidden(ctx, s.DB, "posts", "post", id, hidden, reason, by)
}

func execOne(ctx context.Context, d *db.DB, query string, args ...any) error {
	return d.WithTx(ctx, func(tx *sql.Tx) error { return execOneTx(ctx, tx, query, args...) })
}

func execOneTx(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Actor is who did something and from where, for the audit log.
type Actor struct {
	UserID   int64
	ClientIP string
}

// execOneAudited changes exactly one row and records e, atomically.
func execOneAudited(ctx context.Context, d *db.DB, e AuditEvent, query string, args ...any) error {
	return d.WithTx(ctx, func(tx *sql.Tx) error {
		if err := execOneTx(ctx, tx, query, args...); err != nil {
			return err
		}
		return RecordTx(ctx, tx, e)
	})
}

// setHidden is hide/restore for posts and comments, which share the columns.
func setHidden(ctx context.Context, d *db.DB, table, targetType string, id int64, hidden bool, reason string, by Actor) error {
	e := AuditEvent{ActorID: by.UserID, ClientIP: by.ClientIP, TargetType: targetType, TargetID: id,
		Kind: AuditKind(targetType + "_restored")}
	if !hidden {
		return execOneAudited(ctx, d, e, `UPDATE `+table+` SET hidden_at = NULL, hidden_reason = '', hidden_by = NULL WHERE id = ?`, id)
	}
	e.Kind, e.Detail = AuditKind(targetType+"_hidden"), reason
	return execOneAudited(ctx, d, e, `UPDATE `+table+` SET hidden_at = ?, hidden_reason = ?, hidden_by = ? WHERE id = ?`,
		formatTime(time.Now()), reason, nullID(by.UserID), id)
}
