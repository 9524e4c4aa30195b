package handlers

import (
	"net/http"
	"strconv"

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
		item, ok := models.ShowNotification(u, n)
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

// notificationSettings (GET /notifications/settings) shows which kinds of
// notification the member also gets by mail.
func (h *Handlers) notificationSettings(c echo.Context) error {
	u := viewer(c)
	if err := models.CanReadBoard(u).Err(); err != nil {
		return err
	}
	on, err := h.Notifications.MailKinds(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	v := views.NotificationSettingsView{Email: u.Email, Verified: u.EmailVerified}
	for _, k := range models.NotificationKinds() {
		v.Choices = append(v.Choices, views.MailChoice{Kind: k, Label: k.Describe(), On: on[k]})
	}
	return render(c, http.StatusOK, views.NotificationSettings(h.page(c, "Notifications by mail"), v))
}

// saveNotificationSettings (POST /notifications/settings, fields mail=kind…).
func (h *Handlers) saveNotificationSettings(c echo.Context) error {
	u := viewer(c)
	if err := models.CanReadBoard(u).Err(); err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	known := map[models.NotificationKind]bool{}
	for _, k := range models.NotificationKinds() {
		known[k] = true
	}
	var kinds []models.NotificationKind
	for _, s := range form["mail"] {
		k := models.NotificationKind(s)
		if !known[k] {
			return &pageError{http.StatusUnprocessableEntity, "Invalid input", "Unknown kind of notification",
				"The form named a kind of notification the board does not have. Nothing was changed."}
		}
		kinds = append(kinds, k)
	}
	if err := h.Notifications.SetMailKinds(c.Request().Context(), u.ID, kinds); err != nil {
		return err
	}
	h.flash(c, "Saved: "+plural(len(kinds), "kind of notification comes", "kinds of notification come")+" by mail.")
	return seeOther(c, "/notifications/settings")
}
