package handlers

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"board/models"
	"board/views"
)

var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render renders a templ component into a buffer and only then writes it
// with the given status, so a failing template yields the 500 page, never
// half a page.
func render(c echo.Context, status int, component templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer renderBuffers.Put(buf)
	if err := component.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// page is the common view model: who is looking, their CSRF token, and a
// one-time flash message.
func (h *Handlers) page(c echo.Context, title string) views.Page {
	p := views.Page{Title: title, Viewer: viewer(c), Path: c.Request().URL.Path}
	// Errors raised before the session loads (413, unknown routes) get a
	// page without forms.
	if loaded, _ := c.Get(ctxSessionLoaded).(bool); loaded {
		ctx := c.Request().Context()
		p.CSRF, p.Flash = h.sessions.csrfToken(c), h.sessions.popFlash(ctx)
		p.Unread = h.unread(c)
	}
	return p
}

func (h *Handlers) flash(c echo.Context, msg string) {
	h.sessions.flash(c.Request().Context(), msg)
}

// seeOther redirects after a successful POST (303, so the browser GETs).
func seeOther(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}

func itoa(n int) string { return strconv.Itoa(n) }

// pathID parses the :id route parameter; a malformed id names no resource.
func pathID(c echo.Context) (int64, error) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return 0, errNoSuchPage
	}
	return id, nil
}

// parseID accepts only the canonical form of a positive id, the one the
// board writes in its links: "/posts/+1" and "/posts/007" name nothing, so
// every resource has exactly one address.
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, true
}

// actor is the signed-in user and address, for store methods that audit.
func actor(c echo.Context) models.Actor {
	a := models.Actor{ClientIP: c.RealIP()}
	if u := viewer(c); u != nil {
		a.UserID = u.ID
	}
	return a
}
