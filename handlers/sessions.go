package handlers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/auth"
	"board/views"
)

// Session timeouts, enforced by the server whatever the cookie says.
const (
	SessionIdleTimeout = 48 * time.Hour
	SessionLifetime    = 30 * 24 * time.Hour
	// anonymousSessionLifetime bounds the sessions a visitor gets only when
	// one is needed (a started social sign-in, a message after signing out).
	anonymousSessionLifetime = 2 * time.Hour
)

// What a server session holds, every key in one place.
const (
	keyUserID      = "user_id"
	keyCSRF        = "csrf"
	keyFlash       = "flash"
	keyReauthUntil = "reauth_until" // unix seconds: sessions hold strings and int64s
	keyPendingPfx  = "oauth:"       // + provider: a started social sign-in
	keyLinkPfx     = "link:"        // + linkReset or linkConfirm: the hash of a mailed link's token
)

// Kinds of mailed link whose token waits in the session.
const (
	linkReset   = "reset"
	linkConfirm = "confirm"
)

// sessions owns the server session: scs with the board's cookie policy, the
// keys it holds, and the index that lets members list and end their
// sessions. Nothing else in the board touches scs. It also owns CSRF:
// members' tokens live in their session; a visitor has no session, and
// their token is signed and bound to a random cookie (OWASP's signed
// double-submit cookie), so looking at the board stores nothing.
type sessions struct {
	sm       *scs.SessionManager
	index    models.SessionIndex
	users    models.Users
	secrets  models.Secrets
	throttle models.Throttle
	now      func() time.Time
	logErr   func(c echo.Context, msg string, err error)
	// visitorCookie names the cookie a visitor's CSRF token is bound to.
	visitorCookie string
}

// newSessions configures scs over store: HttpOnly, SameSite=Lax, and on
// https Secure with the __Host- prefix (no Domain, Path=/), which stops
// subdomains from planting a session cookie. Tokens are hashed in the store,
// so a leaked database holds no live cookie.
func newSessions(store scs.CtxStore, https bool, st *models.Stores, now func() time.Time) *sessions {
	sm := scs.New()
	sm.Store = prefetchedStore{store}
	sm.Codec = sessionCodec{}
	sm.HashTokenInStore = true
	// No scs IdleTimeout: with one, scs rewrites the session on every
	// request. The index enforces the idle timeout instead, from a last-seen
	// it updates at most once a minute (member).
	sm.Lifetime = SessionLifetime
	sm.Cookie.Name = "board_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false // only "remember me" makes the cookie outlive the browser
	s := &sessions{sm: sm, index: st.SessionIndex, users: st.Users, secrets: st.Secrets, throttle: st.Throttle, now: now, visitorCookie: "board_visitor"}
	if https {
		sm.Cookie.Name = "__Host-board_session"
		sm.Cookie.Secure = true
		s.visitorCookie = "__Host-board_visitor"
	}
	return s
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

// prefetched is this request's stored session as load read it, with its
// index row and member, so neither scs nor member reads it again.
type prefetched struct {
	hash   string
	stored *models.StoredSession // nil: no such session
}

type prefetchedKey struct{}

// prefetchedStore answers scs's read of the session load already made.
type prefetchedStore struct{ scs.CtxStore }

func (p prefetchedStore) FindCtx(ctx context.Context, hash string) ([]byte, bool, error) {
	if pf, ok := ctx.Value(prefetchedKey{}).(*prefetched); ok && pf.hash == hash {
		if pf.stored == nil {
			return nil, false, nil
		}
		return pf.stored.Data, true, nil
	}
	return p.CtxStore.FindCtx(ctx, hash)
}

// load loads the session, in one query with its index row and member, and
// commits it just before the response headers go out, so handlers that
// return errors still keep session changes.
func (s *sessions) load(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.Response().Header().Add("Vary", "Cookie")
		ctx := r.Context()
		var token string
		if ck, err := r.Cookie(s.sm.Cookie.Name); err == nil {
			token = ck.Value
			pf := &prefetched{hash: sessionHash(token)}
			if pf.stored, err = s.index.Load(ctx, pf.hash); err != nil {
				return err
			}
			ctx = context.WithValue(ctx, prefetchedKey{}, pf)
		}
		ctx, err := s.sm.Load(ctx, token)
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

// member returns who this session is signed in as, read afresh with the
// session on every request so a suspension or role change counts on the
// very next one, and whether the index still holds the session (not
// revoked, not idle too long). It notes the session's use at most once a
// minute. It is nil for a visitor; models.ErrNotFound means the member is
// gone.
func (s *sessions) member(ctx context.Context, clientIP string) (*models.User, bool, error) {
	id := s.userID(ctx)
	if id == 0 {
		return nil, false, nil
	}
	pf, _ := ctx.Value(prefetchedKey{}).(*prefetched)
	if pf == nil || pf.stored == nil || pf.stored.Member == nil || pf.stored.Member.ID != id {
		// The index no longer holds this member's session: it was revoked,
		// or the member is gone.
		u, err := s.users.ByID(ctx, id)
		return u, false, err
	}
	stored := pf.stored
	if stored.Live && s.now().Sub(stored.LastSeen) >= lastSeenResolution {
		if err := s.index.Seen(ctx, pf.hash, clientIP, s.expiry(ctx)); err != nil {
			return nil, false, err
		}
	}
	return stored.Member, stored.Live, nil
}

// lastSeenResolution is how often a session's last use is written: it is a
// hint for the member and the idle timeout, not worth a write per request.
const lastSeenResolution = time.Minute

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
// audit row. how says how the member signed in, e.g. "with password";
// notice is mailed if the device or network is new to the account.
func (s *sessions) signIn(ctx context.Context, u *models.User, remember bool, how string, from models.Actor, userAgent string,
	notice *models.Mail) error {
	if err := s.admitNew(ctx, from.ClientIP); err != nil {
		return err
	}
	// Nothing of whoever used this browser before carries over.
	if err := s.sm.Clear(ctx); err != nil {
		return err
	}
	if err := s.renewToken(ctx, u.ID, how, from, userAgent, notice); err != nil {
		return err
	}
	s.sm.Put(ctx, keyUserID, u.ID)
	s.sm.RememberMe(ctx, remember)
	return nil
}

// renew gives a signed-in session a new token and CSRF token on a privilege
// change (a new password, a new way to sign in).
func (s *sessions) renew(ctx context.Context, userID int64, from models.Actor, userAgent string) error {
	return s.renewToken(ctx, userID, "", from, userAgent, nil)
}

// renewToken keeps the index in step with a new token: the old one is
// forgotten, the new one recorded.
func (s *sessions) renewToken(ctx context.Context, userID int64, signIn string, from models.Actor, userAgent string, notice *models.Mail) error {
	if err := s.index.Forget(ctx, s.currentHash(ctx)); err != nil {
		return err
	}
	if err := s.sm.RenewToken(ctx); err != nil {
		return err
	}
	s.sm.Put(ctx, keyCSRF, randomToken(32))
	return s.index.Record(ctx, models.NewSession{Hash: s.currentHash(ctx), UserID: userID, UserAgent: userAgent,
		ClientIP: from.ClientIP, ExpiresAt: s.expiry(ctx), SignIn: signIn, NewSourceNotice: notice})
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

// admitNew counts a session about to be stored for the first time against
// its address's limit, so no one can fill the database with sessions.
func (s *sessions) admitNew(ctx context.Context, clientIP string) error {
	if s.sm.Token(ctx) != "" {
		return nil
	}
	_, wait, err := s.throttle.Begin(ctx, models.NewSessionKey(clientIP))
	if err == nil && wait > 0 {
		err = &auth.Throttled{Wait: wait, What: "new sessions"}
	}
	return err
}

// startAnonymous makes a session for a visitor who needs one, short-lived.
func (s *sessions) startAnonymous(ctx context.Context, clientIP string) error {
	if s.userID(ctx) != 0 {
		return nil
	}
	if err := s.admitNew(ctx, clientIP); err != nil {
		return err
	}
	s.sm.SetDeadline(ctx, s.now().Add(anonymousSessionLifetime))
	return nil
}

// csrfToken is the token this request's forms must send back: the
// session's for a member; for everyone else a signed one bound to the
// visitor cookie (set here if missing) that expires with
// anonymousSessionLifetime. "" if the signing key is unavailable.
func (s *sessions) csrfToken(c echo.Context) string {
	ctx := c.Request().Context()
	if s.userID(ctx) != 0 {
		token := s.sm.GetString(ctx, keyCSRF)
		if token == "" {
			token = randomToken(32)
			s.sm.Put(ctx, keyCSRF, token)
		}
		return token
	}
	nonce := s.visitorNonce(c)
	if nonce == "" {
		nonce = randomToken(32)
		c.Set(ctxVisitor, nonce)
		http.SetCookie(c.Response(), &http.Cookie{Name: s.visitorCookie, Value: nonce, Path: "/", HttpOnly: true,
			Secure: s.sm.Cookie.Secure, SameSite: http.SameSiteLaxMode})
	}
	expires := strconv.FormatInt(s.now().Add(anonymousSessionLifetime).Unix(), 10)
	mac, err := s.visitorMAC(ctx, nonce, expires)
	if err != nil {
		s.logErr(c, "csrf key", err)
		return ""
	}
	return expires + "." + mac
}

// csrfValid reports whether got is a token csrfToken gave this browser,
// and for a visitor one that has not expired.
func (s *sessions) csrfValid(c echo.Context, got string) bool {
	ctx := c.Request().Context()
	if s.userID(ctx) != 0 {
		want := s.sm.GetString(ctx, keyCSRF)
		return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	}
	nonce := s.visitorNonce(c)
	expires, mac, ok := strings.Cut(got, ".")
	unix, err := strconv.ParseInt(expires, 10, 64)
	if nonce == "" || !ok || err != nil || s.now().Unix() >= unix {
		return false
	}
	want, err := s.visitorMAC(ctx, nonce, expires)
	if err != nil {
		s.logErr(c, "csrf key", err)
		return false
	}
	return subtle.ConstantTimeCompare([]byte(mac), []byte(want)) == 1
}

// visitorNonce is the random value of this browser's visitor cookie.
func (s *sessions) visitorNonce(c echo.Context) string {
	if nonce, ok := c.Get(ctxVisitor).(string); ok {
		return nonce
	}
	if ck, err := c.Cookie(s.visitorCookie); err == nil && len(ck.Value) >= 32 && len(ck.Value) <= 64 {
		return ck.Value
	}
	return ""
}

// visitorMAC signs a visitor token with the server's CSRF key: only this
// server can make one, it holds until expires (unix seconds), and only the
// browser holding the cookie can send both.
func (s *sessions) visitorMAC(ctx context.Context, nonce, expires string) (string, error) {
	key, err := s.secrets.Secret(ctx, models.SecretCSRF)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	io.WriteString(mac, "visitor-csrf\x00"+nonce+"\x00"+expires)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// flash keeps a message for the next page. A visitor's session made only
// for it (after signing out) is short-lived.
func (s *sessions) flash(ctx context.Context, msg string) {
	if s.userID(ctx) == 0 && s.sm.Token(ctx) == "" {
		s.sm.SetDeadline(ctx, s.now().Add(anonymousSessionLifetime))
	}
	s.sm.Put(ctx, keyFlash, msg)
}

func (s *sessions) popFlash(ctx context.Context) string { return s.sm.PopString(ctx, keyFlash) }
func (s *sessions) setReauth(ctx context.Context, until time.Time) {
	s.sm.Put(ctx, keyReauthUntil, until.Unix())
}

// reauthenticated reports whether a provider re-authentication is still fresh.
func (s *sessions) reauthenticated(ctx context.Context) bool {
	return s.now().Unix() < s.sm.GetInt64(ctx, keyReauthUntil)
}

// putPending keeps a started social sign-in for its callback; a visitor
// gets a session for it here.
func (s *sessions) putPending(ctx context.Context, provider string, p oauthPending, clientIP string) error {
	if err := s.startAnonymous(ctx, clientIP); err != nil {
		return err
	}
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

// putLinkToken keeps the hash of a mailed link's token, so the page it
// opens can drop the token from its URL before anything renders.
func (s *sessions) putLinkToken(ctx context.Context, kind, hash string) {
	s.sm.Put(ctx, keyLinkPfx+kind, hash)
}

// linkToken is the hash kept by putLinkToken ("" if none).
func (s *sessions) linkToken(ctx context.Context, kind string) string {
	return s.sm.GetString(ctx, keyLinkPfx+kind)
}

// dropLinkToken forgets a used link.
func (s *sessions) dropLinkToken(ctx context.Context, kind string) { s.sm.Remove(ctx, keyLinkPfx+kind) }

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
