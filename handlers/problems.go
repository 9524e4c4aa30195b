package handlers

import (
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

// The API's problem types, defined once: errors name them, /learn/problems
// lists them, and a problem's type URI is its entry there.
var (
	probAuthRequired     = views.ProblemType{Slug: "authentication-required", Title: "Authentication required", Explain: "The request carried no credential the API accepts. Send Authorization: Basic (email and password) or Authorization: Bearer (an access token). The session cookie of the pages is not accepted here."}
	probBadCredentials   = views.ProblemType{Slug: "invalid-credentials", Title: "Invalid credentials", Explain: "The email and password do not match an account. Unknown emails and wrong passwords get the same answer."}
	probInvalidToken     = views.ProblemType{Slug: "invalid-token", Title: "Invalid access token", Explain: "The bearer token is malformed, forged, expired or revoked. Refresh it, or get a new one."}
	probTokenInQuery     = views.ProblemType{Slug: "token-in-query", Title: "Token in the URL refused", Explain: "Access tokens go in the Authorization header, never in the URL: URLs are written to server logs, browser history and Referer headers (RFC 6750 §2.3, RFC 9700)."}
	probForbidden        = views.ProblemType{Slug: "forbidden", Title: "Authorization denied", Explain: "The board knows who you are, and a rule does not allow this. The rule field says which."}
	probInsufficient     = views.ProblemType{Slug: "insufficient-scope", Title: "Insufficient scope", Explain: "The token's scope does not cover this request. A scope narrows what a member may do; it never widens it."}
	probSuspended        = views.ProblemType{Slug: "account-suspended", Title: "Account suspended", Explain: "The account is suspended, so it may not use the board."}
	probNotFound         = views.ProblemType{Slug: "not-found", Title: "Not found", Explain: "Nothing is here, or you may not know it exists."}
	probInvalidBody      = views.ProblemType{Slug: "validation-failed", Title: "Invalid input", Explain: "Some fields are not acceptable; the errors field says which and why. Nothing was changed."}
	probBadRequest       = views.ProblemType{Slug: "bad-request", Title: "Bad request", Explain: "The request could not be understood. Nothing was changed."}
	probUnsupportedMedia = views.ProblemType{Slug: "unsupported-media-type", Title: "Unsupported media type", Explain: "The API takes JSON bodies: send Content-Type: application/json."}
	probInvalidGrant     = views.ProblemType{Slug: "invalid-grant", Title: "Invalid refresh token", Explain: "The refresh token is unknown, expired, already used or revoked. Sign in for a new token pair."}
	probThrottled        = views.ProblemType{Slug: "too-many-attempts", Title: "Too many attempts", Explain: "Too many failed sign-ins for this account or from this network. Wait as long as Retry-After says."}
	probTooLarge         = views.ProblemType{Slug: "payload-too-large", Title: "Payload too large", Explain: "The body is larger than the board accepts. Nothing was saved."}
	probServer           = views.ProblemType{Slug: "server-error", Title: "Server error", Explain: "The board hit an unexpected error. Nothing you did caused it."}
)

// problemTypes lists every problem type, for /learn/problems.
func problemTypes() []views.ProblemType {
	return []views.ProblemType{probAuthRequired, probBadCredentials, probInvalidToken, probTokenInQuery, probForbidden, probInsufficient,
		probSuspended, probNotFound, probInvalidBody, probBadRequest, probUnsupportedMedia, probInvalidGrant, probThrottled,
		probTooLarge, probServer}
}

// problem is an RFC 9457 problem detail.
type problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail"`
	Rule   string             `json:"rule,omitempty"`   // the policy rule that denied a 403
	Errors models.FieldErrors `json:"errors,omitempty"` // field errors of a 422
	// bearer is the RFC 6750 error code for WWW-Authenticate, and scope the
	// scope an insufficient_scope refusal needed.
	bearer, scope string
}

// apiError is a refusal the API handlers raise themselves.
type apiError struct {
	status int
	kind   views.ProblemType
	detail string
	errors models.FieldErrors
}

func (e *apiError) Error() string { return e.kind.Title + ": " + e.detail }

var errTokenInQuery = &apiError{http.StatusBadRequest, probTokenInQuery,
	"The URL carries access_token. The board refuses it before reading it: a token in a URL ends up in server logs, proxy logs, browser history and Referer headers, where anyone who reads them can use it. Send it in the Authorization header (Bearer) instead, and consider this one leaked.", nil}

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
	if c.Request().Method == http.MethodHead {
		return c.NoContent(p.Status)
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
		return h.newProblem(probBadCredentials, http.StatusUnauthorized, "That email and password do not match an account. "+
			"Accounts that sign in only through Google or Facebook have no password: they can get a token on the board's /learn/token page.")
	case errors.As(err, &throttled):
		secs := int(math.Ceil(throttled.Wait.Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		return h.newProblem(probThrottled, http.StatusTooManyRequests, "Too many "+throttled.What+
			" from your network or for this account. Try again in "+strconv.Itoa(secs)+" seconds. Every HTTP Basic request is a sign-in, and counts.")
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
