package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/views"
)

const reportsPerPage = 20

// reported is what a report is about: the post, and the comment if it is one.
type reported struct {
	post    *models.Post
	comment *models.Comment // nil for a post
}

func (r reported) target() models.ContentRef {
	if r.comment != nil {
		return models.CommentRef(r.comment.ID)
	}
	return models.PostRef(r.post.ID)
}

// loadReported reads the post (what "post") or comment named by :id and
// checks the viewer may report it.
func (h *Handlers) loadReported(c echo.Context, what string) (reported, error) {
	var r reported
	id, err := pathID(c)
	if err != nil {
		return r, err
	}
	ctx := c.Request().Context()
	if what == "comment" {
		if r.comment, err = h.Comments.ByID(ctx, id); err != nil {
			return r, err
		}
		id = r.comment.PostID
	}
	if r.post, err = h.Posts.ByID(ctx, id); err != nil {
		return r, err
	}
	return r, models.CanReport(viewer(c), r.post, r.comment).Err()
}

// reportForm is the form of a report of r, marked as made if the member
// already reported it.
func (h *Handlers) reportForm(c echo.Context, r reported) (views.ReportForm, error) {
	f := views.ReportForm{What: "post", Quote: models.Excerpt(r.post.Title+": "+r.post.Body, 400), PostTitle: r.post.Title,
		Action: postURL(r.post.ID) + "/report", Back: postURL(r.post.ID)}
	if r.comment != nil {
		f.What, f.Quote = "comment", models.Excerpt(r.comment.Body, 400)
		f.Action, f.Back = "/comments/"+itoa(int(r.comment.ID))+"/report", commentURL(r.comment)
	}
	mine, err := h.Reports.ReportedIn(c.Request().Context(), viewer(c).ID, r.post.ID)
	if at, ok := mine[r.target()]; ok {
		f.ReportedAt = &at
	}
	return f, err
}

func (h *Handlers) reportPostForm(c echo.Context) error    { return h.showReportForm(c, "post") }
func (h *Handlers) reportCommentForm(c echo.Context) error { return h.showReportForm(c, "comment") }
func (h *Handlers) reportPost(c echo.Context) error        { return h.fileReport(c, "post") }
func (h *Handlers) reportComment(c echo.Context) error     { return h.fileReport(c, "comment") }

// showReportForm (GET /posts/:id/report, /comments/:id/report).
func (h *Handlers) showReportForm(c echo.Context, what string) error {
	r, err := h.loadReported(c, what)
	if err != nil {
		return err
	}
	f, err := h.reportForm(c, r)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Report(h.page(c, "Report this "+what), f))
}

// fileReport (POST /posts/:id/report, /comments/:id/report, field reason).
// A second report of the same item is refused with 409 and says when the
// first was made.
func (h *Handlers) fileReport(c echo.Context, what string) error {
	r, err := h.loadReported(c, what)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	errs := models.ValidateReason(reason)
	if len(errs) == 0 {
		_, err = h.Reports.Create(c.Request().Context(), r.target(), reason, actor(c))
		if err != nil && !errors.Is(err, models.ErrAlreadyReported) {
			return err
		}
	}
	if len(errs) > 0 || err != nil {
		f, ferr := h.reportForm(c, r)
		if ferr != nil {
			return ferr
		}
		status := http.StatusConflict
		if f.ReportedAt == nil {
			f.Reason, f.Error, status = reason, errs["reason"], http.StatusUnprocessableEntity
		}
		return render(c, status, views.Report(h.page(c, "Report this "+what), f))
	}
	h.flash(c, "Thank you. Your report is with the moderators; you will get a notification when one of them settles it.")
	if r.comment != nil {
		return seeOther(c, commentURL(r.comment))
	}
	return seeOther(c, postURL(r.post.ID))
}
