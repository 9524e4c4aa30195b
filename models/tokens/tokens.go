// Package tokens is the board's token service: signing keys, short-lived
// access tokens (JWTs per RFC 9068) that are checked by signature, and
// opaque refresh tokens kept hashed in families that rotate on every use.
// The first-party token endpoint uses it now; the OAuth provider will mint
// its grants' tokens through the same calls. It knows nothing of HTTP or SQL.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"board/models"
)

// Lifetimes and limits.
const (
	DefaultAccessTTL = 10 * time.Minute
	// MaxAccessTTL keeps access tokens short: they cannot be recalled
	// without the per-request check, so their lifetime bounds the damage a
	// bug in that check could do.
	MaxAccessTTL = time.Hour
	MinAccessTTL = 30 * time.Second
	// FamilyLifetime is how long one sign-in of a client lasts at most,
	// however often it refreshes; RefreshIdle ends a family nobody uses.
	FamilyLifetime = 30 * 24 * time.Hour
	RefreshIdle    = 14 * 24 * time.Hour
	// Leeway forgives clocks that differ a little when checking exp and iat.
	Leeway = 30 * time.Second
)

// The board's own clients, as opposed to OAuth clients: its token endpoint
// (POST /api/v1/token) and the /learn token page.
const (
	FirstPartyClient = "board"
	LearnPageClient  = "board-learn"
)

// Errors the API turns into answers.
var (
	// ErrInvalidGrant refuses an unknown, expired or malformed refresh token.
	ErrInvalidGrant = errors.New("the refresh token is not valid")
	// ErrNoSigningKey means EnsureKeys was not called.
	ErrNoSigningKey = errors.New("tokens: no live signing key")
)

// InvalidToken refuses a bearer token. Reason is safe to tell the client.
type InvalidToken struct{ Reason string }

func (e *InvalidToken) Error() string { return "invalid access token: " + e.Reason }

// Config is what the service needs to know about the board.
type Config struct {
	Issuer    string        // the board's base URL, exactly: the "iss" of every token
	AccessTTL time.Duration // 0 means DefaultAccessTTL
}

// Service issues, refreshes, revokes and checks tokens.
type Service struct {
	keys      models.SigningKeys
	families  models.TokenFamilies
	now       func() time.Time
	issuer    string
	accessTTL time.Duration
	ring      keyring
}

// New builds the service over the board's stores; now is the board's clock.
func New(st *models.Stores, now func() time.Time, cfg Config) *Service {
	ttl := cfg.AccessTTL
	if ttl == 0 {
		ttl = DefaultAccessTTL
	}
	return &Service{keys: st.SigningKeys, families: st.TokenFamilies, now: now, issuer: cfg.Issuer, accessTTL: ttl,
		ring: keyring{keys: map[string]verifyKey{}}}
}

// CheckAccessTTL returns why ttl cannot be the access-token lifetime, or nil.
func CheckAccessTTL(ttl time.Duration) error {
	if ttl < MinAccessTTL || ttl > MaxAccessTTL {
		return errors.New("access token lifetime must be between " + MinAccessTTL.String() + " and " + MaxAccessTTL.String())
	}
	return nil
}

// Audience is the "aud" of access tokens: the board's API.
func (s *Service) Audience() string { return s.issuer + "/api/v1" }

// AccessTTL is how long an access token lives.
func (s *Service) AccessTTL() time.Duration { return s.accessTTL }

// Grant is what a token family is issued for.
type Grant struct {
	ClientID  string
	Scope     string
	Lifetime  time.Duration // of the family; 0 means FamilyLifetime
	UserAgent string
	ClientIP  string
	How       string // how the member proved who they are, for the audit log
}

// Pair is a freshly issued access and refresh token. Both are secrets of
// the client they are handed to; the board keeps neither.
type Pair struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time // of the access token
	FamilyID     int64
}

// Issue starts a token family for u and returns its first pair.
func (s *Service) Issue(ctx context.Context, u *models.User, g Grant) (*Pair, error) {
	if err := models.CanSignIn(u, "").Err(); err != nil {
		return nil, err
	}
	lifetime := g.Lifetime
	if lifetime == 0 {
		lifetime = FamilyLifetime
	}
	now := s.now()
	refresh, stored := s.newRefreshToken(now)
	f, err := s.families.Start(ctx, models.NewTokenFamily{UserID: u.ID, ClientID: g.ClientID, Scope: g.Scope,
		UserAgent: g.UserAgent, ClientIP: g.ClientIP, ExpiresAt: now.Add(lifetime), How: g.How}, stored)
	if err != nil {
		return nil, err
	}
	return s.pair(ctx, u.ID, f, refresh)
}

// Refresh spends a refresh token and returns the family's next pair. A
// refresh token presented a second time revokes its whole family and
// returns *models.FamilyRevoked (with Reused); so does any token of a
// revoked family. Anything else unknown is ErrInvalidGrant. There is no
// grace period for retries: a client that loses a refresh answer signs in again.
func (s *Service) Refresh(ctx context.Context, refreshToken string, from models.Actor) (*Pair, error) {
	refresh, next := s.newRefreshToken(s.now())
	h, err := s.families.Rotate(ctx, hashToken(refreshToken), next, from)
	if errors.Is(err, models.ErrNotFound) {
		return nil, ErrInvalidGrant
	}
	if err != nil {
		return nil, err
	}
	return s.pair(ctx, h.User.ID, h.Family, refresh)
}

// Revoke revokes the family of a refresh token. Unknown tokens are not an
// error (RFC 7009): the answer must not tell a guesser anything.
func (s *Service) Revoke(ctx context.Context, refreshToken string, by models.Actor) error {
	err := s.families.RevokeByRefresh(ctx, hashToken(refreshToken), models.RevokedByClient, by)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	return err
}

func (s *Service) pair(ctx context.Context, userID int64, f *models.TokenFamily, refresh string) (*Pair, error) {
	access, expires, err := s.sign(ctx, userID, f)
	if err != nil {
		return nil, err
	}
	return &Pair{AccessToken: access, RefreshToken: refresh, ExpiresAt: expires, FamilyID: f.ID}, nil
}

// newRefreshToken returns a refresh token (256 random bits) and the form
// the database keeps: its hash.
func (s *Service) newRefreshToken(now time.Time) (string, models.RefreshToken) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	return token, models.RefreshToken{Hash: hashToken(token), ExpiresAt: now.Add(RefreshIdle)}
}

// hashToken is how a refresh token is stored and looked up. It has 256
// random bits, so a plain SHA-256 is enough: nothing to guess, nothing to salt.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Access is what a verified bearer token lets through: its member as they
// are now, and what the token was granted.
type Access struct {
	User      *models.User
	ClientID  string
	Scope     string
	FamilyID  int64
	ExpiresAt time.Time
}

// Authenticate checks an access token: the signature and the claims first,
// which needs no lookup, then one indexed read, because the board must cut
// tokens off before they expire (a revoked family, a deleted member, a
// password change) and its policy needs the member's current role anyway.
func (s *Service) Authenticate(ctx context.Context, raw string) (*Access, error) {
	c, err := s.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	familyID, err := strconv.ParseInt(c.FamilyID, 10, 64)
	if err != nil {
		return nil, &InvalidToken{"it names no token family"}
	}
	h, err := s.families.Holder(ctx, familyID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, &InvalidToken{"its family no longer exists (the account or the sign-in was deleted)"}
	}
	if err != nil {
		return nil, err
	}
	f := h.Family
	switch {
	case strconv.FormatInt(f.UserID, 10) != c.Subject:
		return nil, &InvalidToken{"its subject does not match its family"}
	case f.RevokedAt != nil:
		return nil, &InvalidToken{"it was revoked: " + f.RevokeReason}
	case !f.ExpiresAt.After(s.now()):
		return nil, &InvalidToken{"its family has expired"}
	case c.IssuedAt.Time().Before(h.TokensValidAfter):
		return nil, &InvalidToken{"it was issued before the member's tokens were cut off"}
	}
	return &Access{User: h.User, ClientID: c.ClientID, Scope: c.Scope, FamilyID: f.ID, ExpiresAt: c.Expiry.Time()}, nil
}
