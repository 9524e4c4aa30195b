package handlers

import (
	"net/http"
	"strconv"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"board/views"
)

// render writes a templ component as the response with the given status.
func render(c echo.Context, status int, component templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return component.Render(c.Request().Context(), c.Response())
}

// page is the common view model: who is looking, their CSRF token, and a
// one-time flash message.
func (h *Handlers) page(c echo.Context, title string) views.Page {
	p := views.Page{Title: title, Viewer: viewer(c)}
	// Errors raised before the session loads (413, unknown routes) get a
	// page without forms.
	if loaded, _ := c.Get(ctxSessionLoaded).(bool); loaded {
		ctx := c.Request().Context()
		p.CSRF, p.Flash = h.csrfToken(ctx), h.Sessions.PopString(ctx, sessionFlash)
	}
	return p
}

func (h *Handlers) flash(c echo.Context, msg string) {
	h.Sessions.Put(c.Request().Context(), sessionFlash, msg)
}

// seeOther redirects after a successful POST (303, so the browser GETs).
func seeOther(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}

func itoa(n int) string { return strconv.Itoa(n) }

// pathID parses the :id route parameter; a malformed id names no resource.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoSuchPage
	}
	return id, nil
}
