package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"board/models"
	"board/views"
)

// Session timeouts, enforced by the server whatever the cookie says.
const (
	SessionIdleTimeout = 48 * time.Hour
	SessionLifetime    = 30 * 24 * time.Hour
	// anonymousSessionLifetime bounds sessions that only carry a CSRF token.
	anonymousSessionLifetime = 2 * time.Hour
)

// What a server session holds, every key in one place.
const (
	keyUserID      = "user_id"
	keyCSRF        = "csrf"
	keyFlash       = "flash"
	keyReauthUntil = "reauth_until" // unix seconds: gob cannot store time.Time
	keyPendingPfx  = "oauth:"       // + provider: a started social sign-in
)

// sessions owns the server session: scs with the board's cookie policy, the
// keys it holds, and the index that lets members list and end their
// sessions. Nothing else in the board touches scs.
type sessions struct {
	sm     *scs.SessionManager
	index  models.SessionIndex
	now    func() time.Time
	logErr func(c echo.Context, msg string, err error)
}

// newSessions configures scs over store: HttpOnly, SameSite=Lax, and on
// https Secure with the __Host- prefix (no Domain, Path=/), which stops
// subdomains from planting a session cookie. Tokens are hashed in the store,
// so a leaked database holds no live cookie.
func newSessions(store scs.Store, https bool, index models.SessionIndex, now func() time.Time) *sessions {
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
	return &sessions{sm: sm, index: index, now: now}
}

// sessionHash is how the index names a session: the SHA-256 of its token,
// the same form scs stores with HashTokenInStore, never the token itself.
func sessionHash(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// load loads the scs session and commits it just before the response
// headers go out, so handlers that return errors still keep session changes.
func (s *sessions) load(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.Response().Header().Add("Vary", "Cookie")
		var token string
		if ck, err := r.Cookie(s.sm.Cookie.Name); err == nil {
			token = ck.Value
		}
		ctx, err := s.sm.Load(r.Context(), token)
		if err != nil {
			return err
		}
		c.SetRequest(r.WithContext(ctx))
		c.Set(ctxSessionLoaded, true)
		c.Response().Before(func() { s.commit(c) })
		return next(c)
	}
}

func (s *sessions) commit(c echo.Context) {
	ctx, w := c.Request().Context(), c.Response().Writer
	switch s.sm.Status(ctx) {
	case scs.Modified:
		token, expiry, err := s.sm.Commit(ctx)
		if err != nil {
			// The handler's success page would be a lie: answer 500 instead.
			s.logErr(c, "session commit", err)
			c.Response().Header().Del(echo.HeaderLocation)
			c.Response().Writer = commitFailed{w}
			return
		}
		s.sm.WriteSessionCookie(ctx, w, token, expiry)
	case scs.Destroyed:
		s.sm.WriteSessionCookie(ctx, w, "", time.Time{})
	}
}

// commitFailed replaces a response whose session could not be saved.
type commitFailed struct{ http.ResponseWriter }

func (f commitFailed) WriteHeader(int) {
	f.Header().Set(echo.HeaderContentType, echo.MIMETextPlainCharsetUTF8)
	f.ResponseWriter.WriteHeader(http.StatusInternalServerError)
	io.WriteString(f.ResponseWriter, "The board could not save your session. What you submitted may or may not have been saved: reload the page to check, and sign in again if asked.\n")
}

func (f commitFailed) Write(b []byte) (int, error) { return len(b), nil }

// hasCookie reports whether r carries a session cookie, used or not.
func (s *sessions) hasCookie(r *http.Request) bool {
	_, err := r.Cookie(s.sm.Cookie.Name)
	return err == nil
}

// cookie describes the session cookie the board sets, for /learn.
func (s *sessions) cookie() views.SessionCookie {
	ck := s.sm.Cookie
	sameSite := map[http.SameSite]string{http.SameSiteLaxMode: "Lax", http.SameSiteStrictMode: "Strict", http.SameSiteNoneMode: "None"}[ck.SameSite]
	return views.SessionCookie{Name: ck.Name, HttpOnly: ck.HttpOnly, Secure: ck.Secure, SameSite: sameSite, Path: ck.Path, Persist: ck.Persist}
}

// userID is the member this session is signed in as, or 0.
func (s *sessions) userID(ctx context.Context) int64 { return s.sm.GetInt64(ctx, keyUserID) }

// currentHash names this request's session in the index ("" if it has none).
func (s *sessions) currentHash(ctx context.Context) string { return sessionHash(s.sm.Token(ctx)) }

// check confirms the session is still in the index (not revoked, not idle
// too long) and keeps its last-seen and idle expiry up to date.
// models.ErrNotFound means it is over.
func (s *sessions) check(ctx context.Context, userID int64, clientIP string) error {
	return s.index.Touch(ctx, s.currentHash(ctx), userID, clientIP, s.expiry(ctx))
}

// expiry is when this session ends if it is not used again: the idle
// timeout from now, capped by its absolute lifetime.
func (s *sessions) expiry(ctx context.Context) time.Time {
	idle := s.now().Add(SessionIdleTimeout)
	if deadline := s.sm.Deadline(ctx); deadline.Before(idle) {
		return deadline
	}
	return idle
}

// signIn starts a session for u under a fresh token (no session fixation),
// with a fresh CSRF token, and records it in the index with the sign-in's
// audit row. how says how the member signed in, e.g. "with password".
func (s *sessions) signIn(ctx context.Context, u *models.User, remember bool, how string, from models.Actor, userAgent string) error {
	// Nothing of whoever used this browser before carries over.
	if err := s.sm.Clear(ctx); err != nil {
		return err
	}
	if err := s.renewToken(ctx, u.ID, how, from, userAgent); err != nil {
		return err
	}
	s.sm.Put(ctx, keyUserID, u.ID)
	s.sm.RememberMe(ctx, remember)
	return nil
}

// renew gives a signed-in session a new token and CSRF token on a privilege
// change (a new password, a new way to sign in).
func (s *sessions) renew(ctx context.Context, userID int64, from models.Actor, userAgent string) error {
	return s.renewToken(ctx, userID, "", from, userAgent)
}

// renewToken keeps the index in step with a new token: the old one is
// forgotten, the new one recorded.
func (s *sessions) renewToken(ctx context.Context, userID int64, signIn string, from models.Actor, userAgent string) error {
	if err := s.index.Forget(ctx, s.currentHash(ctx)); err != nil {
		return err
	}
	if err := s.sm.RenewToken(ctx); err != nil {
		return err
	}
	s.sm.Put(ctx, keyCSRF, randomToken(32))
	return s.index.Record(ctx, models.NewSession{Hash: s.currentHash(ctx), UserID: userID, UserAgent: userAgent,
		ClientIP: from.ClientIP, ExpiresAt: s.expiry(ctx), SignIn: signIn})
}

// signOut ends this session everywhere: its index row and its stored data go.
func (s *sessions) signOut(ctx context.Context) error {
	if err := s.index.Forget(ctx, s.currentHash(ctx)); err != nil {
		return err
	}
	return s.sm.Destroy(ctx)
}

// discard throws away a session the board no longer honours.
func (s *sessions) discard(ctx context.Context) error { return s.sm.Destroy(ctx) }

// csrfToken returns the session's CSRF token, creating it on first use.
func (s *sessions) csrfToken(ctx context.Context) string {
	token := s.sm.GetString(ctx, keyCSRF)
	if token == "" {
		token = randomToken(32)
		s.sm.Put(ctx, keyCSRF, token)
		// A visitor's session exists only to carry this token: keep it
		// short. Signing in renews the token and the full lifetime.
		if s.userID(ctx) == 0 {
			s.sm.SetDeadline(ctx, s.now().Add(anonymousSessionLifetime))
		}
	}
	return token
}

// csrfValid reports whether got is this session's CSRF token.
func (s *sessions) csrfValid(ctx context.Context, got string) bool {
	want := s.sm.GetString(ctx, keyCSRF)
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (s *sessions) flash(ctx context.Context, msg string) { s.sm.Put(ctx, keyFlash, msg) }
func (s *sessions) popFlash(ctx context.Context) string   { return s.sm.PopString(ctx, keyFlash) }
func (s *sessions) setReauth(ctx context.Context, until time.Time) {
	s.sm.Put(ctx, keyReauthUntil, until.Unix())
}

// reauthenticated reports whether a provider re-authentication is still fresh.
func (s *sessions) reauthenticated(ctx context.Context) bool {
	return s.now().Unix() < s.sm.GetInt64(ctx, keyReauthUntil)
}

// putPending keeps a started social sign-in for its callback.
func (s *sessions) putPending(ctx context.Context, provider string, p oauthPending) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	s.sm.Put(ctx, keyPendingPfx+provider, string(b))
	return nil
}

// takePending removes and returns provider's started sign-in if state
// matches it and it has not expired: each is used once.
func (s *sessions) takePending(ctx context.Context, provider, state string) (*oauthPending, bool) {
	raw := s.sm.PopString(ctx, keyPendingPfx+provider)
	var p oauthPending
	if raw == "" || json.Unmarshal([]byte(raw), &p) != nil || state == "" ||
		subtle.ConstantTimeCompare([]byte(state), []byte(p.State)) != 1 || s.now().After(p.Expires) {
		return nil, false
	}
	return &p, true
}

// list is a member's live sessions, most recently used first.
func (s *sessions) list(ctx context.Context, userID int64) ([]*models.Session, error) {
	return s.index.ForUser(ctx, userID)
}

// revoke ends one of a member's sessions; it is refused on its next request.
func (s *sessions) revoke(ctx context.Context, userID, sessionID int64, by models.Actor) error {
	return s.index.Revoke(ctx, userID, sessionID, by)
}

// endOthers is "sign out everywhere else": every session of the member but
// this request's.
func (s *sessions) endOthers(ctx context.Context, userID int64, by models.Actor) (int, error) {
	return s.index.EndAll(ctx, userID, s.currentHash(ctx), "signed out everywhere else", by)
}

// endAll ends every session of a member (an admin's action).
func (s *sessions) endAll(ctx context.Context, userID int64, why string, by models.Actor) (int, error) {
	return s.index.EndAll(ctx, userID, "", why, by)
}
