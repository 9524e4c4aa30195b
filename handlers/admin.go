package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/views"
)

const (
	membersPerPage = 50
	auditPerPage   = 50
)

func (h *Handlers) admin(c echo.Context) error {
	if err := models.CanModerate(viewer(c)).Err(); err != nil {
		return err
	}
	f := models.AuditFilter{Kind: models.AuditKind(c.QueryParam("kind"))}
	for name, dst := range map[string]*int64{"member": &f.ActorID, "before": &f.Before} {
		if s := strings.TrimSpace(c.QueryParam(name)); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return &pageError{http.StatusBadRequest, "Bad request", "Bad filter", "The " + name + " filter must be a positive whole number."}
			}
			*dst = n
		}
	}
	return h.renderAdmin(c, http.StatusOK, f, views.ReasonForm{})
}

func (h *Handlers) renderAdmin(c echo.Context, status int, f models.AuditFilter, reason views.ReasonForm) error {
	ctx := c.Request().Context()
	q := models.MemberQuery{Text: strings.TrimSpace(c.QueryParam("q")), Page: 1, PerPage: membersPerPage}
	if s := c.QueryParam("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return &pageError{http.StatusBadRequest, "Bad request", "Bad page number", "The page number must be a positive whole number."}
		}
		q.Page = n
	}
	members, err := h.Users.Search(ctx, q)
	if err != nil {
		return err
	}
	events, err := h.Audit.List(ctx, f, auditPerPage)
	if err != nil {
		return err
	}
	failed, err := h.Outbox.FailedCounts(ctx)
	if err != nil {
		return err
	}
	waiting, err := h.Outbox.Waiting(ctx)
	if err != nil {
		return err
	}
	return render(c, status, views.Admin(h.page(c, "Admin"), views.AdminView{
		Members: members, Search: q.Text, Events: events, Filter: f, Kinds: models.AuditKinds(), Reason: reason,
		Mail: views.MailStatus{Server: h.MailServer, Mailbox: h.Mailbox, Waiting: waiting, Failed: failed}}))
}

// moderationReason reads the required reason for hiding or suspending; a
// refusal comes back as the form to show again, keeping what was typed.
func moderationReason(c echo.Context, targetType string, id int64) (string, *views.ReasonForm) {
	reason := strings.TrimSpace(c.FormValue("reason"))
	if errs := models.ValidateReason(reason); len(errs) > 0 {
		return "", &views.ReasonForm{TargetType: targetType, TargetID: id, Reason: reason,
			Error: errs["reason"] + " Moderation is shown to the member and kept in the audit log, so say why. Nothing was changed."}
	}
	return reason, nil
}

func (h *Handlers) hidePost(c echo.Context) error    { return h.moderatePost(c, true) }
func (h *Handlers) restorePost(c echo.Context) error { return h.moderatePost(c, false) }

func (h *Handlers) moderatePost(c echo.Context, hide bool) error {
	if err := models.CanModerate(viewer(c)).Err(); err != nil {
		return err
	}
	p, err := h.loadPost(c, models.CanSeePost)
	if err != nil {
		return err
	}
	var reason string
	if hide {
		var refused *views.ReasonForm
		if reason, refused = moderationReason(c, "post", p.ID); refused != nil {
			return h.refusedHide(c, p, *refused)
		}
	}
	if err := h.Posts.SetHidden(c.Request().Context(), p.ID, hide, reason, actor(c)); err != nil {
		return err
	}
	h.flash(c, map[bool]string{true: "The post is hidden; its author is told.", false: "The post is restored; its author is told."}[hide])
	return seeOther(c, afterModeration(c, postURL(p.ID)))
}

func (h *Handlers) hideComment(c echo.Context) error    { return h.moderateComment(c, true) }
func (h *Handlers) restoreComment(c echo.Context) error { return h.moderateComment(c, false) }

func (h *Handlers) moderateComment(c echo.Context, hide bool) error {
	if err := models.CanModerate(viewer(c)).Err(); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	cm, err := h.Comments.ByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	var reason string
	if hide {
		var refused *views.ReasonForm
		if reason, refused = moderationReason(c, "comment", cm.ID); refused != nil {
			p, err := h.Posts.ByID(c.Request().Context(), cm.PostID)
			if err != nil {
				return err
			}
			return h.refusedHide(c, p, *refused)
		}
	}
	if err := h.Comments.SetHidden(c.Request().Context(), id, hide, reason, actor(c)); err != nil {
		return err
	}
	h.flash(c, map[bool]string{true: "The comment is hidden; its author is told.", false: "The comment is restored; its author is told."}[hide])
	return seeOther(c, afterModeration(c, commentURL(cm)))
}

// refusedHide shows a hide without a reason again where it was sent from:
// the report queue or the post.
func (h *Handlers) refusedHide(c echo.Context, p *models.Post, refused views.ReasonForm) error {
	if afterModeration(c, "") != "" {
		return h.renderQueue(c, http.StatusUnprocessableEntity, refused)
	}
	return h.renderPost(c, http.StatusUnprocessableEntity, p, views.CommentForm{}, refused)
}

// loadTarget fetches the member named by :id and checks the viewer may manage them.
func (h *Handlers) loadTarget(c echo.Context) (*models.User, error) {
	if err := models.CanModerate(viewer(c)).Err(); err != nil {
		return nil, err
	}
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	target, err := h.Users.ByID(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	return target, models.CanManageUser(viewer(c), target).Err()
}

func (h *Handlers) suspendUser(c echo.Context) error {
	target, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	reason, refused := moderationReason(c, "user", target.ID)
	if refused != nil {
		return h.renderAdmin(c, http.StatusUnprocessableEntity, models.AuditFilter{}, *refused)
	}
	if err := h.Users.SetSuspended(c.Request().Context(), target.ID, true, reason, actor(c)); err != nil {
		return err
	}
	h.flash(c, target.DisplayName+" is suspended; their sessions stop working on their next request.")
	return seeOther(c, "/admin")
}

func (h *Handlers) reinstateUser(c echo.Context) error {
	target, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	if err := h.Users.SetSuspended(c.Request().Context(), target.ID, false, "", actor(c)); err != nil {
		return err
	}
	h.flash(c, target.DisplayName+" is reinstated.")
	return seeOther(c, "/admin")
}

func (h *Handlers) setRole(c echo.Context) error {
	target, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	role := models.Role(c.FormValue("role"))
	if role != models.RoleAdmin && role != models.RoleMember {
		return &pageError{http.StatusUnprocessableEntity, "Invalid input", "Unknown role", "The role must be admin or member. Nothing was changed."}
	}
	if role == target.Role {
		h.flash(c, target.DisplayName+" is already "+string(role)+"; nothing changed.")
		return seeOther(c, "/admin")
	}
	if err := h.Users.SetRole(c.Request().Context(), target.ID, role, actor(c)); err != nil {
		return err
	}
	h.flash(c, target.DisplayName+" is now "+string(role)+".")
	return seeOther(c, "/admin")
}

// releaseEmail (POST /admin/users/:id/release-email) takes an unverified
// address off an account (someone registered an address that is not
// theirs), so its owner can register or sign in with it; audited.
func (h *Handlers) releaseEmail(c echo.Context) error {
	target, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	if err := models.CanReleaseEmail(viewer(c), target).Err(); err != nil {
		return err
	}
	placeholder, err := h.Users.ReleaseEmail(c.Request().Context(), target.ID, actor(c))
	if err != nil {
		return err
	}
	h.flash(c, target.Email+" is released and free to use. "+target.DisplayName+"'s account keeps its content under the placeholder address "+placeholder+".")
	return seeOther(c, "/admin/users/"+itoa(int(target.ID)))
}

// adminUser (GET /admin/users/:id) shows a member's sessions and recent events.
func (h *Handlers) adminUser(c echo.Context) error {
	if err := models.CanModerate(viewer(c)).Err(); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	target, err := h.Users.ByID(ctx, id)
	if err != nil {
		return err
	}
	sessions, err := h.sessions.list(ctx, id)
	if err != nil {
		return err
	}
	events, err := h.Audit.List(ctx, models.AuditFilter{ActorID: id}, auditPerPage)
	if err != nil {
		return err
	}
	failed, err := h.Outbox.FailedCounts(ctx)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AdminUser(h.page(c, target.DisplayName), views.AdminUserView{
		Target: target, Sessions: sessions, Events: events, CanManage: models.CanManageUser(viewer(c), target).Allowed(),
		CanReleaseEmail: models.CanReleaseEmail(viewer(c), target).Allowed(), FailedMail: failed[target.ID]}))
}

// adminEndSessions (POST /admin/users/:id/sessions/end) signs a member out everywhere.
func (h *Handlers) adminEndSessions(c echo.Context) error {
	target, err := h.loadTarget(c)
	if err != nil {
		return err
	}
	n, err := h.sessions.endAll(c.Request().Context(), target.ID, "ended by an admin", actor(c))
	if err != nil {
		return err
	}
	h.flash(c, plural(n, "session", "sessions")+" of "+target.DisplayName+" ended.")
	return seeOther(c, "/admin/users/"+itoa(int(target.ID)))
}
