package handlers

import (
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
)

// Session timeouts, enforced by the server whatever the cookie says.
const (
	SessionIdleTimeout = 48 * time.Hour
	SessionLifetime    = 30 * 24 * time.Hour
	// anonymousSessionLifetime bounds sessions that only carry a CSRF token.
	anonymousSessionLifetime = 2 * time.Hour
)

// NewSessionManager configures scs over store with the board's cookie policy:
// HttpOnly, SameSite=Lax, and on https Secure with the __Host- prefix (no
// Domain, Path=/), which stops subdomains from planting a session cookie.
// Tokens are hashed in the store, so a leaked database holds no live cookie.
func NewSessionManager(store scs.Store, https bool) *scs.SessionManager {
	sm := scs.New()
	sm.Store = store
	sm.HashTokenInStore = true
	sm.IdleTimeout = SessionIdleTimeout
	sm.Lifetime = SessionLifetime
	sm.Cookie.Name = "board_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false // only "remember me" makes the cookie outlive the browser
	if https {
		sm.Cookie.Name = "__Host-board_session"
		sm.Cookie.Secure = true
	}
	return sm
}
