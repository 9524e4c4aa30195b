package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/tokens"
)

// tokenResponse is a token pair as the client receives it (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

func (h *Handlers) sendPair(c echo.Context, p *tokens.Pair) error {
	// Never cached anywhere (already set for every page, said again here
	// because these bodies are credentials).
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, tokenResponse{AccessToken: p.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(h.Tokens.AccessTTL().Seconds()), RefreshToken: p.RefreshToken})
}

// apiIssueToken (POST /api/v1/token, {"email","password"}) is the seed's
// first-party step 4: one password sign-in, throttled like the sign-in
// page, in exchange for a short-lived access token and a refresh token. It
// is not an OAuth grant and never appears in OAuth metadata.
func (h *Handlers) apiIssueToken(c echo.Context) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	errs := models.FieldErrors{}
	if strings.TrimSpace(in.Email) == "" {
		errs["email"] = "Email is required."
	}
	if in.Password == "" {
		errs["password"] = "Password is required."
	}
	if len(errs) > 0 {
		return invalidFields(errs)
	}
	u, err := h.Auth.SignIn(c.Request().Context(), strings.TrimSpace(in.Email), in.Password, nil, actor(c))
	if err != nil {
		return err
	}
	c.Set(ctxUser, u)
	p, err := h.Tokens.Issue(c.Request().Context(), u, tokens.Grant{ClientID: tokens.FirstPartyClient, Scope: models.FullScope,
		UserAgent: c.Request().UserAgent(), ClientIP: c.RealIP(), How: "with password"})
	if err != nil {
		return err
	}
	return h.sendPair(c, p)
}

// refreshTokenIn reads {"refresh_token"}.
func refreshTokenIn(c echo.Context) (string, error) {
	var in struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := bindJSON(c, &in); err != nil {
		return "", err
	}
	if in.RefreshToken == "" {
		return "", invalidFields(models.FieldErrors{"refresh_token": "refresh_token is required."})
	}
	return in.RefreshToken, nil
}

// apiRefreshToken (POST /api/v1/token/refresh) spends a refresh token for a
// new pair. Presenting a spent one revokes its whole family.
func (h *Handlers) apiRefreshToken(c echo.Context) error {
	token, err := refreshTokenIn(c)
	if err != nil {
		return err
	}
	p, err := h.Tokens.Refresh(c.Request().Context(), token, actor(c))
	if err != nil {
		return err
	}
	return h.sendPair(c, p)
}

// apiRevokeToken (POST /api/v1/token/revoke) revokes a refresh token's
// family, answering 200 whatever the token (RFC 7009 §2.2).
func (h *Handlers) apiRevokeToken(c echo.Context) error {
	token, err := refreshTokenIn(c)
	if err != nil {
		return err
	}
	if err := h.Tokens.Revoke(c.Request().Context(), token, actor(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// jwks (GET /.well-known/jwks.json) publishes the public keys that verify
// the board's tokens, retired ones until their last token has expired.
func (h *Handlers) jwks(c echo.Context) error {
	set, err := h.Tokens.JWKS(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
	return c.JSON(http.StatusOK, set)
}
