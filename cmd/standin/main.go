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

// settings is what the stand-in prints: the lines that point a board's
// Google and Facebook sign-in at it, ready to paste into a shell.
func settings(issuer string, g, fb standin.Client) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stand-in OAuth provider at %s (NOT the real Google or Facebook)\n", issuer)
	fmt.Fprintf(&b, "callbacks allowed: %s and %s\n\n", g.RedirectURIs[0], fb.RedirectURIs[0])
	fmt.Fprintf(&b, "# start the board with these (then: go run ./cmd/board):\n")
	for _, kv := range [][2]string{
		{"BOARD_GOOGLE_ISSUER", issuer},
		{"BOARD_GOOGLE_CLIENT_ID", g.ID},
		{"BOARD_GOOGLE_CLIENT_SECRET", g.Secret},
		{"BOARD_FACEBOOK_CLIENT_ID", fb.ID},
		{"BOARD_FACEBOOK_CLIENT_SECRET", fb.Secret},
		{"BOARD_FACEBOOK_AUTH_URL", issuer + standin.FacebookAuthPath},
		{"BOARD_FACEBOOK_TOKEN_URL", issuer + standin.FacebookTokenPath},
		{"BOARD_FACEBOOK_GRAPH_URL", issuer + standin.FacebookGraphPath},
	} {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], kv[1])
	}
	return b.String()
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

	fmt.Print(settings(issuer, g, fb))

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
