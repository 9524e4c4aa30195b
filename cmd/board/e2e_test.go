package main

// End-to-end tests: they call run, the same entry point main uses, on port 0
// with a fresh SQLite file, and talk to the board over loopback HTTP only.

import (
	"board/db"
	"board/handlers/boardtest"
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Demo accounts that `-demo` seeds (see demo.go).
const (
	adaEmail      = "ada@example.com"
	adaPassword   = "ada-demo-password"
	aliceEmail    = "alice@example.com"
	alicePassword = "alice-demo-password"
	bobEmail      = "bob@example.com"
	bobPassword   = "bob-demo-password"
)

// sessionCookie is the session cookie's name on plain http (see handlers/sessions.go).
const sessionCookie = "board_session"

// noEnv is the environment of every test board: empty, so no BOARD_* variable
// of the machine running the tests can change what is tested.
func noEnv(string) string { return "" }

type boardProc struct {
	t      *testing.T
	URL    string
	DBPath string
	stdout *boardtest.Logs
	stderr *boardtest.Logs

	cancel context.CancelFunc
	done   chan struct{}
	err    error // what run returned; valid once done is closed

	stopOnce sync.Once
	mu       sync.Mutex
	secrets  []string // strings that must never reach the request log
}

// startBoard runs the board on 127.0.0.1:0 with a fresh database in
// t.TempDir() plus args. It is stopped, and its request log checked for
// leaked secrets, when the test ends.
func startBoard(t *testing.T, args ...string) *boardProc {
	t.Helper()
	return launchBoard(t, filepath.Join(t.TempDir(), "board.db"), args...)
}

// launchBoard is startBoard on a database file of the caller's choosing (so a
// test can restart the board on the same file). run tells it where it
// listens (onListening); it returns once /healthz answers there.
func launchBoard(t *testing.T, dbPath string, args ...string) *boardProc {
	t.Helper()
	return launchBoardEnv(t, dbPath, noEnv, args...)
}

// launchBoardEnv is launchBoard with an environment, for settings that come
// only from it (secrets such as BOARD_SMTP_URL).
func launchBoardEnv(t *testing.T, dbPath string, getenv func(string) string, args ...string) *boardProc {
	t.Helper()
	b := &boardProc{t: t, DBPath: dbPath, stdout: &boardtest.Logs{}, stderr: &boardtest.Logs{}, done: make(chan struct{})}
	listening := make(chan string, 1)
	ctx, cancel := context.WithCancel(onListening(context.Background(), func(baseURL string) { listening <- baseURL }))
	b.cancel = cancel
	full := append([]string{"-addr", "127.0.0.1:0", "-db", dbPath}, args...)
	go func() {
		defer close(b.done)
		b.err = run(ctx, full, getenv, b.stdout, b.stderr)
	}()
	t.Cleanup(func() {
		if err := b.stop(); err != nil {
			t.Errorf("run %v returned %v when stopped, want nil", full, err)
		}
		b.checkLogs()
		if t.Failed() {
			t.Logf("board stdout:\n%s", b.stdout)
			t.Logf("board stderr:\n%s", b.stderr)
		}
	})
	select {
	case b.URL = <-listening:
	case <-b.done:
		t.Fatalf("run %v returned %v before listening; stdout:\n%s\nstderr:\n%s", full, b.err, b.stdout, b.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("run %v did not report listening within 30s; stdout:\n%s\nstderr:\n%s", full, b.stdout, b.stderr)
	}
	if u, err := url.Parse(b.URL); err != nil || u.Scheme != "http" || !strings.HasPrefix(u.Host, "127.0.0.1:") || strings.HasSuffix(u.Host, ":0") {
		t.Fatalf("run reported listening at %q, want http://127.0.0.1:PORT", b.URL)
	}
	b.waitHealthy()
	return b
}

// waitHealthy returns once GET /healthz answers 200, and fails the test if
// it does not within 30s or run returns first.
func (b *boardProc) waitHealthy() {
	b.t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for {
		res, err := client.Get(b.URL + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
			last = res.Status
		} else {
			last = err.Error()
		}
		select {
		case <-b.done:
			b.t.Fatalf("run returned %v before /healthz answered 200 (last: %s)", b.err, last)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("GET %s/healthz did not answer 200 within 30s (last: %s)", b.URL, last)
		}
	}
}

// stop cancels run's context and waits for it to return; it returns what run
// returned. Calling it again returns the same.
func (b *boardProc) stop() error {
	b.stopOnce.Do(func() {
		b.cancel()
		select {
		case <-b.done:
		case <-time.After(20 * time.Second):
			b.err = errors.New("run did not return within 20s of its context being canceled")
		}
	})
	return b.err
}

// mustNotLog registers strings (passwords, session tokens) that no line of
// the board's request log may contain.
func (b *boardProc) mustNotLog(secrets ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			b.secrets = append(b.secrets, s)
		}
	}
}

// checkLogs fails the test if a line of stderr carries a registered secret.
func (b *boardProc) checkLogs() {
	b.t.Helper()
	b.mu.Lock()
	secrets := append([]string(nil), b.secrets...)
	b.mu.Unlock()
	logs := b.stderr.String()
	if len(secrets) > 0 && !strings.Contains(logs, `"msg":"request"`) {
		b.t.Errorf("secrets were registered but the board wrote no request log line; stderr:\n%s", logs)
	}
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		for _, s := range secrets {
			if strings.Contains(sc.Text(), s) {
				b.t.Errorf("log line %d contains a secret (%.4s…): %s", n, s, sc.Text())
			}
		}
	}
}

// newClient is a browser (its own cookie jar, redirects not followed) on
// the board at base.
func newClient(t *testing.T, base string) *boardtest.Client { return boardtest.NewClient(t, base) }

// mustLogin signs in through the form, expects the posts page next, and
// returns the session cookie's value.
func mustLogin(t *testing.T, c *boardtest.Client, email, password string) string {
	t.Helper()
	r := c.Attempt(email, password)
	if r.Status != http.StatusSeeOther || r.Location() != "/posts" {
		t.Fatalf("signing in as %s: got %d (Location %q), want 303 to /posts; body:\n%s", email, r.Status, r.Location(), boardtest.Clip(r.Body))
	}
	v := c.SessionCookie()
	if v == "" {
		t.Fatalf("signed in as %s but the jar holds no session cookie", email)
	}
	return v
}

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr boardtest.Logs
	err := run(ctx, args, noEnv, &stdout, &stderr)
	if s := stderr.String(); s != "" {
		t.Logf("board %s: stderr:\n%s", strings.Join(args, " "), s)
	}
	return stdout.String(), err
}

func TestHealthzIsOKWithoutCookie(t *testing.T) {
	base := startBoard(t).URL
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz: status %d, want 200; body %q", res.StatusCode, body)
	}
	if sc := res.Header.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("GET /healthz set cookies %q, want none", sc)
	}
}

func TestListeningLineNamesDatabase(t *testing.T) {
	b := launchBoard(t, filepath.Join(t.TempDir(), "named.db"))
	want := fmt.Sprintf("board: listening on %s (database %s)\n", b.URL, b.DBPath)
	if out := b.stdout.String(); !strings.Contains(out, want) {
		t.Errorf("stdout = %q, want it to contain %q", out, want)
	}
}

// adminCLI runs `board admin VERB EMAIL -db FILE`, the order the usage text
// documents ("board admin grant EMAIL [-db FILE]"). If the board refuses that
// order with its usage message, the test fails (a bug), and the command is
// run again with the flag first so the rest of the test still checks
// something.
func adminCLI(t *testing.T, verb, email, dbPath string) (string, error) {
	t.Helper()
	out, err := runCLI(t, "admin", verb, email, "-db", dbPath)
	if err != nil && strings.Contains(err.Error(), "usage:") {
		t.Errorf("BUG: `board admin %s %s -db FILE` (the documented order) fails with %q: "+
			"the flag set stops parsing at EMAIL, so -db FILE counts as extra arguments", verb, email, err)
		out, err = runCLI(t, "admin", verb, "-db", dbPath, email)
	}
	return out, err
}

func TestAdminGrantAndRevoke(t *testing.T) {
	b := launchBoard(t, filepath.Join(t.TempDir(), "board.db"), "-demo")
	b.mustNotLog(bobPassword)
	bob := newClient(t, b.URL)
	b.mustNotLog(mustLogin(t, bob, bobEmail, bobPassword))

	if r := bob.Get("/admin"); r.Status != http.StatusForbidden {
		t.Fatalf("bob (member) GET /admin: status %d, want 403", r.Status)
	} else if !strings.Contains(r.Body, "Only admins may") {
		t.Errorf("bob's 403 on /admin does not name the rule (\"Only admins may …\"):\n%s", r.Body)
	}

	out, err := adminCLI(t, "grant", bobEmail, b.DBPath)
	if err != nil {
		t.Fatalf("admin grant %s: %v", bobEmail, err)
	}
	if !strings.Contains(out, "Bob (bob@example.com) is now admin") {
		t.Errorf("admin grant printed %q, want it to say Bob is now admin", out)
	}
	// A role change is a privilege change: it ends bob's sessions, so his
	// next request is the sign-in page, and the new role starts with a new
	// session.
	r := bob.Get("/admin")
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("bob's session after the grant: GET /admin %d, want 401 (sessions end on a role change)", r.Status)
	}
	b.mustNotLog(mustLogin(t, bob, bobEmail, bobPassword))
	r = bob.Get("/admin")
	if r.Status != http.StatusOK {
		t.Fatalf("bob (granted admin) GET /admin: status %d, want 200; body:\n%s", r.Status, r.Body)
	}
	if w := boardtest.Whoami(r.Body); !strings.Contains(w, "Bob") || !strings.Contains(w, "admin") {
		t.Errorf("whoami after grant = %q, want Bob as admin", w)
	}

	out, err = adminCLI(t, "revoke", bobEmail, b.DBPath)
	if err != nil {
		t.Fatalf("admin revoke %s: %v", bobEmail, err)
	}
	if !strings.Contains(out, "is now member") {
		t.Errorf("admin revoke printed %q, want it to say Bob is now member", out)
	}
	r = bob.Get("/admin")
	if r.Status != http.StatusUnauthorized {
		t.Fatalf("bob's admin session after the revoke: GET /admin %d, want 401 (sessions end on a role change)", r.Status)
	}
	b.mustNotLog(mustLogin(t, bob, bobEmail, bobPassword))
	r = bob.Get("/admin")
	if r.Status != http.StatusForbidden {
		t.Errorf("bob (revoked) GET /admin: status %d, want 403", r.Status)
	}
	if w := boardtest.Whoami(r.Body); !strings.Contains(w, "Bob") || strings.Contains(w, "admin") {
		t.Errorf("whoami after revoke = %q, want Bob as a member", w)
	}
}

func TestAdminGrantUnknownEmail(t *testing.T) {
	dbPath := newDatabase(t)
	const email = "nobody@example.com"
	for _, args := range [][]string{
		{"admin", "grant", email, "-db", dbPath},
		{"admin", "grant", "-db", dbPath, email},
	} {
		_, err := runCLI(t, args...)
		if err == nil {
			t.Errorf("board %s on an empty board: no error", strings.Join(args, " "))
		} else if !strings.Contains(err.Error(), email) {
			t.Errorf("board %s: error %q does not mention the email", strings.Join(args, " "), err)
		}
	}
}

func TestAdminCommandUsageErrors(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "board.db")
	for _, args := range [][]string{
		{"admin"},
		{"admin", "promote", bobEmail},
		{"admin", "grant"},
		{"admin", "grant", "a@example.com", "b@example.com"},
		{"admin", "grant", "-nope", bobEmail},
	} {
		full := append(args, "-db", dbPath)
		if _, err := runCLI(t, full...); err == nil {
			t.Errorf("board %s: no error", strings.Join(full, " "))
		}
	}
}

// TestFlagErrorsGoToRunsStderr: run's stdout and stderr are its only
// outputs, so a flag error's usage text goes to the stderr given to run (as
// serve's does), never straight to the process's os.Stderr.
func TestFlagErrorsGoToRunsStderr(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "board.db")
	for _, args := range [][]string{
		{"-nope", "-db", dbPath},
		{"serve", "-nope", "-db", dbPath},
		{"admin", "grant", "-nope", bobEmail, "-db", dbPath},
		{"admin", "revoke", "-nope", bobEmail, "-db", dbPath},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var stdout, stderr boardtest.Logs
		err := run(ctx, args, noEnv, &stdout, &stderr)
		cancel()
		if err == nil {
			t.Errorf("board %s: no error", strings.Join(args, " "))
			continue
		}
		if !strings.Contains(stderr.String(), "-nope") {
			t.Errorf("board %s: the flag error's usage text is not in the stderr given to run (stderr %q, error %q); "+
				"it went to the process's os.Stderr (the FlagSet needs SetOutput(stderr))", strings.Join(args, " "), stderr.String(), err)
		}
	}
}

func TestNoDemoMeansNoAccounts(t *testing.T) {
	b := launchBoard(t, filepath.Join(t.TempDir(), "board.db"))
	b.mustNotLog(alicePassword)
	if strings.Contains(b.stdout.String(), "demo") {
		t.Errorf("without -demo the board printed demo accounts:\n%s", b.stdout)
	}
	alice := newClient(t, b.URL)
	r := alice.Attempt(aliceEmail, alicePassword)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("signing in as alice without -demo: status %d (Location %q), want 401", r.Status, r.Header.Get("Location"))
	}
	if !strings.Contains(r.Body, `data-testid="login-error"`) {
		t.Errorf("failed sign-in page has no login-error:\n%s", r.Body)
	}
	if r := alice.Get("/posts"); r.Status != http.StatusUnauthorized && r.Status != http.StatusSeeOther {
		t.Errorf("GET /posts after the failed sign-in: status %d, want 401 (or 303 to sign in)", r.Status)
	}
}

func TestSessionSurvivesRestart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "board.db")
	first := launchBoard(t, dbPath, "-demo")
	alice := newClient(t, first.URL)
	session := mustLogin(t, alice, aliceEmail, alicePassword)
	first.mustNotLog(alicePassword, session)
	if r := alice.Get("/posts"); r.Status != http.StatusOK || !strings.Contains(boardtest.Whoami(r.Body), "Alice") {
		t.Fatalf("before restart: GET /posts status %d, whoami %q; want 200 as Alice", r.Status, boardtest.Whoami(r.Body))
	}
	if err := first.stop(); err != nil {
		t.Fatalf("stopping the first board: run returned %v, want nil", err)
	}
	if _, err := http.Get(first.URL + "/healthz"); err == nil {
		t.Errorf("the first board still answers at %s after run returned", first.URL)
	}

	// Same file, no -demo: accounts and sessions both come from SQLite.
	second := launchBoard(t, dbPath)
	second.mustNotLog(alicePassword, session)
	r := getWithSession(t, second.URL, "/posts", session) // a new jar holding only that cookie
	if r.Status != http.StatusOK {
		t.Fatalf("after restart, GET /posts with the old session cookie: status %d, want 200; body:\n%s", r.Status, r.Body)
	}
	if w := boardtest.Whoami(r.Body); !strings.Contains(w, "Alice") || !strings.Contains(w, aliceEmail) {
		t.Errorf("after restart, whoami = %q, want Alice (%s)", w, aliceEmail)
	}
	if !strings.Contains(r.Body, "Welcome to the board") {
		t.Errorf("after restart, the demo post is missing from /posts")
	}
}

func TestBadConfigurationIsAnError(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "board.db")
	cases := []struct {
		name string
		args []string
		env  map[string]string
		raw  bool   // pass args as they are, without "-db FILE" appended
		want string // part of the error, if it should say something specific
	}{
		{name: "unknown flag", args: []string{"-no-such-flag"}, want: "no-such-flag"},
		{name: "flag without value", args: []string{"-db", dbPath, "-addr"}, raw: true},
		{name: "stray argument", args: []string{"serve", "-addr", "127.0.0.1:0", "extra"}, want: "extra"},
		{name: "unknown command", args: []string{"frobnicate"}, raw: true, want: "frobnicate"},
		{name: "base URL not http", args: []string{"-addr", "127.0.0.1:0", "-base-url", "ftp://board.example.org"}, want: "ftp://board.example.org"},
		{name: "base URL with path", args: []string{"-addr", "127.0.0.1:0", "-base-url", "https://board.example.org/board"}, want: "https://board.example.org/board"},
		{name: "base URL without host", args: []string{"-addr", "127.0.0.1:0", "-base-url", "https://"}},
		{name: "base URL not a URL", args: []string{"-addr", "127.0.0.1:0", "-base-url", "board.example.org"}},
		{name: "bad listen address", args: []string{"-addr", "127.0.0.1:99999"}},
		{name: "bad trusted proxy flag", args: []string{"-addr", "127.0.0.1:0", "-trusted-proxies", "10.0.0.0/99"}},
		{name: "bad trusted proxy env", args: []string{"-addr", "127.0.0.1:0"}, env: map[string]string{"BOARD_TRUSTED_PROXIES": "not-an-ip"}},
		{name: "access token lifetime not a duration", args: []string{"-addr", "127.0.0.1:0"}, env: map[string]string{"BOARD_ACCESS_TOKEN_TTL": "ten minutes"}, want: "BOARD_ACCESS_TOKEN_TTL"},
		{name: "access token lifetime too long", args: []string{"-addr", "127.0.0.1:0", "-access-token-ttl", "2h"}, want: "between 30s and 1h0m0s"},
		{name: "access token lifetime too short", args: []string{"-addr", "127.0.0.1:0", "-access-token-ttl", "1s"}, want: "between 30s and 1h0m0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			env := func(k string) string { return tc.env[k] }
			args := tc.args
			if !tc.raw {
				args = append(append([]string(nil), tc.args...), "-db", dbPath)
			}
			listening := make(chan string, 1)
			ctx = onListening(ctx, func(baseURL string) { listening <- baseURL })
			var stdout, stderr boardtest.Logs
			done := make(chan error, 1)
			go func() { done <- run(ctx, args, env, &stdout, &stderr) }()
			select {
			case err := <-done:
				if err == nil {
					t.Fatalf("run %q: nil error, want one", args)
				}
				if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
					t.Errorf("run %q: error %q does not mention %q", args, err, tc.want)
				}
			case u := <-listening:
				cancel()
				<-done
				t.Fatalf("run %q started serving at %s, want a configuration error", args, u)
			case <-ctx.Done():
				t.Fatalf("run %q neither failed nor served within 15s", args)
			}
		})
	}
}

// newDatabase is an empty, migrated board database (as a board's first
// start leaves it), for the operator commands, which never create one.
func newDatabase(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "board.db")
	d, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return path
}

// `board -h` lists the commands and is not an error; `board serve -h` shows
// the server's flags, also without an error.
func TestHelpListsTheCommands(t *testing.T) {
	out, err := runCLI(t, "-h")
	if err != nil {
		t.Errorf("board -h: %v, want nil (exit 0)", err)
	}
	for _, cmd := range []string{"board admin grant", "board admin revoke", "board audit verify", "board keys rotate", "board serve -h"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("board -h does not mention %q:\n%s", cmd, out)
		}
	}
	var stdout, stderr boardtest.Logs
	err = run(context.Background(), []string{"serve", "-h"}, noEnv, &stdout, &stderr)
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-addr") {
		t.Errorf("board serve -h: %v, printed %q; want the flags and flag.ErrHelp (which main exits 0 on)", err, stderr.String())
	}
}

// Operator commands work on a board's database and never create one: a
// mistyped -db is an error, not a new, empty board.
func TestOperatorCommandsNeverCreateADatabase(t *testing.T) {
	typo := filepath.Join(t.TempDir(), "typo.db")
	for _, args := range [][]string{
		{"admin", "grant", "ada@example.com", "-db", typo},
		{"audit", "verify", "-db", typo},
		{"keys", "list", "-db", typo},
	} {
		_, err := runCLI(t, args...)
		if err == nil || !strings.Contains(err.Error(), "no database at "+typo) {
			t.Errorf("board %s: %v, want a refusal naming the missing file", strings.Join(args, " "), err)
		}
		if _, statErr := os.Stat(typo); !errors.Is(statErr, os.ErrNotExist) {
			t.Fatalf("board %s created %s", strings.Join(args, " "), typo)
		}
	}
}
