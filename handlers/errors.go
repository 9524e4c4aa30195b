package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/auth"
	"board/models/tokens"
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
	errCrossSite = &pageError{http.StatusForbidden, "Cross-site request refused", "This request came from another site",
		"Your browser says this form was sent from another website, and the board only accepts changes sent from its own pages. Nothing was changed. If you meant to do this, open the board directly and try again."}
	errNoSuchPage = &pageError{http.StatusNotFound, "Not found", "Page not found",
		"There is nothing at this address. It may have been deleted, or the link is wrong."}
)

// statusClientClosed is nginx's 499: the client hung up before the answer.
const statusClientClosed = 499

// handleError is the one place errors become pages, or problem JSON
// under /api.
func (h *Handlers) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// Nobody is left to read a page: not the board's error, just noted.
		c.Response().Status = statusClientClosed
		h.Logger.Info("client closed the request", "id", c.Get(ctxRequestID), "path", c.Request().URL.Path)
		return
	}
	if isAPI(c) {
		if err := h.writeProblem(c, err); err != nil {
			h.Logger.Error("writing problem", "id", c.Get(ctxRequestID), "err", err)
		}
		return
	}
	view := h.describe(c, err)
	if err := render(c, view.Status, views.Error(h.page(c, view.Heading), view)); err != nil {
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
			Message: "There have been too many " + throttled.What + " " + throttled.CountedAgainst() + ", so this is paused. Try again in " +
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

// isAPI reports whether a request is for the JSON API, which answers in
// problem JSON rather than pages.
func isAPI(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == "/api" || strings.HasPrefix(p, "/api/")
}

// writeProblem answers an API request with the problem err stands for.
func (h *Handlers) writeProblem(c echo.Context, err error) error {
	p := h.problemFor(c, err)
	for _, challenge := range p.challenges() {
		c.Response().Header().Add(echo.HeaderWWWAuthenticate, challenge)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return c.Blob(p.Status, problemJSON, b)
}

const problemJSON = "application/problem+json"

// challenges are the WWW-Authenticate values that go with a problem. A 401
// names both schemes the API takes (RFC 9110 §11.6.1); only a bad bearer
// token gets an error code (RFC 6750 §3).
func (p problem) challenges() []string {
	switch {
	case p.Status == http.StatusUnauthorized:
		bearer := `Bearer realm="board"`
		if p.bearer != "" {
			bearer += `, error="` + p.bearer + `", error_description="` + quotable(p.Detail) + `"`
		}
		return []string{`Basic realm="board", charset="UTF-8"`, bearer}
	case p.bearer != "":
		return []string{`Bearer realm="board", error="` + p.bearer + `", scope="` + p.scope + `"`}
	}
	return nil
}

// basicCost is why a client should move from HTTP Basic to a token.
const basicCost = "HTTP Basic sends the password with every request, where any log, proxy or leaked request exposes it, " +
	"and makes the board check it every time with a password hash that is slow on purpose: it does not scale. " +
	"Get a token once from POST /api/v1/token and send Authorization: Bearer instead."

// usesBasic reports whether the request tried HTTP Basic.
func usesBasic(c echo.Context) bool {
	scheme, _, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
	return strings.EqualFold(scheme, "Basic")
}

// quotable makes text safe inside a quoted-string of an auth parameter.
func quotable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r > 0x7e {
			return '\''
		}
		return r
	}, s)
}

func (h *Handlers) newProblem(kind views.ProblemType, status int, detail string) problem {
	return problem{Type: h.BaseURL + "/learn/problems#" + kind.Slug, Title: kind.Title, Status: status, Detail: detail}
}

// problemFor is describe's counterpart for the API: what a client is told.
func (h *Handlers) problemFor(c echo.Context, err error) problem {
	var ae *apiError
	var denied *models.Denied
	var throttled *auth.Throttled
	var invalid *tokens.InvalidToken
	var revoked *models.FamilyRevoked
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		p := h.newProblem(ae.kind, ae.status, ae.detail)
		p.Errors = ae.errors
		return p
	case errors.As(err, &invalid):
		p := h.newProblem(probInvalidToken, http.StatusUnauthorized, "The bearer token was refused: "+invalid.Reason+".")
		p.bearer = "invalid_token"
		return p
	case errors.Is(err, auth.ErrBadCredentials):
		detail := "That email and password do not match an account. " +
			"Accounts that sign in only through Google or Facebook have no password: they can get a token on the board's /learn/token page."
		if usesBasic(c) {
			detail += " " + basicCost
		}
		return h.newProblem(probBadCredentials, http.StatusUnauthorized, detail)
	case errors.As(err, &throttled):
		secs := int(math.Ceil(throttled.Wait.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		detail := "Too many " + throttled.What + " " + throttled.CountedAgainst() + ". Try again in " + strconv.Itoa(secs) + " seconds."
		if usesBasic(c) {
			detail += " Every HTTP Basic request is a sign-in, and counts. " + basicCost
		}
		return h.newProblem(probThrottled, http.StatusTooManyRequests, detail)
	case errors.As(err, &denied):
		return h.denialProblem(c, denied.Decision)
	case errors.As(err, &revoked) && revoked.Reused:
		return h.newProblem(probInvalidGrant, http.StatusBadRequest, "This refresh token was already used. Only one party should ever hold it, "+
			"so the board cannot tell whether you or a thief is presenting it again: it revoked the whole token family. Every access and refresh token of it is dead. Sign in again.")
	case errors.As(err, &revoked):
		return h.newProblem(probInvalidGrant, http.StatusBadRequest, "This refresh token's family was revoked ("+revoked.Reason+"). Sign in again.")
	case errors.Is(err, tokens.ErrInvalidGrant):
		return h.newProblem(probInvalidGrant, http.StatusBadRequest, "This refresh token is unknown or has expired. Sign in again.")
	case errors.Is(err, models.ErrNotFound), errors.Is(err, errNoSuchPage):
		return h.newProblem(probNotFound, http.StatusNotFound, "There is nothing at this address, or it was removed.")
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return h.newProblem(probNotFound, he.Code, "There is nothing at this address.")
		case http.StatusRequestEntityTooLarge:
			return h.newProblem(probTooLarge, he.Code, probTooLarge.Explain)
		case http.StatusUnsupportedMediaType:
			return h.newProblem(probUnsupportedMedia, he.Code, probUnsupportedMedia.Explain)
		}
	}
	h.Logger.Error("internal error", "id", c.Get(ctxRequestID), "path", c.Request().URL.Path, "err", err)
	return h.newProblem(probServer, http.StatusInternalServerError, "The board hit an unexpected error. Try again in a moment; if it keeps happening, tell an admin the time it happened.")
}

// authRequired is the API's answer to a request without a credential it
// takes; withCookie says the request carried the pages' session cookie.
func (h *Handlers) authRequired(rule string, withCookie bool) problem {
	detail := "Authentication required: the API does not know who you are. Send Authorization: Basic or Authorization: Bearer."
	if withCookie {
		detail = "Authentication required: the request carried the board's session cookie, which the API never accepts " +
			"(so a page's cookie cannot be replayed against it, and it needs no CSRF token). Send Authorization: Basic or Authorization: Bearer."
	}
	p := h.newProblem(probAuthRequired, http.StatusUnauthorized, detail)
	p.Rule = rule
	return p
}

func (h *Handlers) denialProblem(c echo.Context, d models.Decision) problem {
	switch d.Outcome {
	case models.DenyAnonymous:
		return h.authRequired(d.Rule, h.sessions.hasCookie(c.Request()))
	case models.DenyNotFound:
		return h.newProblem(probNotFound, http.StatusNotFound, d.Rule)
	case models.DenyUnavailable:
		p := h.newProblem(probSuspended, http.StatusForbidden, "Authorization denied: your account is suspended.")
		p.Rule = d.Rule
		return p
	case models.DenyScope:
		p := h.newProblem(probInsufficient, http.StatusForbidden, "Authorization denied by the token's scope, not by who you are.")
		p.Rule, p.bearer, p.scope = d.Rule, "insufficient_scope", scopeNeeded(c)
		return p
	}
	who := "you"
	if u := viewer(c); u != nil {
		who = u.DisplayName + " (" + u.Email + ")"
	}
	p := h.newProblem(probForbidden, http.StatusForbidden,
		"You are authenticated as "+who+", so this is not a sign-in problem: the board knows who you are, and a rule does not allow this.")
	p.Rule = d.Rule
	return p
}
