// Package handlers is the board's HTTP layer: echo routes, middleware, and
// handlers that bind a form, ask models' policy, call one store, and render.
package handlers

import (
	"log/slog"
	"net"
	"runtime"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"board/models"
)

// Deps is everything the handlers need; there is no package-level state.
type Deps struct {
	*models.Stores
	Sessions *scs.SessionManager
	Logger   *slog.Logger
	// Social are the configured "Sign in with …" providers, in button order.
	Social []SocialProvider
	// HTTPS turns on HSTS; it is true when the base URL is https.
	HTTPS bool
	// TrustedProxies may set X-Forwarded-For; nobody else can choose their address.
	TrustedProxies []*net.IPNet
	// BodyLimit caps request bodies, e.g. "256K".
	BodyLimit string
	// Now is the clock for sign-in flow expiry and the re-authentication
	// window (default time.Now), so tests can let time pass.
	Now func() time.Time
}

// Handlers holds the dependencies; its methods are the route handlers.
type Handlers struct {
	Deps
	// argonSlots bounds concurrent argon2id runs (19 MiB each), so a burst
	// of sign-ins queues instead of exhausting memory.
	argonSlots chan struct{}
}

// New builds the echo server with every route and middleware.
func New(d Deps) *echo.Echo {
	if d.BodyLimit == "" {
		d.BodyLimit = "256K"
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Stores == nil || d.Sessions == nil || d.Logger == nil {
		panic("handlers.New: Deps.Stores, Sessions and Logger are required")
	}
	h := &Handlers{Deps: d, argonSlots: make(chan struct{}, runtime.GOMAXPROCS(0))}
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
