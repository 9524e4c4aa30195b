package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/views"
)

// queue (GET /admin/reports) lists open reports, oldest first.
func (h *Handlers) queue(c echo.Context) error {
	return h.renderQueue(c, http.StatusOK, views.ReasonForm{})
}

func (h *Handlers) renderQueue(c echo.Context, status int, reason views.ReasonForm) error {
	if err := models.CanWorkReports(viewer(c)).Err(); err != nil {
		return err
	}
	after, err := queryID(c, "after")
	if err != nil {
		return err
	}
	q, err := h.Reports.Queue(c.Request().Context(), after, reportsPerPage)
	if err != nil {
		return err
	}
	return render(c, status, views.Queue(h.page(c, "Reports"), views.QueueView{Queue: q, After: after, Reason: reason}))
}

// dismiss (POST /admin/reports/:id/dismiss) closes every open report on the
// reported item, leaving it as it is.
func (h *Handlers) dismiss(c echo.Context) error {
	if err := models.CanWorkReports(viewer(c)).Err(); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.Reports.ByID(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != models.ReportOpen {
		h.flash(c, "That report was already settled ("+string(r.Status)+"); nothing changed.")
		return seeOther(c, "/admin/reports")
	}
	n, err := h.Reports.Dismiss(ctx, r.Target, actor(c))
	if err != nil {
		return err
	}
	h.flash(c, plural(n, "report", "reports")+" dismissed; the reporters are told.")
	return seeOther(c, "/admin/reports")
}

// afterModeration is where a moderator's action from the queue (from=reports)
// or a post page returns to.
func afterModeration(c echo.Context, fallback string) string {
	if c.FormValue("from") == "reports" || c.QueryParam("from") == "reports" {
		return "/admin/reports"
	}
	return fallback
}

// confirmDeletePost (GET /posts/:id/delete) asks the author to confirm.
func (h *Handlers) confirmDeletePost(c echo.Context) error {
	p, err := h.loadPost(c, models.CanDeletePost)
	if err != nil {
		return err
	}
	lines := []string{"The post is deleted for good: there is no undo."}
	if p.CommentCount > 0 {
		lines = append(lines, "Its "+plural(p.CommentCount, "comment goes", "comments go")+" with it.")
	}
	return render(c, http.StatusOK, views.Confirm(h.page(c, "Delete your post?"), views.ConfirmView{
		Heading: "Delete your post?", Quote: p.Title, Lines: lines, Action: postURL(p.ID) + "/delete",
		Submit: "Delete post", Danger: true, Cancel: postURL(p.ID)}))
}

// confirmDeleteComment (GET /comments/:id/delete) asks the author to confirm.
func (h *Handlers) confirmDeleteComment(c echo.Context) error {
	cm, err := h.loadComment(c, models.CanDeleteComment)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Confirm(h.page(c, "Delete your comment?"), views.ConfirmView{
		Heading: "Delete your comment?", Quote: models.Excerpt(cm.Body, 400), Lines: []string{"The comment is deleted for good: there is no undo."},
		Action: "/comments/" + itoa(int(cm.ID)) + "/delete", Submit: "Delete comment", Danger: true, Cancel: commentURL(cm)}))
}

// removal is a moderator's deletion of r: its confirmation page, and the
// action once confirmed with a reason.
func removal(c echo.Context, r reported, reason, errMsg string) views.ConfirmView {
	what, quote, action, back := "post", r.post.Title, "/admin/posts/"+itoa(int(r.post.ID))+"/delete", postURL(r.post.ID)
	lines := []string{"It is deleted for good: there is no undo.", "Its author is told, with your reason.",
		"Open reports on it are settled as deleted, and each reporter is told."}
	if r.comment != nil {
		what, quote, action, back = "comment", models.Excerpt(r.comment.Body, 400), "/admin/comments/"+itoa(int(r.comment.ID))+"/delete", commentURL(r.comment)
	} else if r.post.CommentCount > 0 {
		lines = append(lines, "Its "+plural(r.post.CommentCount, "comment goes", "comments go")+" with it.")
	}
	v := views.ConfirmView{Heading: "Delete this " + what + " as a moderator?", Quote: quote, Lines: lines, Action: action,
		Reason: &views.ReasonField{Label: "Reason", Hint: "The author sees it; the audit log keeps it.", Value: reason, Error: errMsg},
		Submit: "Delete " + what, Danger: true, Cancel: afterModeration(c, back)}
	if afterModeration(c, "") != "" {
		v.Hidden = []views.HiddenField{{Name: "from", Value: "reports"}}
	}
	return v
}

// loadRemovable reads the post or comment named by :id for a moderator.
func (h *Handlers) loadRemovable(c echo.Context, what string) (reported, error) {
	if err := models.CanRemoveContent(viewer(c)).Err(); err != nil {
		return reported{}, err
	}
	var r reported
	var err error
	if what == "comment" {
		if r.comment, err = h.loadComment(c, models.CanSeeComment); err != nil {
			return r, err
		}
		r.post, err = h.Posts.ByID(c.Request().Context(), r.comment.PostID)
		return r, err
	}
	r.post, err = h.loadPost(c, models.CanSeePost)
	return r, err
}

func (h *Handlers) confirmRemovePost(c echo.Context) error    { return h.confirmRemoval(c, "post") }
func (h *Handlers) confirmRemoveComment(c echo.Context) error { return h.confirmRemoval(c, "comment") }
func (h *Handlers) removePost(c echo.Context) error           { return h.remove(c, "post") }
func (h *Handlers) removeComment(c echo.Context) error        { return h.remove(c, "comment") }

// confirmRemoval (GET /admin/posts/:id/delete, /admin/comments/:id/delete).
func (h *Handlers) confirmRemoval(c echo.Context, what string) error {
	r, err := h.loadRemovable(c, what)
	if err != nil {
		return err
	}
	v := removal(c, r, "", "")
	return render(c, http.StatusOK, views.Confirm(h.page(c, v.Heading), v))
}

// remove (POST /admin/posts/:id/delete, /admin/comments/:id/delete, field
// reason) deletes as a moderator; a missing reason shows the page again.
func (h *Handlers) remove(c echo.Context, what string) error {
	r, err := h.loadRemovable(c, what)
	if err != nil {
		return err
	}
	reason, refused := moderationReason(c, what, r.target().ID)
	if refused != nil {
		v := removal(c, r, refused.Reason, refused.Error)
		return render(c, http.StatusUnprocessableEntity, views.Confirm(h.page(c, v.Heading), v))
	}
	ctx := c.Request().Context()
	if r.comment != nil {
		err = h.Comments.Remove(ctx, r.comment.ID, reason, actor(c))
	} else {
		err = h.Posts.Remove(ctx, r.post.ID, reason, actor(c))
	}
	if err != nil {
		return err
	}
	h.flash(c, "The "+what+" is deleted; its author is told.")
	back := "/posts"
	if r.comment != nil {
		back = postURL(r.post.ID)
	}
	return seeOther(c, afterModeration(c, back))
}

// confirmRole (GET /admin/users/:id/role?role=admin|member) says what a
// role change will do before the admin makes it.
func (h *Handlers) confirmRole(c echo.Context) error {
	target, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	role := models.Role(c.QueryParam("role"))
	if role != models.RoleAdmin && role != models.RoleMember {
		role = models.RoleAdmin
		if target.IsAdmin() {
			role = models.RoleMember
		}
	}
	v := views.ConfirmView{Action: "/admin/users/" + strconv.FormatInt(target.ID, 10) + "/role",
		Hidden: []views.HiddenField{{Name: "role", Value: string(role)}}, Cancel: "/admin#members", Quote: target.DisplayName + " (" + target.Email + ")"}
	switch {
	case role == target.Role:
		v.Heading, v.Lines, v.Submit = target.DisplayName+" is already "+string(role), []string{"Confirming changes nothing."}, "Keep as "+string(role)
	case role == models.RoleAdmin:
		v.Heading, v.Submit, v.Danger = "Make "+target.DisplayName+" an admin?", "Make admin", true
		v.Lines = []string{"Admins hide, restore and delete anyone's posts and comments, and work the report queue.",
			"Admins suspend and reinstate members, change roles, and read the audit log, which shows members' email and network addresses.",
			"Every session of " + target.DisplayName + " ends now: the new role applies from their next sign-in."}
	default:
		v.Heading, v.Submit, v.Danger = "Take the admin role from "+target.DisplayName+"?", "Revoke admin", true
		v.Lines = []string{target.DisplayName + " becomes a member: no more moderation, member management or audit log.",
			"Every session of " + target.DisplayName + " ends now."}
	}
	return render(c, http.StatusOK, views.Confirm(h.page(c, v.Heading), v))
}
