// Package handlers is the board's HTTP layer: echo routes, middleware, the
// session owner, and handlers that bind a form, ask the policy, call one
// store or service method, and render.
package handlers

import (
	"log/slog"
	"net"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"board/handlers/social"
	"board/models"
	"board/models/auth"
	"board/models/tokens"
)

// Deps is everything the handlers need; there is no package-level state.
type Deps struct {
	Stores *models.Stores
	Auth   *auth.Service
	// Tokens issues and checks API tokens; its issuer is BaseURL.
	Tokens *tokens.Service
	// SessionStore keeps server sessions (db.DB.SessionStore).
	SessionStore scs.CtxStore
	Logger       *slog.Logger
	// Social are the configured "Sign in with …" providers, in button order.
	Social []social.Provider
	// BaseURL is the board's public URL, e.g. https://board.example.org: the
	// tokens' issuer, and the origin trusted for cross-origin checks behind
	// a proxy.
	BaseURL string
	// HTTPS turns on Secure __Host- cookies and HSTS; it is true when the
	// base URL is https.
	HTTPS bool
	// TrustedProxies may set X-Forwarded-For; nobody else can choose their address.
	TrustedProxies []*net.IPNet
	// BodyLimit caps request bodies, e.g. "256K".
	BodyLimit string
	// PostingLimits bound what one member may publish (zero: the board's
	// defaults, models.DefaultPostingLimits).
	PostingLimits models.PostingLimits
	// Now is the board's clock, the same one the stores and the auth
	// service were given (default time.Now).
	Now func() time.Time
	// MailServer names where mail is sent (without its password), for the
	// admin page; "" means no SMTP server is configured and mail waits.
	MailServer string
	// Mailbox shows every message the board writes at /dev/mailbox, to
	// anyone: demo mode only.
	Mailbox bool
}

// Handlers holds the dependencies; its methods are the route handlers.
type Handlers struct {
	Deps
	*models.Stores
	sessions *sessions
}

// New builds the echo server with every route and middleware.
func New(d Deps) *echo.Echo {
	if d.BodyLimit == "" {
		d.BodyLimit = "256K"
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.PostingLimits == (models.PostingLimits{}) {
		d.PostingLimits = models.DefaultPostingLimits()
	}
	if d.Stores == nil || d.Auth == nil || d.Tokens == nil || d.SessionStore == nil || d.Logger == nil || d.BaseURL == "" {
		panic("handlers.New: Deps.Stores, Auth, Tokens, SessionStore, Logger and BaseURL are required")
	}
	d.Logger = slog.New(redacting{d.Logger.Handler()})
	h := &Handlers{Deps: d, Stores: d.Stores, sessions: newSessions(d.SessionStore, d.HTTPS, d.Stores, d.Now)}
	h.sessions.logErr = func(c echo.Context, msg string, err error) {
		h.Logger.Error(msg, "id", c.Get(ctxRequestID), "err", err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.handleError
	e.IPExtractor = ipExtractor(d.TrustedProxies)
	h.routes(e)
	return e
}

// ipExtractor takes the client address from the connection, or from
// X-Forwarded-For only when the connection comes from a configured proxy.
// echo's XFF extractor trusts loopback and private ranges by default: we turn
// that off so a forged header from anywhere else buys nothing.
func ipExtractor(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(p))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
