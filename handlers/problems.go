package handlers

import (
	"net/http"

	"board/models"
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
	probThrottled        = views.ProblemType{Slug: "too-many-attempts", Title: "Too many attempts", Explain: "Too many attempts: failed sign-ins for this account or from this network, or new posts or comments by this member. Wait as long as Retry-After says."}
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
	Rule   string             `json:"rule,omitempty"`   // the policy rule that denied
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
