package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"board/models/mail"
	"board/models/tokens"
)

// config is the board's settings: each flag falls back to a BOARD_*
// environment variable, then to a default.
type config struct {
	Addr           string
	DBPath         string
	DBSync         string // "normal" or "full"
	BaseURL        string
	Demo           bool
	AccessTokenTTL time.Duration
	TrustedProxies []*net.IPNet
	Google         oauthClient
	Facebook       oauthClient
	// SMTP is where mail goes (from BOARD_SMTP_URL only: it may hold a
	// password); nil means nowhere yet, and mail waits in the outbox.
	SMTP *mail.SMTPConfig
}

// oauthClient is one provider's registration. Secrets come only from the
// environment, never flags, so they do not show in the process list.
type oauthClient struct {
	ID, Secret string
	Issuer     string // Google (OIDC discovery)
	AuthURL    string // Facebook
	TokenURL   string // Facebook
	GraphURL   string // Facebook
}

func (o oauthClient) configured() bool { return o.ID != "" && o.Secret != "" }

// Facebook's endpoints are versioned; override them to move to a newer version.
const (
	defaultGoogleIssuer     = "https://accounts.google.com"
	defaultFacebookAuthURL  = "https://www.facebook.com/v21.0/dialog/oauth"
	defaultFacebookTokenURL = "https://graph.facebook.com/v21.0/oauth/access_token"
	defaultFacebookGraphURL = "https://graph.facebook.com/v21.0"
)

func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(key, def string) string { return envOr(getenv, key, def) }
	var c config
	var proxies string
	fs.StringVar(&c.Addr, "addr", env("BOARD_ADDR", "127.0.0.1:8080"), "listen address (BOARD_ADDR)")
	fs.StringVar(&c.DBPath, "db", env("BOARD_DB", "board.db"), "SQLite database file (BOARD_DB)")
	fs.StringVar(&c.DBSync, "db-sync", env("BOARD_DB_SYNC", "normal"), "durability of each commit: normal (survives the process dying) or full (also survives power loss; slower writes) (BOARD_DB_SYNC)")
	fs.StringVar(&c.BaseURL, "base-url", env("BOARD_BASE_URL", ""), "public URL of the board, e.g. https://board.example.org (BOARD_BASE_URL; default http://ADDR)")
	fs.StringVar(&proxies, "trusted-proxies", env("BOARD_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (BOARD_TRUSTED_PROXIES)")
	fs.StringVar(&c.Google.ID, "google-client-id", env("BOARD_GOOGLE_CLIENT_ID", ""), "Google OAuth client id (BOARD_GOOGLE_CLIENT_ID; secret from BOARD_GOOGLE_CLIENT_SECRET)")
	fs.StringVar(&c.Google.Issuer, "google-issuer", env("BOARD_GOOGLE_ISSUER", defaultGoogleIssuer), "OpenID Connect issuer for Google sign-in (BOARD_GOOGLE_ISSUER)")
	fs.StringVar(&c.Facebook.ID, "facebook-client-id", env("BOARD_FACEBOOK_CLIENT_ID", ""), "Facebook app id (BOARD_FACEBOOK_CLIENT_ID; secret from BOARD_FACEBOOK_CLIENT_SECRET)")
	fs.StringVar(&c.Facebook.AuthURL, "facebook-auth-url", env("BOARD_FACEBOOK_AUTH_URL", defaultFacebookAuthURL), "Facebook authorize URL (BOARD_FACEBOOK_AUTH_URL)")
	fs.StringVar(&c.Facebook.TokenURL, "facebook-token-url", env("BOARD_FACEBOOK_TOKEN_URL", defaultFacebookTokenURL), "Facebook token URL (BOARD_FACEBOOK_TOKEN_URL)")
	fs.StringVar(&c.Facebook.GraphURL, "facebook-graph-url", env("BOARD_FACEBOOK_GRAPH_URL", defaultFacebookGraphURL), "Facebook Graph API base URL (BOARD_FACEBOOK_GRAPH_URL)")
	var mailFrom string
	fs.StringVar(&mailFrom, "mail-from", env("BOARD_MAIL_FROM", ""), "From address of the board's mail, e.g. \"Board <board@example.org>\" (BOARD_MAIL_FROM; the server from BOARD_SMTP_URL)")
	c.Google.Secret = getenv("BOARD_GOOGLE_CLIENT_SECRET")
	c.Facebook.Secret = getenv("BOARD_FACEBOOK_CLIENT_SECRET")
	ttl := fs.String("access-token-ttl", env("BOARD_ACCESS_TOKEN_TTL", tokens.DefaultAccessTTL.String()), "lifetime of API access tokens, a Go duration (BOARD_ACCESS_TOKEN_TTL)")
	fs.BoolVar(&c.Demo, "demo", false, "demo mode: seed demo members and posts and start the local stand-in for Google and Facebook sign-in")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.DBSync != "normal" && c.DBSync != "full" {
		return nil, fmt.Errorf("BOARD_DB_SYNC must be normal or full, not %q", c.DBSync)
	}
	var err error
	if c.AccessTokenTTL, err = time.ParseDuration(*ttl); err != nil {
		return nil, fmt.Errorf("BOARD_ACCESS_TOKEN_TTL: %w", err)
	}
	if err := tokens.CheckAccessTTL(c.AccessTokenTTL); err != nil {
		return nil, fmt.Errorf("BOARD_ACCESS_TOKEN_TTL: %w", err)
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if strings.Contains(p, ":") {
				p += "/128"
			} else {
				p += "/32"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("BOARD_TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("base URL %q must look like https://board.example.org (no path)", c.BaseURL)
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	if raw := getenv("BOARD_SMTP_URL"); raw != "" {
		smtp, err := mail.ParseSMTPURL(raw)
		if err != nil {
			return nil, fmt.Errorf("BOARD_SMTP_URL: %w", err)
		}
		if smtp.From = mailFrom; smtp.From == "" {
			return nil, errors.New("BOARD_SMTP_URL is set: set BOARD_MAIL_FROM (or -mail-from) too, e.g. \"Board <board@example.org>\"")
		}
		c.SMTP = &smtp
	}
	for name, o := range map[string]oauthClient{"GOOGLE": c.Google, "FACEBOOK": c.Facebook} {
		if (o.ID == "") != (o.Secret == "") {
			return nil, fmt.Errorf("set both BOARD_%s_CLIENT_ID and BOARD_%s_CLIENT_SECRET, or neither", name, name)
		}
	}
	return &c, nil
}
