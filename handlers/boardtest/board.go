// Package boardtest runs the real board for tests, as cmd/board wires it:
// the SQL stores over a SQLite file, the auth service and the handlers, on
// one advanceable clock, behind httptest on loopback. It also holds the
// browser-like Client (usable against any base URL, such as a board started
// by cmd/board's run), the assertions on its responses, and the driver for a
// social sign-in through the local stand-in for Google and Facebook.
package boardtest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/labstack/echo/v4"

	"board/db"
	"board/handlers"
	"board/handlers/social"
	"board/models"
	"board/models/auth"
	"board/models/clocktest"
	"board/models/mail"
	"board/models/tokens"
	"board/views"
)

// Options configures New. The zero value is the board as cmd/board serves it
// on plain http, without social sign-in.
type Options struct {
	// DBPath is the SQLite file; "" is a fresh one in a temp dir. Naming the
	// file of a stopped board restarts on its data.
	DBPath          string
	TrustedProxies  []*net.IPNet  // handlers.Deps.TrustedProxies
	ThrottleWindow  time.Duration // 0: auth.ThrottleWindow
	Social          bool          // "Sign in with Google/Facebook" through the stand-in
	ProviderTimeout time.Duration // the board's provider client; 0: 10s, as in cmd/board
	// StandinBehind sets the stand-in's clock that far behind the board's,
	// so the sign-ins it reports look old.
	StandinBehind time.Duration
	// FacebookGraphURL replaces the stand-in's Graph API for the board's
	// Facebook client, e.g. with an address where nothing listens.
	FacebookGraphURL string
	// BaseURL is the board's configured public URL (handlers.Deps.BaseURL),
	// as when it runs behind a proxy under another name.
	BaseURL string
	// PostingLimits replaces the board's per-member posting limits (zero:
	// the defaults), for benchmarks that publish in a loop.
	PostingLimits models.PostingLimits
	// Mailbox serves /dev/mailbox, as demo mode does.
	Mailbox bool
	// MailServer names an SMTP server for the admin page ("": none).
	MailServer string
}

// Board is one running board. Its stores are the ones the handlers use, so
// tests seed and check state through the stores' public API.
type Board struct {
	*models.Stores
	URL    string
	DBPath string
	Echo   *echo.Echo
	// Clock is the board's clock (the stores', the auth service's and the
	// handlers'; the stand-in's too): advance it to let time pass.
	Clock *clocktest.Clock
	// Logs is everything the board logged. An ERROR line fails the test:
	// it means an unexpected internal failure.
	Logs    *Logs
	Standin *Standin // nil without Options.Social
	// Tokens is the board's token service (its issuer is URL).
	Tokens *tokens.Service

	tb       testing.TB
	srv      *httptest.Server
	db       *db.DB
	sessions scs.IterableStore
}

// New starts a board for one test; it stops when the test ends.
func New(tb testing.TB, o Options) *Board {
	tb.Helper()
	if o.DBPath == "" {
		o.DBPath = filepath.Join(tb.TempDir(), "board.db")
	}
	if o.ThrottleWindow == 0 {
		o.ThrottleWindow = auth.ThrottleWindow
	}
	if o.ProviderTimeout == 0 {
		o.ProviderTimeout = 10 * time.Second
	}
	d, err := db.Open(o.DBPath)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	// The listener exists before the server starts, so the stand-in can be
	// told the board's callback URLs.
	srv := httptest.NewUnstartedServer(nil)
	b := &Board{URL: "http://" + srv.Listener.Addr().String(), DBPath: o.DBPath, Clock: clocktest.Running(), Logs: &Logs{},
		tb: tb, srv: srv, db: d}
	b.Stores = db.NewStores(d, b.Clock.Now, o.ThrottleWindow)
	sessionStore, stopCleanup := d.SessionStore(0, b.Clock.Now)
	tb.Cleanup(stopCleanup)
	b.sessions, _ = sessionStore.(scs.IterableStore)
	var providers []social.Provider
	if o.Social {
		b.Standin, providers = startStandin(tb, b.URL, b.Clock, o)
	}
	baseURL := o.BaseURL
	if baseURL == "" {
		baseURL = b.URL
	}
	b.Tokens = tokens.New(b.Stores, b.Clock.Now, tokens.Config{Issuer: baseURL})
	if err := b.Tokens.EnsureKeys(context.Background()); err != nil {
		tb.Fatal(err)
	}
	b.Echo = handlers.New(handlers.Deps{
		Stores:         b.Stores,
		Auth:           auth.New(b.Stores, mail.NewComposer(views.Letters{}, b.URL, b.Clock.Now), b.Clock.Now),
		Tokens:         b.Tokens,
		SessionStore:   sessionStore,
		Logger:         slog.New(slog.NewTextHandler(b.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Social:         providers,
		TrustedProxies: o.TrustedProxies,
		BaseURL:        baseURL,
		Now:            b.Clock.Now,
		PostingLimits:  o.PostingLimits,
		Mailbox:        o.Mailbox,
		MailServer:     o.MailServer,
	})
	srv.Config.Handler = b.Echo
	srv.Start()
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() {
		for _, line := range b.Logs.ErrorLines() {
			tb.Errorf("board logged an error: %s", line)
		}
	})
	return b
}

// Stop ends the board as a process would end: the server stops and the
// database closes. Another New on the same DBPath is the restart.
func (b *Board) Stop() {
	b.tb.Helper()
	b.srv.Close()
	if err := b.db.Close(); err != nil {
		b.tb.Fatal(err)
	}
}

// StoredSessions is how many sessions the session store holds.
func (b *Board) StoredSessions(t testing.TB) int {
	t.Helper()
	all, err := b.sessions.All()
	if err != nil {
		t.Fatal(err)
	}
	return len(all)
}

// Client is a new browser on this board, reporting failures to t.
func (b *Board) Client(t testing.TB) *Client { return NewClient(t, b.URL) }

// Logs collects log output from concurrent requests.
type Logs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ErrorLines are the lines logged at level ERROR.
func (l *Logs) ErrorLines() []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			out = append(out, line)
		}
	}
	return out
}

// loopback dials loopback addresses only and never uses a proxy: nothing a
// test sends can reach a real provider or any other host.
var loopback = &http.Transport{
	DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, &net.AddrError{Err: "boardtest dials loopback addresses only", Addr: addr}
		}
		return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
	},
}

// SignedIn is a new browser signed in through the form.
func (b *Board) SignedIn(t testing.TB, email, password string) *Client {
	t.Helper()
	c := b.Client(t)
	c.Login(email, password)
	return c
}
