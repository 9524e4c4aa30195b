package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"board/models"
	"board/models/auth"
)

// startGuarded runs the board as main does with args and env, and returns
// its base URL once it listens, or run's error if it stops first.
func startGuarded(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(onListening(ctx, func(u string) { listening <- u }), args, func(k string) string { return env[k] },
			io.Discard, io.Discard)
	}()
	select {
	case u := <-listening:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("board stopped with %v", err)
			}
		})
		return u, nil
	case err := <-done:
		cancel()
		return "", err
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the board neither listened nor stopped")
		return "", nil
	}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signInStatus signs in through the board's form and returns the status.
func signInStatus(t *testing.T, base, email, password string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on /login:\n%s", body)
	}
	res, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// -demo publishes an admin's password: it refuses any address but loopback.
func TestDemoRefusesNonLoopbackAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		dbPath := filepath.Join(t.TempDir(), "board.db")
		_, err := startGuarded(t, nil, "-demo", "-addr", addr, "-db", dbPath)
		if err == nil || !strings.Contains(err.Error(), "only listens on loopback") {
			t.Errorf("-demo on %s: %v, want a refusal naming loopback", addr, err)
		}
		d, st, err := openStores(context.Background(), dbPath)
		if err != nil {
			t.Fatal(err)
		}
		if users, _ := st.Users.List(context.Background(), 10); len(users) != 0 {
			t.Errorf("-demo on %s seeded %d accounts before refusing", addr, len(users))
		}
		d.Close()
	}
}

// -demo refuses a database with real members, and works on a new one and
// on one that holds only demo data (a second demo run).
func TestDemoRefusesARealDatabase(t *testing.T) {
	dir := t.TempDir()
	demoDB := filepath.Join(dir, "demo.db")
	base, err := startGuarded(t, nil, "-demo", "-addr", "127.0.0.1:0", "-db", demoDB)
	if err != nil {
		t.Fatalf("-demo on a new database: %v", err)
	}
	if got := signInStatus(t, base, "ada@example.com", "ada-demo-password"); got != http.StatusSeeOther {
		t.Errorf("demo admin sign-in: status %d, want 303", got)
	}

	realDB := filepath.Join(dir, "real.db")
	d, st, err := openStores(context.Background(), realDB)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("real-member-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Users.Create(context.Background(), models.NewUser{Email: "real@example.org", DisplayName: "Real", PasswordHash: hash},
		"", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, err = startGuarded(t, nil, "-demo", "-addr", "127.0.0.1:0", "-db", realDB)
	if err == nil || !strings.Contains(err.Error(), "members other than the demo accounts") {
		t.Fatalf("-demo on a database with a real member: %v, want a refusal", err)
	}
	d, st, err = openStores(context.Background(), realDB)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := st.Users.ByEmail(context.Background(), "ada@example.com"); err == nil {
		t.Error("the refused demo run seeded the demo admin into the real database")
	}
}

// BOARD_DB_SYNC chooses the durability of each commit; anything but
// normal or full is refused.
func TestDBSyncSetting(t *testing.T) {
	_, err := startGuarded(t, map[string]string{"BOARD_DB_SYNC": "fast"}, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "b.db"))
	if err == nil || !strings.Contains(err.Error(), "BOARD_DB_SYNC must be normal or full") {
		t.Errorf("BOARD_DB_SYNC=fast: %v, want a refusal", err)
	}
	base, err := startGuarded(t, map[string]string{"BOARD_DB_SYNC": "full"}, "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "b.db"))
	if err != nil {
		t.Fatalf("BOARD_DB_SYNC=full: %v", err)
	}
	res, err := http.Get(base + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz with full sync: %v %v", res, err)
	}
	res.Body.Close()
}
