// Package standin is a local stand-in OAuth 2.0 provider that speaks
// Google's (OpenID Connect) and Facebook's wire formats. It exists for tests
// and the board's demo mode, and it is deliberately strict: the board's
// security tests rely on it refusing bad requests the way a real provider
// would.
//
// Handler serves every endpoint at the root paths below; if Config.Issuer has
// a path, mount the handler under that prefix with http.StripPrefix.
package standin

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	jose "github.com/go-jose/go-jose/v4"
)

// Endpoint paths, relative to Config.Issuer.
const (
	GoogleAuthPath     = "/o/oauth2/auth"
	GoogleTokenPath    = "/o/oauth2/token"
	GoogleUserinfoPath = "/o/oauth2/userinfo"
	JWKSPath           = "/o/oauth2/certs"
	DiscoveryPath      = "/.well-known/openid-configuration"

	FacebookAuthPath  = "/facebook/dialog/oauth"
	FacebookTokenPath = "/facebook/graph/oauth/access_token"
	FacebookGraphPath = "/facebook/graph" // "me" lives at FacebookGraphPath+"/me"
)

const (
	codeTTL    = 10 * time.Minute
	pendingTTL = 10 * time.Minute
	tokenTTL   = time.Hour
	// maxEntries bounds each in-memory map so a flood of requests cannot
	// exhaust memory; expired entries are dropped first.
	maxEntries = 10000
	maxBody    = 64 << 10
)

// Client is an OAuth client registered with the stand-in.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
}

// Config configures a Provider.
type Config struct {
	Issuer   string           // absolute base URL where Handler() is served, no trailing slash
	Google   []Client         // clients allowed on the OIDC (Google-shaped) endpoints
	Facebook []Client         // clients allowed on the Facebook-shaped endpoints
	Now      func() time.Time // optional, default time.Now
}

type kind int

const (
	google kind = iota
	facebook
)

// flavor holds what differs between the Google and Facebook stand-ins.
type flavor struct {
	kind     kind
	brand    string
	authPath string
	clients  map[string]Client
	scopes   map[string]string // known scope -> plain words for the consent page
}

type identity struct {
	Sub, Email, Name string
	Verified         bool
	AuthTime         time.Time // when the person signed in here (OIDC auth_time)
}

// request is a pending authorize request, kept server-side while the user
// goes through the login and consent pages.
type request struct {
	kind                                  kind
	client, redirectURI, state, challenge string
	nonce                                 string
	hasState                              bool
	scopes                                []string
	who                                   *identity // set once the user has logged in
	expires                               time.Time
}

type grant struct {
	kind                           kind
	client, redirectURI, challenge string
	nonce                          string
	scopes                         []string
	who                            identity
	expires                        time.Time
	used                           bool
	token                          string // access token issued from this code, revoked on replay
}

type accessToken struct {
	kind    kind
	client  string
	scopes  []string
	who     identity
	expires time.Time
}

func (r *request) expiry() time.Time     { return r.expires }
func (g *grant) expiry() time.Time       { return g.expires }
func (t *accessToken) expiry() time.Time { return t.expires }

// Provider is the stand-in provider. Create it with New.
type Provider struct {
	issuer  string
	now     func() time.Time
	flavors [2]*flavor
	kid     string
	key     *rsa.PrivateKey
	signer  jose.Signer
	subKey  []byte // HMAC key making subjects stable per process but unguessable
	pages   *template.Template

	mu          sync.Mutex
	pending     map[string]*request
	codes       map[string]*grant
	tokens      map[string]*accessToken
	faultStatus int
	faultDelay  time.Duration
}

// New validates cfg and generates a fresh RSA-2048 signing key with a random kid.
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("standin: issuer %q must be an absolute http(s) URL without query, fragment or trailing slash", cfg.Issuer)
	}
	p := &Provider{
		issuer:  cfg.Issuer,
		now:     cfg.Now,
		kid:     rand.Text(),
		subKey:  make([]byte, 32),
		pending: map[string]*request{},
		codes:   map[string]*grant{},
		tokens:  map[string]*accessToken{},
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.flavors[google] = &flavor{kind: google, brand: "Google", authPath: GoogleAuthPath, scopes: map[string]string{
		"openid":  "know who you are (a stable account ID)",
		"email":   "see your email address",
		"profile": "see your name",
	}}
	p.flavors[facebook] = &flavor{kind: facebook, brand: "Facebook", authPath: FacebookAuthPath, scopes: map[string]string{
		"public_profile": "see your name and account ID",
		"email":          "see your email address",
	}}
	for i, clients := range [][]Client{cfg.Google, cfg.Facebook} {
		f := p.flavors[i]
		if f.clients, err = clientMap(clients); err != nil {
			return nil, fmt.Errorf("standin: %s: %w", f.brand, err)
		}
	}
	rand.Read(p.subKey)
	if p.key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	p.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: p.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	if p.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return p, nil
}

func clientMap(clients []Client) (map[string]Client, error) {
	m := map[string]Client{}
	for _, c := range clients {
		if c.ID == "" || c.Secret == "" || len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("client %q needs an ID, a secret and at least one redirect URI", c.ID)
		}
		if _, dup := m[c.ID]; dup {
			return nil, fmt.Errorf("client %q registered twice", c.ID)
		}
		for _, ru := range c.RedirectURIs {
			// RFC 6749 §3.1.2: absolute URI without fragment.
			if u, err := url.Parse(ru); err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(ru, "#") {
				return nil, fmt.Errorf("client %q: bad redirect URI %q", c.ID, ru)
			}
		}
		c.RedirectURIs = slices.Clone(c.RedirectURIs)
		m[c.ID] = c
	}
	return m, nil
}

// SetTokenFault makes both token endpoints answer status with a JSON error
// while status != 0; delay, if > 0, is slept (respecting the request context)
// before answering any token request.
func (p *Provider) SetTokenFault(status int, delay time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faultStatus, p.faultDelay = status, delay
}

// Handler serves all endpoints of both stand-ins.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	g, fb := p.flavors[google], p.flavors[facebook]
	mux.HandleFunc("GET "+DiscoveryPath, p.discovery)
	mux.HandleFunc("GET "+JWKSPath, p.jwks)
	mux.HandleFunc("GET "+GoogleAuthPath, p.authorize(g))
	mux.HandleFunc("POST "+GoogleAuthPath, p.interact(g))
	mux.HandleFunc("POST "+GoogleTokenPath, p.token(g))
	mux.HandleFunc("GET "+GoogleUserinfoPath, p.userinfo)
	mux.HandleFunc("GET "+FacebookAuthPath, p.authorize(fb))
	mux.HandleFunc("POST "+FacebookAuthPath, p.interact(fb))
	mux.HandleFunc("POST "+FacebookTokenPath, p.token(fb))
	mux.HandleFunc("GET "+FacebookGraphPath+"/me", p.facebookMe)
	return mux
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + GoogleAuthPath,
		"token_endpoint":                        p.issuer + GoogleTokenPath,
		"userinfo_endpoint":                     p.issuer + GoogleUserinfoPath,
		"jwks_uri":                              p.issuer + JWKSPath,
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"grant_types_supported":                 []string{"authorization_code"},
		"claims_supported":                      []string{"aud", "email", "email_verified", "exp", "iat", "iss", "name", "nonce", "sub"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

// authorize validates an authorization request and shows the login page.
func (p *Provider) authorize(f *flavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		clientID, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
		c, ok := f.clients[clientID]
		// Never redirect to an unverified URI: that would make us an open redirector.
		if !ok || len(q["client_id"]) > 1 {
			p.errorPage(w, f, "Unknown client_id. The app that sent you here is not registered with this stand-in.")
			return
		}
		if !slices.Contains(c.RedirectURIs, redirectURI) || len(q["redirect_uri"]) > 1 {
			p.errorPage(w, f, "redirect_uri does not exactly match a URI registered for this client.")
			return
		}
		req := &request{kind: f.kind, client: clientID, redirectURI: redirectURI,
			state: q.Get("state"), hasState: q.Has("state"), challenge: q.Get("code_challenge")}
		fail := func(code, desc string) {
			v := url.Values{"error": {code}, "error_description": {desc}}
			if req.hasState {
				v.Set("state", req.state)
			}
			redirect(w, r, redirectURI, v, http.StatusFound)
		}
		for k, v := range q { // RFC 6749 §3.1: parameters must not repeat
			if len(v) > 1 {
				fail("invalid_request", "parameter "+k+" is repeated")
				return
			}
		}
		switch rt := q.Get("response_type"); {
		case rt == "":
			fail("invalid_request", "missing response_type")
			return
		case rt != "code":
			fail("unsupported_response_type", "only response_type=code is supported")
			return
		}
		if q.Get("code_challenge_method") != "S256" {
			fail("invalid_request", "PKCE is required with code_challenge_method=S256")
			return
		}
		if b, err := base64.RawURLEncoding.DecodeString(req.challenge); err != nil || len(b) != sha256.Size {
			fail("invalid_request", "code_challenge must be a base64url SHA-256 digest")
			return
		}
		scope := q.Get("scope")
		if f.kind == google {
			req.scopes = strings.Fields(scope)
			req.nonce = q.Get("nonce")
		} else {
			// Facebook takes comma- or space-separated permissions and defaults to public_profile.
			req.scopes = strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
			if len(req.scopes) == 0 {
				req.scopes = []string{"public_profile"}
			}
		}
		if len(req.scopes) == 0 {
			fail("invalid_request", "missing scope")
			return
		}
		slices.Sort(req.scopes)
		req.scopes = slices.Compact(req.scopes)
		for _, s := range req.scopes {
			if _, known := f.scopes[s]; !known {
				fail("invalid_scope", "unknown scope "+s)
				return
			}
		}
		now := p.now()
		req.expires = now.Add(pendingTTL)
		p.mu.Lock()
		id, err := put(p.pending, now, req)
		p.mu.Unlock()
		if err != nil {
			fail("temporarily_unavailable", err.Error())
			return
		}
		p.render(w, http.StatusOK, p.pageFor(f, "login", id, req))
	}
}

// interact handles the login and consent form posts of a pending request.
func (p *Provider) interact(f *flavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			p.errorPage(w, f, "Malformed form submission.")
			return
		}
		form := r.PostForm
		id := form.Get("request_id")
		now := p.now()

		p.mu.Lock()
		req, ok := p.pending[id]
		if !ok || req.kind != f.kind || now.After(req.expires) {
			p.mu.Unlock()
			p.errorPage(w, f, "This sign-in request is unknown or has expired. Start again from the app.")
			return
		}
		if req.who == nil { // login step
			who, problem := readIdentity(f, form)
			if problem == "" {
				who.Sub = p.subject(f.kind, who.Email)
				who.AuthTime = now
				req.who = &who
			}
			page := p.pageFor(f, "consent", id, req)
			p.mu.Unlock()
			if problem != "" {
				page.Page, page.Error, page.Who = "login", problem, who
				p.render(w, http.StatusBadRequest, page)
				return
			}
			p.render(w, http.StatusOK, page)
			return
		}
		decision := form.Get("decision")
		if decision != "allow" && decision != "deny" {
			p.mu.Unlock()
			p.errorPage(w, f, "Choose Allow or Deny.")
			return
		}
		delete(p.pending, id) // one decision per request
		v := url.Values{}
		if req.hasState {
			v.Set("state", req.state)
		}
		if decision == "deny" {
			v.Set("error", "access_denied")
			v.Set("error_description", "The user denied the request.")
		} else {
			code, err := put(p.codes, now, &grant{kind: f.kind, client: req.client, redirectURI: req.redirectURI,
				challenge: req.challenge, nonce: req.nonce, scopes: req.scopes, who: *req.who, expires: now.Add(codeTTL)})
			if err != nil {
				v.Set("error", "temporarily_unavailable")
				v.Set("error_description", err.Error())
			} else {
				v.Set("code", code)
			}
		}
		p.mu.Unlock()
		redirect(w, r, req.redirectURI, v, http.StatusSeeOther)
	}
}

// presets are one-click identities on the login page.
func presets() []identity {
	return []identity{
		{Email: "alice@example.com", Name: "Alice Example", Verified: true},
		{Email: "bob@example.com", Name: "Bob Example", Verified: false},
		{Email: "carol@example.org", Name: "Carol Tester", Verified: true},
	}
}

// readIdentity reads a preset button or the typed identity; problem is
// non-empty when the input is unusable.
func readIdentity(f *flavor, form url.Values) (who identity, problem string) {
	if form.Has("preset") {
		for _, ps := range presets() {
			if presetKey(ps) == form.Get("preset") {
				who = ps
				who.Verified = who.Verified && f.kind == google
				return who, ""
			}
		}
		return who, "Unknown preset identity."
	}
	who.Email = strings.TrimSpace(form.Get("email"))
	who.Name = strings.TrimSpace(form.Get("name"))
	who.Verified = f.kind == google && form.Get("email_verified") != ""
	if who.Email == "" {
		return who, "Email is required."
	}
	if a, err := mail.ParseAddress(who.Email); err != nil || a.Address != who.Email || len(who.Email) > 254 {
		return who, "Enter a plain email address such as alice@example.com."
	}
	if len(who.Name) > 100 {
		return who, "Name is too long."
	}
	if who.Name == "" {
		who.Name, _, _ = strings.Cut(who.Email, "@")
	}
	return who, ""
}

func presetKey(who identity) string {
	key, _, _ := strings.Cut(who.Email, "@")
	return key
}

// subject derives a stable, provider-specific account ID from the email.
func (p *Provider) subject(k kind, email string) string {
	m := hmac.New(sha256.New, p.subKey)
	fmt.Fprintf(m, "%d\x00%s", k, strings.ToLower(email))
	return strconv.FormatUint(binary.BigEndian.Uint64(m.Sum(nil))>>1, 10)
}

// token implements the authorization_code grant for one flavor.
func (p *Provider) token(f *flavor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Read the body before any injected delay: only then does net/http
		// notice (and cancel the context) when the client gives up.
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		parseErr := r.ParseForm()
		p.mu.Lock()
		status, delay := p.faultStatus, p.faultDelay
		p.mu.Unlock()
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if status != 0 {
			code := "invalid_request"
			switch {
			case status == http.StatusServiceUnavailable:
				code = "temporarily_unavailable"
			case status >= 500:
				code = "server_error"
			case status == http.StatusUnauthorized:
				code = "invalid_client"
			}
			tokenError(w, status, code, "injected fault")
			return
		}

		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
			tokenError(w, http.StatusBadRequest, "invalid_request", "body must be application/x-www-form-urlencoded")
			return
		}
		if parseErr != nil {
			tokenError(w, http.StatusBadRequest, "invalid_request", "malformed body")
			return
		}
		form := r.PostForm // never read credentials or codes from the URL
		for k, v := range form {
			if len(v) > 1 {
				tokenError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" is repeated")
				return
			}
		}

		// Client authentication: client_secret_basic or client_secret_post, not both.
		clientID, secret := form.Get("client_id"), form.Get("client_secret")
		usedBasic := r.Header.Get("Authorization") != ""
		if usedBasic {
			if form.Has("client_secret") {
				tokenError(w, http.StatusBadRequest, "invalid_request", "use only one client authentication method")
				return
			}
			id, sec, ok := r.BasicAuth()
			var err1, err2 error
			id, err1 = url.QueryUnescape(id) // RFC 6749 §2.3.1: form-urlencoded before Basic
			sec, err2 = url.QueryUnescape(sec)
			if !ok || err1 != nil || err2 != nil || (form.Has("client_id") && clientID != id) {
				w.Header().Set("WWW-Authenticate", `Basic realm="standin"`)
				tokenError(w, http.StatusUnauthorized, "invalid_client", "malformed client authentication")
				return
			}
			clientID, secret = id, sec
		}
		c, ok := f.clients[clientID]
		if !ok || !secretEqual(c.Secret, secret) {
			if usedBasic {
				w.Header().Set("WWW-Authenticate", `Basic realm="standin"`)
			}
			tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
			return
		}

		switch gt := form.Get("grant_type"); {
		case gt == "":
			tokenError(w, http.StatusBadRequest, "invalid_request", "missing grant_type")
			return
		case gt != "authorization_code":
			tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
			return
		}
		code := form.Get("code")
		if code == "" {
			tokenError(w, http.StatusBadRequest, "invalid_request", "missing code")
			return
		}

		now := p.now()
		p.mu.Lock()
		g, ok := p.codes[code]
		problem := ""
		switch {
		case !ok || g.kind != f.kind:
			problem = "unknown authorization code"
		case g.used:
			// RFC 6749 §4.1.2: a replayed code revokes what it was exchanged for.
			problem = "authorization code already used"
			delete(p.tokens, g.token)
		case now.After(g.expires):
			problem = "authorization code expired"
		case g.client != c.ID:
			problem = "authorization code was issued to another client"
		case g.redirectURI != form.Get("redirect_uri"):
			problem = "redirect_uri does not match the authorization request"
		case !pkceOK(g.challenge, form.Get("code_verifier")):
			problem = "PKCE verification failed"
		}
		if ok {
			g.used = true // single use, even when this exchange fails
		}
		var at string
		var err error
		if problem == "" {
			at, err = put(p.tokens, now, &accessToken{kind: f.kind, client: c.ID, scopes: g.scopes, who: g.who, expires: now.Add(tokenTTL)})
			g.token = at
		}
		p.mu.Unlock()
		if problem != "" {
			tokenError(w, http.StatusBadRequest, "invalid_grant", problem)
			return
		}
		if err != nil {
			tokenError(w, http.StatusServiceUnavailable, "temporarily_unavailable", err.Error())
			return
		}

		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		if f.kind == facebook {
			writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "bearer", "expires_in": int(tokenTTL.Seconds())})
			return
		}
		resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(tokenTTL.Seconds()),
			"scope": strings.Join(g.scopes, " ")}
		if slices.Contains(g.scopes, "openid") {
			idt, err := p.idToken(g, c.ID, at, now)
			if err != nil {
				tokenError(w, http.StatusInternalServerError, "server_error", "cannot sign ID token")
				return
			}
			resp["id_token"] = idt
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

func (p *Provider) idToken(g *grant, clientID, accessToken string, now time.Time) (string, error) {
	h := sha256.Sum256([]byte(accessToken))
	claims := map[string]any{
		"iss": p.issuer, "sub": g.who.Sub, "aud": clientID, "azp": clientID,
		"iat": now.Unix(), "exp": now.Add(tokenTTL).Unix(),
		"at_hash": base64.RawURLEncoding.EncodeToString(h[:len(h)/2]),
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	// The stand-in remembers no sign-ins: every flow shows the login page,
	// so auth_time is always that flow's login.
	claims["auth_time"] = g.who.AuthTime.Unix()
	for k, v := range googleClaims(g.scopes, g.who) {
		claims[k] = v
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// googleClaims returns the identity claims that the granted scopes allow.
func googleClaims(scopes []string, who identity) map[string]any {
	c := map[string]any{"sub": who.Sub}
	if slices.Contains(scopes, "email") {
		c["email"], c["email_verified"] = who.Email, who.Verified
	}
	if slices.Contains(scopes, "profile") {
		c["name"] = who.Name
	}
	return c
}

// lookupToken returns the live access token issued by flavor k.
func (p *Provider) lookupToken(k kind, tok string) (accessToken, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tokens[tok]
	if !ok || t.kind != k || p.now().After(t.expires) {
		return accessToken{}, false
	}
	return *t, true
}

func bearer(r *http.Request) string {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	t, ok := p.lookupToken(google, bearer(r))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": "unknown or expired access token"})
		return
	}
	writeJSON(w, http.StatusOK, googleClaims(t.scopes, t.who))
}

func (p *Provider) facebookMe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tok := q.Get("access_token")
	if tok == "" {
		tok = bearer(r)
	}
	t, ok := p.lookupToken(facebook, tok)
	if !ok {
		facebookError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token.")
		return
	}
	fields := "id,name" // Graph API default
	if q.Has("fields") {
		fields = q.Get("fields")
	}
	out := map[string]string{"id": t.who.Sub}
	for _, fld := range strings.Split(fields, ",") {
		switch fld = strings.TrimSpace(fld); fld {
		case "id", "":
		case "name":
			out["name"] = t.who.Name
		case "email":
			if slices.Contains(t.scopes, "email") { // Facebook omits it without the permission
				out["email"] = t.who.Email
			}
		default:
			facebookError(w, http.StatusBadRequest, 100, fmt.Sprintf("(#100) Tried accessing nonexisting field (%s)", fld))
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func facebookError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code}})
}

// put stores v under a fresh random key, first dropping expired entries.
func put[V interface{ expiry() time.Time }](m map[string]V, now time.Time, v V) (string, error) {
	for k, e := range m {
		if now.After(e.expiry()) {
			delete(m, k)
		}
	}
	if len(m) >= maxEntries {
		return "", errors.New("too many outstanding requests, try again later")
	}
	k := rand.Text() // 130 random bits
	m[k] = v
	return k, nil
}

// secretEqual compares in constant time; hashing first hides the length too.
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// pkceOK checks an RFC 7636 S256 code_verifier against the stored challenge.
func pkceOK(challenge, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, r := range verifier {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

// redirect sends the browser back to a registered redirect URI with params added.
func redirect(w http.ResponseWriter, r *http.Request, target string, params url.Values, status int) {
	u, _ := url.Parse(target) // validated in New
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), status)
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
