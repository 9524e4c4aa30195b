package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"board/handlers/social"
	"board/handlers/standin"
)

// providerTimeout bounds every call to Google or Facebook.
const providerTimeout = 10 * time.Second

// socialProviders builds the configured "Sign in with …" providers, with
// fixed redirect URIs under the board's base URL.
func socialProviders(cfg *config, baseURL string) []social.Provider {
	client := &http.Client{Timeout: providerTimeout}
	var out []social.Provider
	if g := cfg.Google; g.configured() {
		out = append(out, social.NewGoogle(g.ID, g.Secret, g.Issuer, baseURL+"/auth/google/callback", client))
	}
	if f := cfg.Facebook; f.configured() {
		out = append(out, social.NewFacebook(f.ID, f.Secret, f.AuthURL, f.TokenURL, f.GraphURL, baseURL+"/auth/facebook/callback", client))
	}
	return out
}

// startStandIn serves the local stand-in for Google and Facebook on a free
// loopback port and points cfg's providers at it. Only demo mode calls it.
func startStandIn(cfg *config, baseURL string, stdout io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	issuer := "http://" + ln.Addr().String()
	cfg.Google = oauthClient{ID: "demo-google", Secret: "demo-google-secret", Issuer: issuer}
	cfg.Facebook = oauthClient{ID: "demo-facebook", Secret: "demo-facebook-secret",
		AuthURL: issuer + standin.FacebookAuthPath, TokenURL: issuer + standin.FacebookTokenPath, GraphURL: issuer + standin.FacebookGraphPath}
	p, err := standin.New(standin.Config{
		Issuer:   issuer,
		Google:   []standin.Client{{ID: cfg.Google.ID, Secret: cfg.Google.Secret, RedirectURIs: []string{baseURL + "/auth/google/callback"}}},
		Facebook: []standin.Client{{ID: cfg.Facebook.ID, Secret: cfg.Facebook.Secret, RedirectURIs: []string{baseURL + "/auth/facebook/callback"}}},
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(stdout, "board: demo stand-in for Google and Facebook sign-in at %s (not the real ones)\n", issuer)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
