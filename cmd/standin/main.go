// Command standin serves the local stand-in Google/Facebook OAuth provider on
// its own, for the board's demo mode:
//
//	go run ./cmd/standin -addr 127.0.0.1:9999
//
// It is a test double, so it only ever listens on a loopback address.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"board/handlers/standin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9999", "loopback host:port to listen on")
	gID := flag.String("google-client-id", "demo-google", "Google client ID")
	gSecret := flag.String("google-client-secret", "demo-google-secret", "Google client secret")
	fbID := flag.String("facebook-client-id", "demo-facebook", "Facebook client ID")
	fbSecret := flag.String("facebook-client-secret", "demo-facebook-secret", "Facebook client secret")
	redirectBase := flag.String("redirect-base", "http://127.0.0.1:8080", "base URL of the board; callbacks are under /auth/{google,facebook}/callback")
	flag.Parse()
	if err := run(*addr, strings.TrimSuffix(*redirectBase, "/"),
		standin.Client{ID: *gID, Secret: *gSecret}, standin.Client{ID: *fbID, Secret: *fbSecret}); err != nil {
		log.Fatal("standin: ", err)
	}
}

func run(addr, redirectBase string, g, fb standin.Client) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing to listen on %q: the stand-in provider is a test double and serves loopback only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	tcp := ln.Addr().(*net.TCPAddr)
	if !tcp.IP.IsLoopback() { // "localhost" could resolve to anything
		return fmt.Errorf("refusing to serve on non-loopback %s", tcp)
	}
	// Keep the host as typed so the issuer matches what the board is told.
	issuer := "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port))

	g.RedirectURIs = []string{redirectBase + "/auth/google/callback"}
	fb.RedirectURIs = []string{redirectBase + "/auth/facebook/callback"}
	p, err := standin.New(standin.Config{Issuer: issuer, Google: []standin.Client{g}, Facebook: []standin.Client{fb}})
	if err != nil {
		return err
	}

	fmt.Printf("stand-in OAuth provider (NOT the real Google or Facebook)\n")
	fmt.Printf("issuer:    %s (discovery at %s)\n", issuer, issuer+standin.DiscoveryPath)
	fmt.Printf("google:   client_id=%s client_secret=%s redirect_uri=%s\n", g.ID, g.Secret, g.RedirectURIs[0])
	fmt.Printf("          auth=%s token=%s userinfo=%s\n", issuer+standin.GoogleAuthPath, issuer+standin.GoogleTokenPath, issuer+standin.GoogleUserinfoPath)
	fmt.Printf("facebook: client_id=%s client_secret=%s redirect_uri=%s\n", fb.ID, fb.Secret, fb.RedirectURIs[0])
	fmt.Printf("          auth=%s token=%s me=%s\n", issuer+standin.FacebookAuthPath, issuer+standin.FacebookTokenPath, issuer+standin.FacebookGraphPath+"/me")

	srv := &http.Server{Handler: p.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
