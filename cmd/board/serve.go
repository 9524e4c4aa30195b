package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"board/db"
	"board/handlers"
	"board/models"
	"board/models/auth"
	"board/models/mail"
	"board/models/tokens"
	"board/views"
)

// openStores opens and migrates the database and builds its stores on the
// real clock.
func openStores(ctx context.Context, path string, opts ...db.Option) (*db.DB, *models.Stores, error) {
	d, err := db.Open(path, opts...)
	if err != nil {
		return nil, nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, db.NewStores(d, time.Now, auth.ThrottleWindow), nil
}

// openExisting is openStores for the operator commands: they work on a
// board's database and never create one, so a mistyped -db is an error
// instead of a new, empty board.
func openExisting(ctx context.Context, path string) (*db.DB, *models.Stores, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("no database at %s: operator commands work on an existing board (start it once, or check -db)", path)
	}
	return openStores(ctx, path)
}

// listeningKey carries a func that serve calls with its base URL once it
// listens: tests start the board on port 0 and learn where it is.
type listeningKey struct{}

func onListening(ctx context.Context, fn func(baseURL string)) context.Context {
	return context.WithValue(ctx, listeningKey{}, fn)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))

	var opts []db.Option
	if cfg.DBSync == "full" {
		opts = append(opts, db.FullSync())
	}
	d, st, err := openStores(ctx, cfg.DBPath, opts...)
	if err != nil {
		return err
	}
	defer d.Close()
	if cfg.Demo {
		// Demo mode publishes an admin's password: never on a reachable
		// address, never into a database with real members.
		if err := checkDemoAllowed(ctx, cfg.Addr, st); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	baseURL := cfg.BaseURL
	if baseURL == "" {
		baseURL = "http://" + ln.Addr().String()
	}

	if cfg.Demo {
		if err := seedDemo(ctx, st, stdout); err != nil {
			return fmt.Errorf("demo seed: %w", err)
		}
		stop, err := startStandIn(cfg, baseURL, stdout)
		if err != nil {
			return fmt.Errorf("demo stand-in provider: %w", err)
		}
		defer stop()
	}

	mailServer, stopMail, err := startMail(ctx, cfg, st, logger)
	if err != nil {
		return err
	}
	defer stopMail()
	if cfg.Demo {
		fmt.Fprintf(stdout, "board: demo mailbox at %s/dev/mailbox (every message the board writes, shown to anyone: demo only)\n", baseURL)
	}
	tokenService := tokens.New(st, time.Now, tokens.Config{Issuer: baseURL, AccessTTL: cfg.AccessTokenTTL})
	if err := tokenService.EnsureKeys(ctx); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}

	composer := mail.NewComposer(views.Letters{}, baseURL, time.Now)
	stopNotificationMail := startNotificationMail(ctx, st, composer, logger)
	defer stopNotificationMail()

	sessionStore, stopCleanup := d.SessionStore(5*time.Minute, time.Now)
	defer stopCleanup()
	e := handlers.New(handlers.Deps{
		Stores:         st,
		Auth:           auth.New(st, composer, time.Now),
		Tokens:         tokenService,
		SessionStore:   sessionStore,
		Social:         socialProviders(cfg, baseURL),
		Logger:         logger,
		BaseURL:        baseURL,
		HTTPS:          strings.HasPrefix(baseURL, "https://"),
		TrustedProxies: cfg.TrustedProxies,
		MailServer:     mailServer,
		Mailbox:        cfg.Demo,
	})

	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	// A copy of the audit head outside the database: with it, `board audit
	// verify -expect-head` can prove no older event was rewritten or removed.
	if id, hash, err := st.Audit.Head(ctx); err == nil && id > 0 {
		logger.Info("audit head", "event", id, "hash", hash)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "board: listening on %s (database %s)\n", baseURL, cfg.DBPath)
	if fn, ok := ctx.Value(listeningKey{}).(func(string)); ok {
		fn(baseURL)
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// mailPoll is how often the mail worker looks for due messages.
const mailPoll = time.Second

// startMail runs the mail worker when an SMTP server is configured and
// returns its name (without password) and a func that stops the worker.
// Without one, mail waits in the outbox, and a non-demo board says so.
func startMail(ctx context.Context, cfg *config, st *models.Stores, logger *slog.Logger) (string, func(), error) {
	if cfg.SMTP == nil {
		if !cfg.Demo {
			logger.Warn("mail: no SMTP server configured (BOARD_SMTP_URL): mail waits in the outbox and is not sent, " +
				"so members cannot confirm addresses or reset forgotten passwords")
		}
		return "", func() {}, nil
	}
	sender, err := mail.NewSMTP(*cfg.SMTP)
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		mail.NewWorker(st.Outbox, sender, time.Now, logger).Run(ctx, mailPoll)
	}()
	logger.Info("mail: sending through SMTP", "server", sender.String(), "from", cfg.SMTP.From)
	return sender.String(), func() { cancel(); <-done }, nil
}

// startNotificationMail runs the notification mailer, which turns the
// notifications members chose to get by mail into messages in the outbox
// (sent by the mail worker, or kept there without SMTP), and returns a func
// that stops it.
func startNotificationMail(ctx context.Context, st *models.Stores, composer *mail.Composer, logger *slog.Logger) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		mail.NewNotificationMailer(st, composer, logger).Run(ctx, mailPoll)
	}()
	return func() { cancel(); <-done }
}
