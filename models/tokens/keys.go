package tokens

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"board/models"
)

// signingAlgorithms are the algorithms the board keeps a live key for.
var signingAlgorithms = []jose.SignatureAlgorithm{AccessAlgorithm}

// keyPruneAfter is how long a retired key's private half is kept: far past
// the last token it can have signed (MaxAccessTTL + Leeway).
const keyPruneAfter = 24 * time.Hour

// keyReload is how often verification re-reads the keys, so a rotation or
// a pruned key on another instance is seen within it.
const keyReload = time.Minute

// EnsureKeys makes a signing key for each algorithm that has none live:
// on the board's first start.
func (s *Service) EnsureKeys(ctx context.Context) error {
	keys, err := s.keys.List(ctx)
	if err != nil {
		return err
	}
	for _, alg := range signingAlgorithms {
		if newestLive(keys, alg) != nil {
			continue
		}
		k, err := s.newKey(alg)
		if err != nil {
			return err
		}
		if err := s.keys.Create(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// RotateKeys adds a new key for each algorithm and retires the old ones,
// which stay published until every token they signed has expired. It
// returns the new key ids.
func (s *Service) RotateKeys(ctx context.Context, by models.Actor) ([]string, error) {
	var ids []string
	for _, alg := range signingAlgorithms {
		k, err := s.newKey(alg)
		if err != nil {
			return nil, err
		}
		if err := s.keys.Rotate(ctx, k, s.now().Add(-keyPruneAfter), by); err != nil {
			return nil, err
		}
		ids = append(ids, k.ID)
	}
	return ids, nil
}

// newKey generates a key; its id is its RFC 7638 thumbprint.
func (s *Service) newKey(alg jose.SignatureAlgorithm) (*models.SigningKey, error) {
	if alg != jose.ES256 {
		return nil, errors.New("tokens: no key generator for " + string(alg))
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	jwk := jose.JSONWebKey{Key: priv.Public()}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return &models.SigningKey{ID: base64.RawURLEncoding.EncodeToString(thumb), Algorithm: string(alg), Private: der, CreatedAt: s.now()}, nil
}

func newestLive(keys []*models.SigningKey, alg jose.SignatureAlgorithm) *models.SigningKey {
	for _, k := range keys { // newest first
		if k.Algorithm == string(alg) && k.RetiredAt == nil {
			return k
		}
	}
	return nil
}

// published reports whether a key may still verify tokens at now: it is
// live, or retired so recently that a token it signed may not have expired.
func (s *Service) published(retiredAt *time.Time, now time.Time) bool {
	return retiredAt == nil || now.Before(retiredAt.Add(s.accessTTL+Leeway))
}

type signingKey struct {
	id      string
	private crypto.Signer
}

// signingKey reads the newest live key of alg. Signing reads the database
// every time (it happens only when tokens are issued), so every instance
// signs with the new key as soon as a rotation commits.
func (s *Service) signingKey(ctx context.Context, alg jose.SignatureAlgorithm) (*signingKey, error) {
	keys, err := s.keys.List(ctx)
	if err != nil {
		return nil, err
	}
	k := newestLive(keys, alg)
	if k == nil {
		return nil, ErrNoSigningKey
	}
	priv, err := parsePrivate(k)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: k.ID, private: priv}, nil
}

func parsePrivate(k *models.SigningKey) (crypto.Signer, error) {
	parsed, err := x509.ParsePKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, errors.New("tokens: signing key " + k.ID + " is not a PKCS#8 key")
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, errors.New("tokens: signing key " + k.ID + " cannot sign")
	}
	return signer, nil
}

// JWKS is the public half of every published key, for /.well-known/jwks.json.
func (s *Service) JWKS(ctx context.Context) (jose.JSONWebKeySet, error) {
	keys, err := s.keys.List(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	now := s.now()
	for _, k := range keys {
		if !s.published(k.RetiredAt, now) {
			continue
		}
		priv, err := parsePrivate(k)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: priv.Public(), KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"})
	}
	return set, nil
}

// keyring is the public keys verification uses, kept in memory so a token's
// signature is checked without touching the database.
type keyring struct {
	mu     sync.Mutex
	keys   map[string]verifyKey
	loaded time.Time
}

type verifyKey struct {
	alg       jose.SignatureAlgorithm
	public    crypto.PublicKey
	retiredAt *time.Time
}

// get returns the published key kid. It re-reads the keys when they are a
// minute old or kid is unknown (a key made by a rotation elsewhere).
func (r *keyring) get(ctx context.Context, s *Service, kid string) (verifyKey, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := s.now()
	k, ok := r.keys[kid]
	if !ok || now.Sub(r.loaded) >= keyReload || now.Before(r.loaded) {
		keys, err := s.keys.List(ctx)
		if err != nil {
			return verifyKey{}, false, err
		}
		r.keys = map[string]verifyKey{}
		for _, sk := range keys {
			priv, err := parsePrivate(sk)
			if err != nil {
				return verifyKey{}, false, err
			}
			r.keys[sk.ID] = verifyKey{alg: jose.SignatureAlgorithm(sk.Algorithm), public: priv.Public(), retiredAt: sk.RetiredAt}
		}
		r.loaded = now
		k, ok = r.keys[kid]
	}
	return k, ok && s.published(k.retiredAt, now), nil
}
