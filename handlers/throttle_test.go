package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"board/handlers"
	"board/models"
)

// Tests for sign-in throttling (handlers/throttle.go, models/throttle.go)
// through the real board: per account and per client address, the 429 page,
// forged X-Forwarded-For, trusted proxies, restarts, and the timing of the
// unknown-email and wrong-password paths.

// --- a server builder with every dependency under the test's control --------

// boardOpts configures newBoard. The zero value is the harness's board.
type boardOpts struct {
	dbPath  string        // "" means a fresh file in a temp dir
	proxies []*net.IPNet  // handlers.Deps.TrustedProxies
	window  time.Duration // the Throttle's Window; 0 means handlers.ThrottleWindow
}

// board is the harness's testServer plus the stores newTestServer does not
// expose. It is built the same way as newTestServer (harness_test.go), with
// the options above, and works with every client helper.
type board struct {
	*testServer
	Identities   *models.IdentityStore
	SessionIndex *models.SessionStore
	Throttle     *models.Throttle
	Sessions     *scs.SessionManager
	DBPath       string
	srv          *httptest.Server
}

func newBoard(tb testing.TB, o boardOpts) *board {
	tb.Helper()
	if o.dbPath == "" {
		o.dbPath = filepath.Join(tb.TempDir(), "board.db")
	}
	if o.window == 0 {
		o.window = handlers.ThrottleWindow
	}
	d := testDB(tb, o.dbPath)
	deps := testDeps(d, o.window)
	deps.TrustedProxies = o.proxies
	t, _ := tb.(*testing.T) // nil in benchmarks: use only the raw helpers there
	ts := &testServer{t: t, DB: d, Stores: deps.Stores, Echo: handlers.New(deps)}
	b := &board{testServer: ts, DBPath: o.dbPath,
		Identities:   deps.Identities,
		SessionIndex: deps.SessionIndex,
		Throttle:     deps.Throttle,
		Sessions:     deps.Sessions,
	}
	b.srv = httptest.NewServer(ts.Echo)
	tb.Cleanup(b.srv.Close)
	ts.URL = b.srv.URL
	return b
}

func mustCIDR(tb testing.TB, s string) *net.IPNet {
	tb.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// headerTransport adds fixed headers (User-Agent, X-Forwarded-For) to every
// request of one client, over a loopback-only transport.
type headerTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	hdr  http.Header
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	h.mu.Lock()
	for k, v := range h.hdr {
		r.Header[k] = slices.Clone(v)
	}
	h.mu.Unlock()
	return h.base.RoundTrip(r)
}

// setHeader makes every later request of c (and of its bound copies) carry
// the header; "" removes it.
func (c *client) setHeader(key, value string) {
	ht, ok := c.hc.Transport.(*headerTransport)
	if !ok {
		ht = &headerTransport{base: socialLoopbackTransport(), hdr: http.Header{}}
		c.hc.Transport = ht
	}
	ht.mu.Lock()
	defer ht.mu.Unlock()
	if value == "" {
		ht.hdr.Del(key)
	} else {
		ht.hdr.Set(key, value)
	}
}

// attempt posts the sign-in form once and returns the board's answer.
func (c *client) attempt(email, password string) *response {
	c.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {password}})
}

// want429 checks a throttled answer: status, page, and a Retry-After of a
// positive whole number of seconds no longer than the window.
func want429(t *testing.T, what string, res *response) {
	t.Helper()
	if !wantStatus(t, what, res, http.StatusTooManyRequests) {
		return
	}
	ra := res.Header.Get("Retry-After")
	secs, err := strconv.Atoi(ra)
	if err != nil || secs <= 0 || secs > int(handlers.ThrottleWindow/time.Second) {
		t.Errorf("%s: Retry-After %q, want whole seconds in 1..%d", what, ra, int(handlers.ThrottleWindow/time.Second))
	}
	mustContain(t, what, res.Body, "Too many failed sign-ins", "Try again in")
}

// failures counts the auth_failures rows of one key.
func (ts *testServer) failures(t *testing.T, key string) int {
	t.Helper()
	var n int
	if err := ts.DB.Read.QueryRow(`SELECT count(*) FROM auth_failures WHERE key = ?`, key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (ts *testServer) failureKeys(t *testing.T) []string {
	t.Helper()
	rows, err := ts.DB.Read.Query(`SELECT DISTINCT key FROM auth_failures ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// --- per account ----------------------------------------------------------

func TestThrottleAccountLimit(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.seedCast(t)
	c := ts.clientT(t)
	for i := 1; i <= 5; i++ {
		wantStatus(t, fmt.Sprintf("wrong password %d of 5", i), c.attempt("alice@example.com", "not-her-password"), http.StatusUnauthorized)
	}
	want429(t, "6th attempt, wrong password", c.attempt("alice@example.com", "not-her-password"))
	// Limits are checked before the password: the right one does not get through.
	res := c.attempt("alice@example.com", alicePW)
	want429(t, "right password while the account is limited", res)
	if ck := res.cookie("board_session"); ck != nil && ck.Value != "" && c.get("/posts").Status == http.StatusOK {
		t.Error("a throttled sign-in with the right password signed the browser in")
	}
	wantStatus(t, "still anonymous", c.get("/posts"), http.StatusUnauthorized)
	// The email is matched whatever its case.
	want429(t, "same account, other case", c.attempt("ALICE@Example.com", alicePW))
	// Another account from the same address is not affected by Alice's limit.
	other := ts.clientT(t)
	other.login("bob@example.com", bobPW)
	wantStatus(t, "bob signed in", other.get("/posts"), http.StatusOK)
	// Throttled attempts are not failures: the count stays at the limit.
	if n := ts.failures(t, "account:alice@example.com"); n != 5 {
		t.Errorf("auth_failures for alice: %d rows, want 5", n)
	}
	if n := len(ts.auditEvents(t, models.AuditSignInFailed)); n != 5 {
		t.Errorf("sign_in_failed audit events: %d, want 5", n)
	}
}

func TestThrottleSuccessResetsAccountCounter(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.seedCast(t)
	c := ts.clientT(t)
	for i := 1; i <= 4; i++ {
		wantStatus(t, fmt.Sprintf("failure %d before the success", i), c.attempt("alice@example.com", "wrong-guess-1"), http.StatusUnauthorized)
	}
	c.login("alice@example.com", alicePW)
	if n := ts.failures(t, "account:alice@example.com"); n != 0 {
		t.Errorf("after a successful sign-in alice's account counter holds %d failures, want 0", n)
	}
	d := ts.clientT(t)
	for i := 1; i <= 4; i++ {
		wantStatus(t, fmt.Sprintf("failure %d after the success", i), d.attempt("alice@example.com", "wrong-guess-2"), http.StatusUnauthorized)
	}
	// 8 failures in all, 4 since the success: the next attempt is not limited.
	res := d.attempt("alice@example.com", alicePW)
	if !wantStatus(t, "sign-in after 4+1+4", res, http.StatusSeeOther) {
		return
	}
	// The address counter is not reset by a success.
	if n := ts.failures(t, "addr:127.0.0.1"); n != 8 {
		t.Errorf("address counter: %d failures, want 8 (a success clears only the account's count)", n)
	}
}

// --- forged and trusted X-Forwarded-For -------------------------------------

func TestThrottleForgedXForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.seedCast(t)
	c := ts.clientT(t)
	for i := 1; i <= 5; i++ {
		c.setHeader("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		wantStatus(t, fmt.Sprintf("forged XFF attempt %d", i), c.attempt("alice@example.com", "guess-"+itoa(int64(i))), http.StatusUnauthorized)
	}
	c.setHeader("X-Forwarded-For", "203.0.113.99")
	want429(t, "6th attempt with yet another forged address", c.attempt("alice@example.com", "guess-6"))

	failed := ts.auditEvents(t, models.AuditSignInFailed)
	if len(failed) != 5 {
		t.Errorf("%d sign_in_failed events, want 5", len(failed))
	}
	for _, e := range failed {
		if e.ClientIP != "127.0.0.1" {
			t.Errorf("sign_in_failed event %d recorded client_ip %q, want the connection's 127.0.0.1", e.ID, e.ClientIP)
		}
	}
	keys := ts.failureKeys(t)
	want := []string{"account:alice@example.com", "addr:127.0.0.1"}
	if !slices.Equal(keys, want) {
		t.Errorf("failures counted against %v, want %v (a forged header must not create its own counter)", keys, want)
	}
	if n := ts.failures(t, "addr:127.0.0.1"); n != 5 {
		t.Errorf("addr:127.0.0.1 has %d failures, want 5", n)
	}
}

func TestThrottleAddressLimitAcrossAccounts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.seedCast(t)
	c := ts.clientT(t)
	// 20 failures from one address, never more than 4 per account (two known
	// accounts, three unknown emails), so only the address rule can trip.
	emails := []string{"alice@example.com", "bob@example.com", "nobody1@example.com", "nobody2@example.com", "nobody3@example.com"}
	n := 0
	for _, email := range emails {
		for i := 0; i < 4; i++ {
			n++
			wantStatus(t, fmt.Sprintf("failure %d (%s)", n, email), c.attempt(email, "spray-password"), http.StatusUnauthorized)
		}
	}
	// A different account, right password, same address: limited.
	fresh := ts.clientT(t)
	res := fresh.attempt("ada@example.com", adminPW)
	want429(t, "another account from the same address after 20 failures", res)
	wantStatus(t, "the admin is not signed in", fresh.get("/posts"), http.StatusUnauthorized)
	if got := ts.failures(t, "addr:127.0.0.1"); got != 20 {
		t.Errorf("addr:127.0.0.1: %d failures, want 20", got)
	}
	if got := ts.failures(t, "account:ada@example.com"); got != 0 {
		t.Errorf("ada's account counter: %d, want 0 (she never failed)", got)
	}
}

// Being throttled must not tell an attacker whether an account exists: an
// unknown email is counted, limited and answered exactly like a known one.
func TestThrottleUnknownEmailLikeKnownAccount(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	ts.seedCast(t)
	type run struct {
		fails []*response
		limit *response
	}
	try := func(email string) run {
		c := ts.clientT(t)
		var r run
		for i := 0; i < 5; i++ {
			r.fails = append(r.fails, c.attempt(email, "some-wrong-password"))
		}
		r.limit = c.attempt(email, "some-wrong-password")
		return r
	}
	known := try("alice@example.com")
	unknown := try("ghost@example.com")
	for i := range known.fails {
		k, u := known.fails[i], unknown.fails[i]
		if k.Status != http.StatusUnauthorized || u.Status != http.StatusUnauthorized {
			t.Errorf("failure %d: known %d, unknown %d, want 401 for both", i+1, k.Status, u.Status)
		}
		if kb, ub := samePage(k.Body, "alice@example.com"), samePage(u.Body, "ghost@example.com"); kb != ub {
			t.Errorf("failure %d: the pages for a known and an unknown email differ:\n--- known ---\n%s\n--- unknown ---\n%s", i+1, kb, ub)
		}
	}
	want429(t, "known account, 6th attempt", known.limit)
	want429(t, "unknown email, 6th attempt", unknown.limit)
	if kb, ub := samePage(known.limit.Body, "alice@example.com"), samePage(unknown.limit.Body, "ghost@example.com"); kb != ub {
		t.Errorf("the 429 pages for a known and an unknown email differ:\n--- known ---\n%s\n--- unknown ---\n%s", kb, ub)
	}
	kr, _ := strconv.Atoi(known.limit.Header.Get("Retry-After"))
	ur, _ := strconv.Atoi(unknown.limit.Header.Get("Retry-After"))
	if d := kr - ur; d < -5 || d > 5 {
		t.Errorf("Retry-After known %d s, unknown %d s: should agree (same window)", kr, ur)
	}
	if n := ts.failures(t, "account:ghost@example.com"); n != 5 {
		t.Errorf("unknown email counter: %d, want 5", n)
	}
}

var (
	mainRe      = regexp.MustCompile(`(?s)<main>.*</main>`)
	csrfValueRe = regexp.MustCompile(`name="_csrf" value="[^"]*"`)
)

// samePage is the <main> part of a page with the per-session CSRF token
// and the email typed taken out.
func samePage(body, email string) string {
	m := mainRe.FindString(body)
	m = csrfValueRe.ReplaceAllString(m, `name="_csrf" value="…"`)
	return strings.ReplaceAll(m, email, "EMAIL")
}

// --- restart ----------------------------------------------------------------

func TestThrottleSurvivesRestart(t *testing.T) {
	t.Parallel()
	first := newBoard(t, boardOpts{})
	first.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	first.createUser("bob@example.com", "Bob", bobPW, models.RoleMember)
	c := first.clientT(t)
	for i := 1; i <= 5; i++ {
		wantStatus(t, fmt.Sprintf("failure %d", i), c.attempt("alice@example.com", "wrong-guess"), http.StatusUnauthorized)
	}
	want429(t, "limited before the restart", c.attempt("alice@example.com", alicePW))
	first.srv.Close()
	if err := first.DB.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: new pools, new session manager, new handlers, same file.
	second := newBoard(t, boardOpts{dbPath: first.DBPath})
	c2 := second.clientT(t)
	want429(t, "after the restart, right password", c2.attempt("alice@example.com", alicePW))
	wantStatus(t, "not signed in after the restart", c2.get("/posts"), http.StatusUnauthorized)
	// The new server works: another account signs in.
	b := second.clientT(t)
	b.login("bob@example.com", bobPW)
	wantStatus(t, "bob on the restarted board", b.get("/posts"), http.StatusOK)
}

// --- behind a trusted proxy ----------------------------------------------

func TestThrottleTrustedProxyUsesXForwardedFor(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{proxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	c := b.clientT(t)

	// 20 failures from client 198.51.100.7, at most 4 per (unknown) account.
	c.setHeader("X-Forwarded-For", "198.51.100.7")
	for i := 0; i < 20; i++ {
		email := fmt.Sprintf("spray%d@example.com", i/4)
		wantStatus(t, fmt.Sprintf("failure %d from 198.51.100.7", i+1), c.attempt(email, "spray-password"), http.StatusUnauthorized)
	}
	want429(t, "21st attempt from 198.51.100.7, new email", c.attempt("fresh1@example.com", "spray-password"))
	want429(t, "right password from 198.51.100.7", c.attempt("alice@example.com", alicePW))

	// Another client address behind the same proxy has its own counter.
	c.setHeader("X-Forwarded-For", "198.51.100.8")
	wantStatus(t, "first attempt from 198.51.100.8", c.attempt("fresh2@example.com", "spray-password"), http.StatusUnauthorized)
	c.login("alice@example.com", alicePW)
	wantStatus(t, "alice signed in from 198.51.100.8", c.get("/posts"), http.StatusOK)

	// Prepending a made-up hop does not help: the proxy appends the real
	// client, and only the rightmost untrusted address counts.
	d := b.clientT(t)
	d.setHeader("X-Forwarded-For", "192.0.2.55, 198.51.100.7")
	want429(t, "forged first hop, real client 198.51.100.7", d.attempt("fresh3@example.com", "spray-password"))

	if got := b.failures(t, "addr:198.51.100.7"); got != 20 {
		t.Errorf("addr:198.51.100.7: %d failures, want 20", got)
	}
	if got := b.failures(t, "addr:198.51.100.8"); got != 1 {
		t.Errorf("addr:198.51.100.8: %d failures, want 1", got)
	}
	if got := b.failures(t, "addr:127.0.0.1"); got != 0 {
		t.Errorf("the proxy's own address was counted %d times, want 0", got)
	}
	ips := map[string]int{}
	for _, e := range b.auditEvents(t, models.AuditSignInFailed) {
		ips[e.ClientIP]++
	}
	if ips["198.51.100.7"] != 20 || ips["198.51.100.8"] != 1 || len(ips) != 2 {
		t.Errorf("sign_in_failed client_ip counts %v, want 198.51.100.7:20 and 198.51.100.8:1", ips)
	}
	sessions, err := b.SessionIndex.ForUser(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || sessions[0].ClientIP != "198.51.100.8" {
		t.Errorf("alice's sessions %+v, want one from 198.51.100.8", sessions)
	}

	// The account rule still holds across client addresses.
	e := b.clientT(t)
	for i := 1; i <= 5; i++ {
		e.setHeader("X-Forwarded-For", fmt.Sprintf("198.51.101.%d", i))
		wantStatus(t, fmt.Sprintf("alice failure %d from a new address", i), e.attempt("alice@example.com", "wrong"), http.StatusUnauthorized)
	}
	e.setHeader("X-Forwarded-For", "198.51.101.200")
	want429(t, "alice after 5 failures from 5 addresses", e.attempt("alice@example.com", alicePW))
}

// IPv6 clients are keyed by their /64: one host usually owns the prefix.
func TestThrottleIPv6AddressesShareTheirSlash64(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{proxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	c := b.clientT(t)
	for i := 0; i < 20; i++ {
		c.setHeader("X-Forwarded-For", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		wantStatus(t, fmt.Sprintf("failure %d", i+1), c.attempt(fmt.Sprintf("v6-%d@example.com", i/4), "wrong-password"), http.StatusUnauthorized)
	}
	c.setHeader("X-Forwarded-For", "2001:db8:1:2:ffff:ffff:ffff:ffff")
	want429(t, "another address in the same /64", c.attempt("v6-new@example.com", "wrong-password"))
	c.setHeader("X-Forwarded-For", "2001:db8:1:3::1")
	wantStatus(t, "an address in the next /64", c.attempt("v6-new@example.com", "wrong-password"), http.StatusUnauthorized)
	if got := b.failures(t, "addr:2001:db8:1:2::/64"); got != 20 {
		t.Errorf("addr:2001:db8:1:2::/64: %d failures, want 20 (keys: %v)", got, b.failureKeys(t))
	}
}

// --- timing ---------------------------------------------------------------

// Unknown email and wrong password each cost one argon2id verification, so
// their response times match. Statistics, not a fixed time: the two kinds
// alternate and their medians must agree within 20%. The machine is shared
// (other test binaries, browsers), so when a first batch of 15 pairs
// disagrees, more batches are added, up to 60 pairs, before calling it: a
// real leak (no dummy hash: ~1ms against ~35ms) fails every batch.
func TestSignInTimingUnknownEmailVsWrongPassword(t *testing.T) {
	if testing.Short() {
		t.Skip("timing statistics: not in -short")
	}
	// Not parallel: other tests' argon2id work would add noise.
	const (
		batch   = 15
		batches = 4
		warmup  = 2
	)
	b := newBoard(t, boardOpts{proxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	hash, err := models.HashPassword("timed-password-ok")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < batch*batches+warmup; i++ {
		if _, err := b.Users.Create(context.Background(), models.NewUser{Email: fmt.Sprintf("timed%d@example.com", i),
			DisplayName: "Timed", PasswordHash: hash}); err != nil {
			t.Fatal(err)
		}
	}
	c := b.clientT(t)
	token := c.csrf()
	attempt := 0
	measure := func(email string) time.Duration {
		// A fresh address and email per attempt: no limit is ever reached.
		attempt++
		c.setHeader("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", attempt/200, attempt%200+1))
		runtime.GC() // the previous argon2id's 19 MiB should not be collected inside this sample
		start := time.Now()
		res := c.postRaw("/login", url.Values{"_csrf": {token}, "email": {email}, "password": {"wrong-password-zz"}})
		d := time.Since(start)
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d (%s): status %d, want 401", attempt, email, res.Status)
		}
		return d
	}
	var unknown, wrong []time.Duration
	var mu, mw time.Duration
	for i := 0; i < batch*batches+warmup; i++ {
		// Alternate which kind goes first, so drift affects both alike.
		var du, dw time.Duration
		if i%2 == 0 {
			du = measure(fmt.Sprintf("nobody%d@example.com", i))
			dw = measure(fmt.Sprintf("timed%d@example.com", i))
		} else {
			dw = measure(fmt.Sprintf("timed%d@example.com", i))
			du = measure(fmt.Sprintf("nobody%d@example.com", i))
		}
		if i < warmup {
			continue
		}
		unknown, wrong = append(unknown, du), append(wrong, dw)
		if len(unknown)%batch != 0 {
			continue
		}
		mu, mw = median(unknown), median(wrong)
		t.Logf("sign-in medians over %d each: unknown email %v, wrong password %v", len(unknown), mu, mw)
		if withinFraction(mu, mw, 0.2) {
			return
		}
	}
	t.Errorf("median unknown-email %v vs wrong-password %v differ by more than 20%% over %d samples each: response time reveals whether an account exists\nunknown: %v\nwrong:   %v",
		mu, mw, len(unknown), unknown, wrong)
}

func withinFraction(a, b time.Duration, f float64) bool {
	return float64(max(a, b)-min(a, b)) <= f*float64(max(a, b))
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkSignIn times one failed sign-in through the real board, for an
// unknown email and for a wrong password. The throttle window is 1ns here so
// that b.N attempts are never limited (every other part of the path runs).
func BenchmarkSignIn(b *testing.B) {
	srv := newBoard(b, boardOpts{window: time.Nanosecond})
	hash, err := models.HashPassword("bench-password-ok")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.Users.Create(context.Background(), models.NewUser{Email: "bench@example.com", DisplayName: "Bench", PasswordHash: hash}); err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Transport: socialLoopbackTransport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(srv.URL + "/login")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(page)
	if m == nil {
		b.Fatal("no _csrf on /login")
	}
	token := string(m[1])
	attempt := func(b *testing.B, email string) {
		res, err := hc.PostForm(srv.URL+"/login", url.Values{"_csrf": {token}, "email": {email}, "password": {"wrong-password-zz"}})
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			b.Fatalf("%s: status %d, want 401", email, res.StatusCode)
		}
	}
	b.Run("unknown-email", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			attempt(b, fmt.Sprintf("nobody%d@example.com", i))
		}
	})
	b.Run("wrong-password", func(b *testing.B) {
		for b.Loop() {
			attempt(b, "bench@example.com")
		}
	})
}
