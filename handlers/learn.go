package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/tokens"
	"board/views"
)

// learnFamilyLifetime bounds token families made on the /learn token page:
// a demonstration should not leave a month-long credential behind.
const learnFamilyLifetime = time.Hour

// The /learn pages are open to anyone; their live parts use the reader's
// own account when they are signed in.

func (h *Handlers) learnIndex(c echo.Context) error {
	return render(c, http.StatusOK, views.LearnIndex(h.page(c, "Learn")))
}

func (h *Handlers) learnProblems(c echo.Context) error {
	return render(c, http.StatusOK, views.LearnProblems(h.page(c, "API problem types"), problemTypes()))
}

// learnHeader (GET /learn/header) is step 1: HTTP Basic, with the API's
// real answer to a request that has no credential.
func (h *Handlers) learnHeader(c echo.Context) error {
	p := h.authRequired(models.CanReadBoard(nil).Rule, false)
	body, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	refusal := views.ExampleResponse{Status: "HTTP/1.1 401 Unauthorized", Headers: []string{"Content-Type: " + problemJSON}, Body: string(body)}
	for _, ch := range p.challenges() {
		refusal.Headers = append(refusal.Headers, echo.HeaderWWWAuthenticate+": "+ch)
	}
	return render(c, http.StatusOK, views.LearnHeader(h.page(c, "Step 1: credentials in a header"),
		views.LearnHeaderView{BaseURL: h.BaseURL, Refusal: refusal}))
}

// learnBrowser (GET /learn/browser) is step 2: the session cookie's attributes.
func (h *Handlers) learnBrowser(c echo.Context) error {
	return render(c, http.StatusOK, views.LearnBrowser(h.page(c, "Step 2: credentials in the browser"),
		views.LearnBrowserView{Cookie: h.sessions.cookie(), HasCookie: h.sessions.hasCookie(c.Request())}))
}

// learnSession (GET /learn/session) is step 3: the reader's session row.
func (h *Handlers) learnSession(c echo.Context) error {
	_, refused := c.Get(ctxSignedOut).(string)
	v := views.LearnSessionView{Revoked: refused && c.QueryParam("revoked") != ""}
	if u := viewer(c); u != nil {
		s, err := h.currentSession(c, u)
		if err != nil {
			return err
		}
		v.Session = s
	}
	return render(c, http.StatusOK, views.LearnSession(h.page(c, "Step 3: server sessions"), v))
}

// currentSession is the index row of this request's session.
func (h *Handlers) currentSession(c echo.Context, u *models.User) (*models.Session, error) {
	ctx := c.Request().Context()
	list, err := h.sessions.list(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		if s.Hash == h.sessions.currentHash(ctx) {
			return s, nil
		}
	}
	return nil, models.ErrNotFound
}

// learnRevokeSession (POST /learn/session/revoke) deletes the reader's own
// session row, keeping the cookie, so the next page shows it refused.
func (h *Handlers) learnRevokeSession(c echo.Context) error {
	u := viewer(c)
	s, err := h.currentSession(c, u)
	if err != nil {
		return err
	}
	if err := h.sessions.revoke(c.Request().Context(), u.ID, s.ID, actor(c)); err != nil {
		return err
	}
	return seeOther(c, "/learn/session?revoked=1")
}

func (h *Handlers) renderLearnToken(c echo.Context, status int, v views.LearnTokenView) error {
	p := h.page(c, "Step 4: tokens")
	// The one page with a script: the countdown. Only here does the CSP
	// let the board's own static scripts run.
	p.Scripts = []string{"learn.js"}
	c.Response().Header().Set("Content-Security-Policy", h.csp(true))
	v.BaseURL, v.AccessTTL = h.BaseURL, h.Tokens.AccessTTL()
	return render(c, status, views.LearnToken(p, v))
}

// learnToken (GET /learn/token) is step 4.
func (h *Handlers) learnToken(c echo.Context) error {
	return h.renderLearnToken(c, http.StatusOK, views.LearnTokenView{})
}

func issued(p *tokens.Pair) *views.IssuedTokens {
	header, payload := tokens.Inspect(p.AccessToken)
	return &views.IssuedTokens{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, Header: header, Payload: payload,
		ExpiresAt: p.ExpiresAt, FamilyID: p.FamilyID}
}

// learnIssueToken (POST /learn/token) issues the reader a token pair on the
// strength of their session, shown once. The answer is the page itself,
// not a redirect: the tokens are never kept to show later.
func (h *Handlers) learnIssueToken(c echo.Context) error {
	p, err := h.Tokens.Issue(c.Request().Context(), viewer(c), tokens.Grant{ClientID: tokens.LearnPageClient, Scope: models.FullScope,
		Lifetime: learnFamilyLifetime, UserAgent: c.Request().UserAgent(), ClientIP: c.RealIP(), How: "on the /learn token page"})
	if err != nil {
		return err
	}
	return h.renderLearnToken(c, http.StatusOK, views.LearnTokenView{Issued: issued(p),
		Outcome: "Issued: a new token family #" + strconv.FormatInt(p.FamilyID, 10) + " with its first pair."})
}

// learnRefreshToken (POST /learn/token/refresh) spends a refresh token, the
// current one (rotation) or a spent one (reuse, which kills the family).
func (h *Handlers) learnRefreshToken(c echo.Context) error {
	token := c.FormValue("refresh_token")
	p, err := h.Tokens.Refresh(c.Request().Context(), token, actor(c))
	var revoked *models.FamilyRevoked
	switch {
	case err == nil:
		return h.renderLearnToken(c, http.StatusOK, views.LearnTokenView{Issued: issued(p), Spent: token,
			Outcome: "Rotated: the refresh token you sent is spent, and family #" + strconv.FormatInt(p.FamilyID, 10) +
				" has a new pair. The old access token still works until it expires; the old refresh token never works again."})
	case errors.As(err, &revoked) && revoked.Reused:
		return h.renderLearnToken(c, http.StatusBadRequest, views.LearnTokenView{Bad: true, Newest: c.FormValue("newest"),
			Outcome: "Refused, and family #" + strconv.FormatInt(revoked.FamilyID, 10) + " is dead. That refresh token was already spent. " +
				"Only one party should ever hold it, so seeing it twice means someone copied it, and the board cannot tell the copy from the original: " +
				"it revoked the whole family. The newest refresh token is dead too, and every access token of the family is refused on its next request. " +
				"The audit log has a row for it."})
	case errors.As(err, &revoked):
		return h.renderLearnToken(c, http.StatusBadRequest, views.LearnTokenView{Bad: true,
			Outcome: "Refused: this refresh token's family #" + strconv.FormatInt(revoked.FamilyID, 10) + " was revoked (" + revoked.Reason + ")."})
	case errors.Is(err, tokens.ErrInvalidGrant):
		return h.renderLearnToken(c, http.StatusBadRequest, views.LearnTokenView{Bad: true,
			Outcome: "Refused: that refresh token is unknown or has expired."})
	}
	return err
}

// learnOAuth (GET /learn/oauth) is step 5: the reader's last sign-in
// through a provider, request by request.
func (h *Handlers) learnOAuth(c echo.Context) error {
	var v views.LearnOAuthView
	if u := viewer(c); u != nil {
		t, err := h.SignInTraces.Last(c.Request().Context(), u.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		v.Trace = t
	}
	return render(c, http.StatusOK, views.LearnOAuth(h.page(c, "Step 5: OAuth"), v))
}
