package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/views"
)

func commentURL(c *models.Comment) string {
	return postURL(c.PostID) + "#comment-" + strconv.FormatInt(c.ID, 10)
}

func commentBody(c echo.Context) string { return strings.TrimRight(c.FormValue("body"), " \t\r\n") }

func (h *Handlers) createComment(c echo.Context) error {
	p, err := h.loadPost(c, models.CanComment)
	if err != nil {
		return err
	}
	form := views.CommentForm{Body: commentBody(c)}
	if form.Errors = models.ValidateComment(form.Body); len(form.Errors) > 0 {
		return h.renderPost(c, http.StatusUnprocessableEntity, p, form, views.ReasonForm{})
	}
	if msg, err := h.postingLimit(c, h.PostingLimits.CommentKeys(viewer(c).ID), "comments", h.PostingLimits.CommentsPerWindow, h.PostingLimits.CommentsPerDay); err != nil {
		return err
	} else if msg != "" {
		form.Errors = models.FieldErrors{"body": msg}
		return h.renderPost(c, http.StatusTooManyRequests, p, form, views.ReasonForm{})
	}
	cm, err := h.Comments.Create(c.Request().Context(), p.ID, viewer(c).ID, form.Body)
	if err != nil {
		return err
	}
	return seeOther(c, commentURL(cm))
}

// loadComment fetches the comment named by :id with its post, and applies a
// policy rule to both.
func (h *Handlers) loadComment(c echo.Context, rule func(*models.User, *models.Post, *models.Comment) models.Decision) (*models.Comment, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	cm, err := h.Comments.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := h.Posts.ByID(ctx, cm.PostID)
	if err != nil {
		return nil, err
	}
	return cm, rule(viewer(c), p, cm).Err()
}

func (h *Handlers) editCommentForm(c echo.Context) error {
	cm, err := h.loadComment(c, models.CanEditComment)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.EditComment(h.page(c, "Edit comment"), views.CommentForm{
		Action: "/comments/" + strconv.FormatInt(cm.ID, 10) + "/edit", Body: cm.Body, PostID: cm.PostID}))
}

func (h *Handlers) editComment(c echo.Context) error {
	cm, err := h.loadComment(c, models.CanEditComment)
	if err != nil {
		return err
	}
	form := views.CommentForm{Action: "/comments/" + strconv.FormatInt(cm.ID, 10) + "/edit", Body: commentBody(c), PostID: cm.PostID}
	if form.Errors = models.ValidateComment(form.Body); len(form.Errors) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.EditComment(h.page(c, "Edit comment"), form))
	}
	if err := h.Comments.Update(c.Request().Context(), cm.ID, viewer(c).ID, form.Body); err != nil {
		return err
	}
	h.flash(c, "Your comment is saved.")
	return seeOther(c, commentURL(cm))
}

func (h *Handlers) deleteComment(c echo.Context) error {
	cm, err := h.loadComment(c, models.CanDeleteComment)
	if err != nil {
		return err
	}
	if err := h.Comments.Delete(c.Request().Context(), cm.ID, viewer(c).ID); err != nil {
		return err
	}
	h.flash(c, "Your comment was deleted.")
	return seeOther(c, postURL(cm.PostID))
}
