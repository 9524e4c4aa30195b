package handlers

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/auth"
	"board/views"
)

// pageError is a refusal the handlers raise themselves, already in words.
type pageError struct {
	Status  int
	Kind    string
	Heading string
	Message string
}

func (e *pageError) Error() string { return e.Heading }

var (
	errCSRF = &pageError{http.StatusForbidden, "Request check failed (CSRF)", "This form could not be accepted",
		"The form did not carry a valid security token for your session. It may be from an old tab, another site, or a session that has since ended. Nothing was changed. Go back, reload the page and try again."}
	errNoSuchPage = &pageError{http.StatusNotFound, "Not found", "Page not found",
		"There is nothing at this address. It may have been deleted, or the link is wrong."}
)

// handleError is the one place errors become pages, or problem JSON
// under /api.
func (h *Handlers) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if isAPI(c) {
		if err := h.writeProblem(c, err); err != nil {
			h.Logger.Error("writing problem", "id", c.Get(ctxRequestID), "err", err)
		}
		return
	}
	view := h.describe(c, err)
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(view.Status)
	} else {
		err = render(c, view.Status, views.Error(h.page(c, view.Heading), view))
	}
	if err != nil {
		h.Logger.Error("writing error page", "id", c.Get(ctxRequestID), "err", err)
	}
}

// describe turns any error into what a person is told about it.
func (h *Handlers) describe(c echo.Context, err error) views.ErrorView {
	var denied *models.Denied
	var pe *pageError
	var he *echo.HTTPError
	var throttled *auth.Throttled
	switch {
	case errors.As(err, &throttled):
		secs := int(math.Ceil(throttled.Wait.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return views.ErrorView{Status: http.StatusTooManyRequests, Kind: "Too many attempts", Heading: "Too many " + throttled.What,
			Message: "There have been too many " + throttled.What + " from your network or for this account, so this is paused. Try again in " +
				strconv.Itoa((secs+59)/60) + " minute(s)."}
	case errors.As(err, &denied):
		return h.describeDenial(c, denied.Decision)
	case errors.Is(err, models.ErrConflict):
		return views.ErrorView{Status: http.StatusConflict, Kind: "Conflict", Heading: "That clashes with something that already exists",
			Message: "Another record already uses this (for example an email address or a connected account). Nothing was changed."}
	case errors.Is(err, models.ErrNotFound):
		return views.ErrorView{Status: http.StatusNotFound, Kind: "Not found", Heading: "Not found",
			Message: "What you asked for does not exist, or was removed."}
	case errors.As(err, &pe):
		return views.ErrorView{Status: pe.Status, Kind: pe.Kind, Heading: pe.Heading, Message: pe.Message}
	case errors.As(err, &he):
		return describeHTTP(he.Code)
	}
	h.Logger.Error("internal error", "id", c.Get(ctxRequestID), "path", c.Request().URL.Path, "err", err)
	return views.ErrorView{Status: http.StatusInternalServerError, Kind: "Server error", Heading: "Something went wrong on our side",
		Message: "The board hit an unexpected error. Nothing you did caused it. Try again in a moment; if it keeps happening, tell an admin the time it happened."}
}

func (h *Handlers) describeDenial(c echo.Context, d models.Decision) views.ErrorView {
	u := viewer(c)
	switch d.Outcome {
	case models.DenyAnonymous:
		msg := "Authentication required: we do not know who you are. Sign in to continue."
		if why, ok := c.Get(ctxSignedOut).(string); ok {
			msg = why + " Sign in to continue."
		}
		next := ""
		if c.Request().Method == http.MethodGet {
			next = c.Request().URL.RequestURI()
		}
		return views.ErrorView{Status: http.StatusUnauthorized, Kind: "Authentication required", Heading: "Please sign in",
			Message: msg, Rule: d.Rule, Login: &views.LoginForm{Next: next, Providers: h.providers()}}
	case models.DenyNotFound:
		return views.ErrorView{Status: http.StatusNotFound, Kind: "Not found", Heading: "Not found", Message: d.Rule}
	case models.DenyUnavailable:
		return views.ErrorView{Status: http.StatusForbidden, Kind: "Authorization denied: account suspended",
			Heading: "Your account is suspended", Message: d.Rule}
	}
	who := "you"
	if u != nil {
		who = u.DisplayName + " (" + u.Email + ")"
	}
	return views.ErrorView{Status: http.StatusForbidden, Kind: "Authorization denied", Heading: "You may not do that",
		Message: "You are signed in as " + who + ", so this is not a sign-in problem: the board knows who you are, and a rule does not allow this.",
		Rule:    d.Rule}
}

func describeHTTP(code int) views.ErrorView {
	v := views.ErrorView{Status: code, Kind: http.StatusText(code), Heading: http.StatusText(code)}
	switch code {
	case http.StatusNotFound:
		v.Heading, v.Message = "Page not found", "There is nothing at this address."
	case http.StatusMethodNotAllowed:
		v.Message = "This address does not accept that kind of request. Forms that change something use POST; links use GET."
	case http.StatusRequestEntityTooLarge:
		v.Heading, v.Message = "That was too large", "What you sent is larger than the board accepts. Nothing was saved. Shorten it and try again."
	case http.StatusBadRequest:
		v.Message = "The request could not be understood. Nothing was changed."
	default:
		v.Message = "The request could not be completed."
	}
	return v
}
