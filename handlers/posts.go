package handlers

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/auth"
	"board/views"
)

const postsPerPage = 20

func (h *Handlers) listPosts(c echo.Context) error {
	u := viewer(c)
	if err := models.CanReadBoard(u).Err(); err != nil {
		return err
	}
	var before int64
	if s := c.QueryParam("before"); s != "" {
		var ok bool
		if before, ok = parseID(s); !ok {
			return &pageError{http.StatusBadRequest, "Bad request", "Bad page link",
				"The page link is malformed. Start again from the newest posts."}
		}
	}
	page, err := h.Posts.List(c.Request().Context(), models.ListFilter(u), before, postsPerPage)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.PostList(h.page(c, "Posts"), page, before))
}

func (h *Handlers) newPost(c echo.Context) error {
	if err := models.CanCreatePost(viewer(c)).Err(); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.EditPost(h.page(c, "New post"), views.PostForm{Action: "/posts", IsNew: true}))
}

func (h *Handlers) createPost(c echo.Context) error {
	u := viewer(c)
	if err := models.CanCreatePost(u).Err(); err != nil {
		return err
	}
	form := postForm(c)
	form.Action, form.IsNew = "/posts", true
	if form.Errors = models.ValidatePost(form.Title, form.Body); len(form.Errors) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.EditPost(h.page(c, "New post"), form))
	}
	if msg, err := h.postingLimit(c, h.PostingLimits.PostKeys(u.ID), "posts", h.PostingLimits.PostsPerWindow, h.PostingLimits.PostsPerDay); err != nil {
		return err
	} else if msg != "" {
		form.Errors = models.FieldErrors{"body": msg}
		return render(c, http.StatusTooManyRequests, views.EditPost(h.page(c, "New post"), form))
	}
	p, err := h.Posts.Create(c.Request().Context(), u.ID, form.Title, form.Body)
	if err != nil {
		return err
	}
	h.flash(c, "Your post is published.")
	return seeOther(c, postURL(p.ID))
}

// postingLimit counts a new post or comment against the member's limits
// (models.PostKeys, CommentKeys). Over a limit, it sets Retry-After and
// returns what to tell the member at the form, which keeps their text.
func (h *Handlers) postingLimit(c echo.Context, keys []models.ThrottleKey, what string, perWindow, perDay int) (string, error) {
	throttled, err := h.postingWait(c, keys, what)
	if err != nil || throttled == nil {
		return "", err
	}
	secs := int(math.Ceil(throttled.Wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return fmt.Sprintf("You have reached the limit for new %s: at most %d in %d minutes and %d a day. Try again in %s. Nothing was published; what you wrote is still here.",
		what, perWindow, int(models.PostingWindow.Minutes()), perDay, plural((secs+59)/60, "minute", "minutes")), nil
}

// postingWait counts a new post or comment against keys; over a limit it
// says how long until the next is allowed.
func (h *Handlers) postingWait(c echo.Context, keys []models.ThrottleKey, what string) (*auth.Throttled, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	_, wait, err := h.Throttle.Begin(c.Request().Context(), keys...)
	if err != nil || wait <= 0 {
		return nil, err
	}
	return &auth.Throttled{Wait: wait, What: "new " + what, Per: "by this member"}, nil
}

func postForm(c echo.Context) views.PostForm {
	return views.PostForm{Title: strings.TrimSpace(c.FormValue("title")), Body: strings.TrimRight(c.FormValue("body"), " \t\r\n")}
}

func postURL(id int64) string { return "/posts/" + strconv.FormatInt(id, 10) }

// loadPost fetches the post named by :id and applies a policy rule to it.
func (h *Handlers) loadPost(c echo.Context, rule func(*models.User, *models.Post) models.Decision) (*models.Post, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	p, err := h.Posts.ByID(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	return p, rule(viewer(c), p).Err()
}

func (h *Handlers) showPost(c echo.Context) error {
	p, err := h.loadPost(c, models.CanSeePost)
	if err != nil {
		return err
	}
	return h.renderPost(c, http.StatusOK, p, views.CommentForm{}, views.ReasonForm{})
}

// renderPost shows a post with the comments the viewer may see; form is the
// new-comment form and reason a moderator's refused hide, either possibly
// carrying errors from a failed submit.
func (h *Handlers) renderPost(c echo.Context, status int, p *models.Post, form views.CommentForm, reason views.ReasonForm) error {
	u := viewer(c)
	ctx := c.Request().Context()
	comments, err := h.Comments.ForPost(ctx, p.ID)
	if err != nil {
		return err
	}
	mine, err := h.Reports.ReportedIn(ctx, u.ID, p.ID)
	if err != nil {
		return err
	}
	form.Action = postURL(p.ID) + "/comments"
	d := views.PostDetail{
		Post:        p,
		CanEdit:     models.CanEditPost(u, p).Allowed(),
		CanModerate: models.CanModerate(u).Allowed(),
		NewComment:  form,
		Reason:      reason,
		Report:      reportControl(u, mine, p, nil),
	}
	for _, cm := range comments {
		if models.CanSeeComment(u, p, cm).Allowed() {
			d.Comments = append(d.Comments, views.CommentItem{Comment: cm,
				CanEdit: models.CanEditComment(u, p, cm).Allowed(), CanModerate: d.CanModerate, Report: reportControl(u, mine, p, cm)})
		}
	}
	return render(c, status, views.ShowPost(h.page(c, p.Title), d))
}

func (h *Handlers) editPostForm(c echo.Context) error {
	p, err := h.loadPost(c, models.CanEditPost)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.EditPost(h.page(c, "Edit post"),
		views.PostForm{Action: postURL(p.ID) + "/edit", Title: p.Title, Body: p.Body}))
}

func (h *Handlers) editPost(c echo.Context) error {
	p, err := h.loadPost(c, models.CanEditPost)
	if err != nil {
		return err
	}
	form := postForm(c)
	form.Action = postURL(p.ID) + "/edit"
	if form.Errors = models.ValidatePost(form.Title, form.Body); len(form.Errors) > 0 {
		return render(c, http.StatusUnprocessableEntity, views.EditPost(h.page(c, "Edit post"), form))
	}
	if err := h.Posts.Update(c.Request().Context(), p.ID, viewer(c).ID, form.Title, form.Body); err != nil {
		return err
	}
	h.flash(c, "Your changes are saved.")
	return seeOther(c, postURL(p.ID))
}

func (h *Handlers) deletePost(c echo.Context) error {
	p, err := h.loadPost(c, models.CanDeletePost)
	if err != nil {
		return err
	}
	if err := h.Posts.Delete(c.Request().Context(), p.ID, viewer(c).ID); err != nil {
		return err
	}
	h.flash(c, "Your post was deleted.")
	return seeOther(c, "/posts")
}

// reportControl is what u may do about a post (cm nil) or comment besides
// editing it: report it, see that they did, or delete it as a moderator.
func reportControl(u *models.User, mine map[models.ContentRef]time.Time, p *models.Post, cm *models.Comment) views.ReportControl {
	target, authorID := models.PostRef(p.ID), p.AuthorID
	if cm != nil {
		target, authorID = models.CommentRef(cm.ID), cm.AuthorID
	}
	r := views.ReportControl{CanReport: models.CanReport(u, p, cm).Allowed(),
		CanRemove: authorID != u.ID && models.CanRemoveContent(u).Allowed()}
	if at, ok := mine[target]; ok {
		r.ReportedAt = &at
	}
	return r
}
