package tokens

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"board/models"
)

// AccessAlgorithm signs access tokens. It is the only algorithm their
// verification accepts: never "none", never HS* (which would let anyone
// holding the public key sign), never whatever a token's header asks for.
const AccessAlgorithm = jose.ES256

// accessType is the "typ" of an access token (RFC 9068 §2.1), so no other
// JWT the board signs (an ID token, later) passes as one.
const accessType = "at+jwt"

// allowedHeaders are the only header parameters an access token may carry.
// jwk, jku, x5u, x5c and crit are refused: a token never chooses its own key.
var allowedHeaders = map[string]bool{"alg": true, "kid": true, "typ": true}

// extraClaims are RFC 9068's claims beyond the registered ones, and "sid",
// the family the token belongs to.
type extraClaims struct {
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	FamilyID string `json:"sid"`
}

type accessClaims struct {
	jwt.Claims
	extraClaims
}

// sign mints an access token of family f for userID with the newest live key.
func (s *Service) sign(ctx context.Context, userID int64, f *models.TokenFamily) (string, time.Time, error) {
	key, err := s.signingKey(ctx, AccessAlgorithm)
	if err != nil {
		return "", time.Time{}, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: AccessAlgorithm, Key: jose.JSONWebKey{Key: key.private, KeyID: key.id}},
		(&jose.SignerOptions{}).WithType(accessType))
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	expires := now.Add(s.accessTTL)
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", time.Time{}, err
	}
	claims := jwt.Claims{
		Issuer:   s.issuer,
		Subject:  strconv.FormatInt(userID, 10),
		Audience: jwt.Audience{s.Audience()},
		Expiry:   jwt.NewNumericDate(expires),
		IssuedAt: jwt.NewNumericDate(now),
		ID:       base64.RawURLEncoding.EncodeToString(jti),
	}
	extra := extraClaims{ClientID: f.ClientID, Scope: f.Scope, FamilyID: strconv.FormatInt(f.ID, 10)}
	raw, err := jwt.Signed(signer).Claims(claims).Claims(extra).Serialize()
	return raw, expires.Truncate(time.Second), err
}

// verify checks an access token's form, header, signature and claims:
// everything that needs no database (the keys are in memory, re-read only
// when a token names a key this process has not seen).
func (s *Service) verify(ctx context.Context, raw string) (*accessClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{AccessAlgorithm})
	if err != nil {
		return nil, &InvalidToken{"it is not a compact JWS signed with " + string(AccessAlgorithm)}
	}
	if err := checkHeader(raw); err != nil {
		return nil, err
	}
	kid := tok.Headers[0].KeyID
	key, ok, err := s.ring.get(ctx, s, kid)
	if err != nil {
		return nil, err
	}
	if !ok || key.alg != AccessAlgorithm {
		return nil, &InvalidToken{"it names a signing key (kid) this board does not have"}
	}
	var c accessClaims
	if err := tok.Claims(key.public, &c.Claims, &c.extraClaims); err != nil {
		return nil, &InvalidToken{"its signature does not verify"}
	}
	err = c.ValidateWithLeeway(jwt.Expected{Issuer: s.issuer, AnyAudience: jwt.Audience{s.Audience()}, Time: s.now()}, Leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return nil, &InvalidToken{"it expired at " + c.Expiry.Time().UTC().Format(time.RFC3339)}
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return nil, &InvalidToken{"it was issued by " + strconv.Quote(c.Issuer) + ", not by this board"}
	case errors.Is(err, jwt.ErrInvalidAudience):
		return nil, &InvalidToken{"it is meant for another audience, not " + s.Audience()}
	case err != nil:
		return nil, &InvalidToken{"its claims are not valid now"}
	// Optional in JWT, required of an access token (RFC 9068 §2.2).
	case c.Expiry == nil || c.IssuedAt == nil || c.Subject == "" || c.ID == "" || c.ClientID == "":
		return nil, &InvalidToken{"it lacks a required claim (exp, iat, sub, jti, client_id)"}
	}
	return &c, nil
}

// checkHeader allows exactly the header parameters an access token has.
// go-jose has already checked "alg"; typ is compared as RFC 9068 says.
func checkHeader(raw string) error {
	encoded, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return &InvalidToken{"its header is not base64url"}
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b, &h); err != nil {
		return &InvalidToken{"its header is not a JSON object"}
	}
	for name := range h {
		if !allowedHeaders[name] {
			return &InvalidToken{"its header carries " + strconv.Quote(name) + ", which this board never accepts"}
		}
	}
	var typ string
	if json.Unmarshal(h["typ"], &typ) != nil || !strings.EqualFold(strings.TrimPrefix(strings.ToLower(typ), "application/"), accessType) {
		return &InvalidToken{`its "typ" is not "at+jwt": it is not an access token`}
	}
	return nil
}

// Inspect decodes a token's header and payload for display, indented. It
// verifies nothing: the /learn pages show tokens the board just issued.
func Inspect(raw string) (header, payload string) {
	parts := strings.Split(raw, ".")
	show := func(i int) string {
		if i >= len(parts) {
			return ""
		}
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		var out bytes.Buffer
		if err != nil || json.Indent(&out, b, "", "  ") != nil {
			return ""
		}
		return out.String()
	}
	return show(0), show(1)
}
