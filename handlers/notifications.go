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
	notificationsPerPage = 30
	// unreadCap bounds the nav's count: past it the nav says "99+".
	unreadCap = 99
)

// notifications (GET /notifications) lists the member's notifications,
// each showing only what the policy lets them see now.
func (h *Handlers) notifications(c echo.Context) error {
	u := viewer(c)
	if err := models.CanReadBoard(u).Err(); err != nil {
		return err
	}
	before, err := queryID(c, "before")
	if err != nil {
		return err
	}
	page, err := h.Notifications.List(c.Request().Context(), u.ID, false, before, notificationsPerPage)
	if err != nil {
		return err
	}
	v := views.NotificationsView{NextBefore: page.NextBefore, Before: before}
	for _, n := range page.Notifications {
		item, ok := notificationItem(u, n)
		if !ok {
			continue
		}
		if item.Unread {
			v.Unread++
			v.NewestID = max(v.NewestID, n.ID)
		}
		v.Items = append(v.Items, item)
	}
	return render(c, http.StatusOK, views.Notifications(h.page(c, "Notifications"), v))
}

// notificationItem is what viewer may see of n, or false if they may not
// see it at all (a reply in a thread hidden or deleted since).
func notificationItem(viewer *models.User, n *models.Notification) (views.NotificationItem, bool) {
	if !models.CanSeeNotification(viewer, n).Allowed() {
		return views.NotificationItem{}, false
	}
	show := models.NotificationReveals(viewer, n)
	item := views.NotificationItem{ID: n.ID, Kind: n.Kind, Unread: n.Unread(), At: n.CreatedAt, What: n.Target.Type, Detail: n.Detail}
	if n.Kind.AboutReply() {
		item.Actor = n.ActorName
	}
	if show.PostTitle {
		item.Title, item.Link = n.Post.Title, postURL(n.Post.ID)
	}
	if show.CommentText {
		item.Link = commentURL(n.Comment)
		if n.Kind.AboutReply() {
			item.Excerpt = excerpt(n.Comment.Body, 280)
		}
	}
	switch n.Kind {
	case models.NotifyContentDeleted:
		item.Subject = n.Subject // the recipient's own words: the content is gone
	case models.NotifyReportResolved:
		item.Outcome, item.Detail = models.ReportStatus(n.Detail), ""
		if n.Report != nil {
			item.Reason = n.Report.Reason
		}
	}
	return item, true
}

// excerpt is the start of a text on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// unread is the nav's count of the viewer's unread notifications that they
// may see ("" for none). A failure to count must not cost the page.
func (h *Handlers) unread(c echo.Context) string {
	u := viewer(c)
	if !models.CanReadBoard(u).Allowed() {
		return ""
	}
	page, err := h.Notifications.List(c.Request().Context(), u.ID, true, 0, unreadCap+1)
	if err != nil {
		h.Logger.Error("counting notifications", "id", c.Get(ctxRequestID), "err", err)
		return ""
	}
	n := 0
	for _, item := range page.Notifications {
		if models.CanSeeNotification(u, item).Allowed() {
			n++
		}
	}
	switch {
	case n == 0:
		return ""
	case n > unreadCap || page.NextBefore != 0:
		return strconv.Itoa(unreadCap) + "+"
	}
	return strconv.Itoa(n)
}

// markRead (POST /notifications/:id/read) marks one notification read.
func (h *Handlers) markRead(c echo.Context) error {
	u := viewer(c)
	if err := models.CanReadBoard(u).Err(); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := h.Notifications.MarkRead(c.Request().Context(), u.ID, id); err != nil {
		return err
	}
	return seeOther(c, "/notifications")
}

// markAllRead (POST /notifications/read-all) marks every notification up to
// the newest the member saw (up_to) read.
func (h *Handlers) markAllRead(c echo.Context) error {
	u := viewer(c)
	if err := models.CanReadBoard(u).Err(); err != nil {
		return err
	}
	upTo, err := strconv.ParseInt(c.FormValue("up_to"), 10, 64)
	if err != nil || upTo <= 0 {
		return &pageError{http.StatusBadRequest, "Bad request", "Nothing to mark",
			"The form did not say which notifications you saw. Reload the notifications page and try again."}
	}
	n, err := h.Notifications.MarkAllRead(c.Request().Context(), u.ID, upTo)
	if err != nil {
		return err
	}
	h.flash(c, plural(n, "notification", "notifications")+" marked as read.")
	return seeOther(c, "/notifications")
}

// queryID reads an optional positive id from the query string (0 if absent).
func queryID(c echo.Context, name string) (int64, error) {
	s := c.QueryParam(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &pageError{http.StatusBadRequest, "Bad request", "Bad page link",
			"The " + name + " value in this link must be a positive whole number. Start again from the first page."}
	}
	return id, nil
}
