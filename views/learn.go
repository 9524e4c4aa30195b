package views

import (
	"strings"
	"time"

	"board/models"
)

// LearnStep is one rung of the ladder the /learn pages climb.
type LearnStep struct {
	Path   string
	Number int
	Title  string
	Korean string // the seed's term beside the English one
}

// LearnSteps are the seed's five steps, in order.
func LearnSteps() []LearnStep {
	return []LearnStep{
		{"/learn/header", 1, "Credentials in a request header", "헤더 인증"},
		{"/learn/browser", 2, "Credentials kept in the browser", "브라우저 저장"},
		{"/learn/session", 3, "Server sessions", "세션"},
		{"/learn/token", 4, "Tokens: access and refresh", "토큰"},
		{"/learn/oauth", 5, "OAuth: signing in through another service", "OAuth 인가 코드"},
	}
}

// SessionCookie is the board's session cookie as it sets it.
type SessionCookie struct {
	Name     string
	HttpOnly bool
	Secure   bool
	SameSite string
	Path     string
	Persist  bool
}

// ExampleResponse is an HTTP answer of the board, shown as it goes out.
type ExampleResponse struct {
	Status  string
	Headers []string
	Body    string
}

// String is the answer as it goes over the wire.
func (r ExampleResponse) String() string {
	return r.Status + "\n" + strings.Join(r.Headers, "\n") + "\n\n" + r.Body
}

// LearnHeaderView is step 1: HTTP Basic.
type LearnHeaderView struct {
	BaseURL string
	Refusal ExampleResponse // what the API answers without credentials
}

// LearnBrowserView is step 2: what the browser keeps.
type LearnBrowserView struct {
	Cookie    SessionCookie
	HasCookie bool // this request carried one
}

// LearnSessionView is step 3: the reader's own session row.
type LearnSessionView struct {
	Session *models.Session // nil when not signed in
	Revoked bool            // the reader just revoked it
}

// LearnTokenView is step 4. It carries live tokens on purpose: the page
// shows a token pair once, to the member it was issued to, like an app's
// secret on its settings page.
type LearnTokenView struct {
	BaseURL   string
	AccessTTL time.Duration
	Issued    *IssuedTokens
	Spent     string // a refresh token already used, for the "use it again" button
	Newest    string // after a reuse: the family's newest refresh token, to show it died too
	Outcome   string
	Bad       bool // Outcome is a refusal
}

// IssuedTokens is a token pair and what is inside the access token.
type IssuedTokens struct {
	AccessToken  string
	RefreshToken string
	Header       string // decoded, indented JSON
	Payload      string
	ExpiresAt    time.Time
	FamilyID     int64
}

// LearnOAuthView is step 5: the reader's last sign-in through a provider.
type LearnOAuthView struct {
	Trace *models.SignInTrace
}

// ProblemType is one kind of API error (RFC 9457), explained on /learn/problems.
type ProblemType struct {
	Slug    string
	Title   string
	Explain string
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func unix(t time.Time) string { return itoa(t.Unix()) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
