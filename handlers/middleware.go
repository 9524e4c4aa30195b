package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"board/models"
)

// Request-scoped values on the echo context.
const (
	ctxUser          = "user"
	ctxSignedOut     = "signed_out_reason"
	ctxRequestID     = "request_id"
	ctxSessionLoaded = "session_loaded"
	ctxVisitor       = "visitor_nonce" // a visitor cookie set during this request
)

// observe gives each request an id and writes one structured log line for
// it. Only the path is logged: queries can carry OAuth codes and states.
func (h *Handlers) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := randomToken(9)
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		var uid int64
		if u := viewer(c); u != nil {
			uid = u.ID
		}
		h.Logger.Info("request",
			"id", id,
			"method", c.Request().Method,
			"path", c.Request().URL.Path,
			"status", c.Response().Status,
			"duration_ms", time.Since(start).Milliseconds(),
			"user_id", uid,
			"ip", c.RealIP())
		return nil
	}
}

func (h *Handlers) logPanic(c echo.Context, err error, stack []byte) error {
	h.Logger.Error("panic", "id", c.Get(ctxRequestID), "err", err, "stack", string(stack))
	return err
}

// securityHeaders: no script runs on any page, nothing frames us, and
// member pages are never stored by a browser or proxy cache.
func (h *Handlers) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	csp := h.csp(false)
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if h.HTTPS {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// csp is the Content-Security-Policy of every page; with scripts it also
// lets the page load the board's own static scripts, never inline ones.
func (h *Handlers) csp(scripts bool) string {
	scriptSrc := ""
	if scripts {
		scriptSrc = "; script-src 'self'"
	}
	return "default-src 'none'" + scriptSrc + "; style-src 'self'; img-src 'self'; form-action 'self'" + h.formActionExtra() +
		"; base-uri 'none'; frame-ancestors 'none'; object-src 'none'"
}

func staticHandler(files fs.FS) http.Handler {
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(files)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		// Names carry a content hash in ?v=, so a year of caching is safe.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		fileServer.ServeHTTP(w, r)
	})
}

// currentUser finds who is signed in, ending sessions the board no longer
// honours and saying why on the sign-in page.
func (h *Handlers) currentUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, live, err := h.sessions.member(c.Request().Context(), c.RealIP())
		switch {
		case errors.Is(err, models.ErrNotFound):
			err = h.endSession(c, "Your account no longer exists.")
		case err != nil || u == nil:
		case u.IsSuspended():
			err = h.endSession(c, "Your account was suspended by an admin, so your session has ended. Reason given: "+u.SuspendReason+".")
		case !live:
			// Even if scs still has the session (a request in flight re-saved
			// it), without its index row it is over.
			err = h.endSession(c, "This session was signed out from another device or by an admin.")
		default:
			c.Set(ctxUser, u)
		}
		if err != nil {
			return err
		}
		return next(c)
	}
}

// endSession throws the session away and remembers why for the sign-in page.
func (h *Handlers) endSession(c echo.Context, why string) error {
	if err := h.sessions.discard(c.Request().Context()); err != nil {
		return err
	}
	c.Set(ctxSignedOut, why)
	return nil
}

// requireMember answers 401 with the sign-in page to anyone not signed in.
func (h *Handlers) requireMember(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := models.CanReadBoard(viewer(c)).Err(); err != nil {
			return err
		}
		return next(c)
	}
}

// viewer is the signed-in user, or nil.
func viewer(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

// csrf refuses any unsafe request whose _csrf field (or X-CSRF-Token header)
// does not match the token kept in this request's own server session.
// echo's CSRF middleware is a double-submit cookie not tied to the session,
// and it waves through requests on Sec-Fetch-Site alone: not what we want.
func (h *Handlers) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		got := c.Request().Header.Get("X-CSRF-Token")
		if got == "" {
			got = c.Request().PostFormValue("_csrf")
		}
		if !h.sessions.csrfValid(c, got) {
			// A session that just ended (suspension, revocation) explains
			// itself: the form is stale because of that, not a forgery.
			if _, ended := c.Get(ctxSignedOut).(string); ended {
				return models.CanReadBoard(nil).Err()
			}
			return errCSRF
		}
		return next(c)
	}
}

// crossOrigin refuses unsafe requests the browser marks as cross-site
// (Sec-Fetch-Site, or an Origin that is neither this host nor the base
// URL's), before any session is loaded: defence in depth behind the CSRF
// token. Requests without those headers (old browsers, scripts) pass on to
// the token check.
func (h *Handlers) crossOrigin() echo.MiddlewareFunc {
	cop := http.NewCrossOriginProtection()
	if h.BaseURL != "" {
		if err := cop.AddTrustedOrigin(h.BaseURL); err != nil {
			panic("handlers.New: Deps.BaseURL: " + err.Error())
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cop.Check(c.Request()) != nil {
				return errCrossSite
			}
			return next(c)
		}
	}
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
