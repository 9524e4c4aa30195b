package handlers_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
	"board/models/auth"
)

// Tests for sign-in throttling (models/auth, db/throttle.go)
// through the real board: per account and per client address, the 429 page,
// forged X-Forwarded-For, trusted proxies, restarts, and the timing of the
// unknown-email and wrong-password paths.

func mustCIDR(tb testing.TB, s string) *net.IPNet {
	tb.Helper()
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// want429 checks a throttled answer: status, page, and a Retry-After of a
// positive whole number of seconds no longer than the window.
func want429(t *testing.T, what string, res *boardtest.Response) {
	t.Helper()
	if !boardtest.WantStatus(t, what, res, http.StatusTooManyRequests) {
		return
	}
	ra := res.Header.Get("Retry-After")
	secs, err := strconv.Atoi(ra)
	longest := int(max(auth.ThrottleWindow, models.AccountMaxDelay) / time.Second)
	if err != nil || secs <= 0 || secs > longest {
		t.Errorf("%s: Retry-After %q, want whole seconds in 1..%d", what, ra, longest)
	}
	boardtest.MustContain(t, what, res.Body, "Too many failed sign-ins", "Try again in")
}

// failures is how many failed attempts count against key now, read through
// the throttle's own check: Begin with a limit of n is refused once n
// failures count. The one probe let through is uncounted at once.
func failures(t *testing.T, b *boardtest.Board, key string) int {
	t.Helper()
	ctx := context.Background()
	for n := 1; ; n++ {
		a, wait, err := b.Throttle.Begin(ctx, models.ThrottleKey{Key: key, Limit: n})
		if err != nil {
			t.Fatal(err)
		}
		if wait == 0 {
			if err := b.Throttle.Succeeded(ctx, a, ""); err != nil {
				t.Fatal(err)
			}
			return n - 1
		}
	}
}

// --- per account ----------------------------------------------------------

func TestThrottleAccountLimit(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	c := b.Client(t)
	for i := 1; i <= 5; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("wrong password %d of 5", i), c.Attempt("alice@example.com", "not-her-password"), http.StatusUnauthorized)
	}
	want429(t, "6th attempt, wrong password", c.Attempt("alice@example.com", "not-her-password"))
	// Limits are checked before the password: the right one does not get through.
	res := c.Attempt("alice@example.com", alicePW)
	want429(t, "right password while the account is limited", res)
	if ck := res.Cookie(boardtest.SessionCookie); ck != nil && ck.Value != "" && c.Get("/posts").Status == http.StatusOK {
		t.Error("a throttled sign-in with the right password signed the browser in")
	}
	boardtest.WantStatus(t, "still anonymous", c.Get("/posts"), http.StatusUnauthorized)
	// The email is matched whatever its case.
	want429(t, "same account, other case", c.Attempt("ALICE@Example.com", alicePW))
	// Another account from the same address is not affected by Alice's limit.
	other := b.Client(t)
	other.Login("bob@example.com", bobPW)
	boardtest.WantStatus(t, "bob signed in", other.Get("/posts"), http.StatusOK)
	// Throttled attempts are not failures: the count stays at the limit.
	if n := failures(t, b, "account:alice@example.com"); n != 5 {
		t.Errorf("failures counted against alice's account: %d, want 5", n)
	}
	if n := len(b.AuditEvents(t, models.AuditSignInFailed)); n != 5 {
		t.Errorf("sign_in_failed audit events: %d, want 5", n)
	}
}

func TestThrottleSuccessResetsAccountCounter(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	c := b.Client(t)
	for i := 1; i <= 4; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("failure %d before the success", i), c.Attempt("alice@example.com", "wrong-guess-1"), http.StatusUnauthorized)
	}
	c.Login("alice@example.com", alicePW)
	if n := failures(t, b, "account:alice@example.com"); n != 0 {
		t.Errorf("after a successful sign-in alice's account counter holds %d failures, want 0", n)
	}
	d := b.Client(t)
	for i := 1; i <= 4; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("failure %d after the success", i), d.Attempt("alice@example.com", "wrong-guess-2"), http.StatusUnauthorized)
	}
	// 8 failures in all, 4 since the success: the next attempt is not limited.
	res := d.Attempt("alice@example.com", alicePW)
	if !boardtest.WantStatus(t, "sign-in after 4+1+4", res, http.StatusSeeOther) {
		return
	}
	// The address counter is not reset by a success.
	if n := failures(t, b, "addr:127.0.0.1"); n != 8 {
		t.Errorf("address counter: %d failures, want 8 (a success clears only the account's count)", n)
	}
}

// --- forged and trusted X-Forwarded-For -------------------------------------

func TestThrottleForgedXForwardedForIsIgnored(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	c := b.Client(t)
	for i := 1; i <= 5; i++ {
		c.SetHeader("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		boardtest.WantStatus(t, fmt.Sprintf("forged XFF attempt %d", i), c.Attempt("alice@example.com", "guess-"+itoa(int64(i))), http.StatusUnauthorized)
	}
	c.SetHeader("X-Forwarded-For", "203.0.113.99")
	want429(t, "6th attempt with yet another forged address", c.Attempt("alice@example.com", "guess-6"))

	failed := b.AuditEvents(t, models.AuditSignInFailed)
	if len(failed) != 5 {
		t.Errorf("%d sign_in_failed events, want 5", len(failed))
	}
	for _, e := range failed {
		if e.ClientIP != "127.0.0.1" {
			t.Errorf("sign_in_failed event %d recorded client_ip %q, want the connection's 127.0.0.1", e.ID, e.ClientIP)
		}
	}
	// A forged header must not create its own counter.
	for _, forged := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5", "203.0.113.99"} {
		if n := failures(t, b, "addr:"+forged); n != 0 {
			t.Errorf("the forged address %s has %d failures, want 0", forged, n)
		}
	}
	if n := failures(t, b, "account:alice@example.com"); n != 5 {
		t.Errorf("account:alice@example.com has %d failures, want 5", n)
	}
	if n := failures(t, b, "addr:127.0.0.1"); n != 5 {
		t.Errorf("addr:127.0.0.1 has %d failures, want 5", n)
	}
}

func TestThrottleAddressLimitAcrossAccounts(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	c := b.Client(t)
	// 20 failures from one address, never more than 4 per account (two known
	// accounts, three unknown emails), so only the address rule can trip.
	emails := []string{"alice@example.com", "bob@example.com", "nobody1@example.com", "nobody2@example.com", "nobody3@example.com"}
	n := 0
	for _, email := range emails {
		for i := 0; i < 4; i++ {
			n++
			boardtest.WantStatus(t, fmt.Sprintf("failure %d (%s)", n, email), c.Attempt(email, "spray-password"), http.StatusUnauthorized)
		}
	}
	// A different account, right password, same address: limited.
	fresh := b.Client(t)
	res := fresh.Attempt("ada@example.com", adminPW)
	want429(t, "another account from the same address after 20 failures", res)
	boardtest.WantStatus(t, "the admin is not signed in", fresh.Get("/posts"), http.StatusUnauthorized)
	if got := failures(t, b, "addr:127.0.0.1"); got != 20 {
		t.Errorf("addr:127.0.0.1: %d failures, want 20", got)
	}
	if got := failures(t, b, "account:ada@example.com"); got != 0 {
		t.Errorf("ada's account counter: %d, want 0 (she never failed)", got)
	}
}

// Being throttled must not tell an attacker whether an account exists: an
// unknown email is counted, limited and answered exactly like a known one.
func TestThrottleUnknownEmailLikeKnownAccount(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	type run struct {
		fails []*boardtest.Response
		limit *boardtest.Response
	}
	try := func(email string) run {
		c := b.Client(t)
		var r run
		for i := 0; i < 5; i++ {
			r.fails = append(r.fails, c.Attempt(email, "some-wrong-password"))
		}
		r.limit = c.Attempt(email, "some-wrong-password")
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
	if n := failures(t, b, "account:ghost@example.com"); n != 5 {
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
	first := boardtest.New(t, boardtest.Options{})
	first.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	first.CreateUser(t, "bob@example.com", "Bob", bobPW, models.RoleMember)
	c := first.Client(t)
	for i := 1; i <= 5; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("failure %d", i), c.Attempt("alice@example.com", "wrong-guess"), http.StatusUnauthorized)
	}
	want429(t, "limited before the restart", c.Attempt("alice@example.com", alicePW))
	first.Stop()

	// A new process: new pools, new session manager, new handlers, same file.
	second := boardtest.New(t, boardtest.Options{DBPath: first.DBPath})
	c2 := second.Client(t)
	want429(t, "after the restart, right password", c2.Attempt("alice@example.com", alicePW))
	boardtest.WantStatus(t, "not signed in after the restart", c2.Get("/posts"), http.StatusUnauthorized)
	// The new server works: another account signs in.
	bob := second.SignedIn(t, "bob@example.com", bobPW)
	boardtest.WantStatus(t, "bob on the restarted board", bob.Get("/posts"), http.StatusOK)
}

// --- behind a trusted proxy ----------------------------------------------

func TestThrottleTrustedProxyUsesXForwardedFor(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{TrustedProxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	c := b.Client(t)

	// 20 failures from client 198.51.100.7, at most 4 per (unknown) account.
	c.SetHeader("X-Forwarded-For", "198.51.100.7")
	for i := 0; i < 20; i++ {
		email := fmt.Sprintf("spray%d@example.com", i/4)
		boardtest.WantStatus(t, fmt.Sprintf("failure %d from 198.51.100.7", i+1), c.Attempt(email, "spray-password"), http.StatusUnauthorized)
	}
	want429(t, "21st attempt from 198.51.100.7, new email", c.Attempt("fresh1@example.com", "spray-password"))
	want429(t, "right password from 198.51.100.7", c.Attempt("alice@example.com", alicePW))

	// Another client address behind the same proxy has its own counter.
	c.SetHeader("X-Forwarded-For", "198.51.100.8")
	boardtest.WantStatus(t, "first attempt from 198.51.100.8", c.Attempt("fresh2@example.com", "spray-password"), http.StatusUnauthorized)
	c.Login("alice@example.com", alicePW)
	boardtest.WantStatus(t, "alice signed in from 198.51.100.8", c.Get("/posts"), http.StatusOK)

	// Prepending a made-up hop does not help: the proxy appends the real
	// client, and only the rightmost untrusted address counts.
	d := b.Client(t)
	d.SetHeader("X-Forwarded-For", "192.0.2.55, 198.51.100.7")
	want429(t, "forged first hop, real client 198.51.100.7", d.Attempt("fresh3@example.com", "spray-password"))

	if got := failures(t, b, "addr:198.51.100.7"); got != 20 {
		t.Errorf("addr:198.51.100.7: %d failures, want 20", got)
	}
	if got := failures(t, b, "addr:198.51.100.8"); got != 1 {
		t.Errorf("addr:198.51.100.8: %d failures, want 1", got)
	}
	if got := failures(t, b, "addr:127.0.0.1"); got != 0 {
		t.Errorf("the proxy's own address was counted %d times, want 0", got)
	}
	ips := map[string]int{}
	for _, e := range b.AuditEvents(t, models.AuditSignInFailed) {
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

	// Failures from other addresses do not lock the owner out: the account
	// limit across addresses spaces attempts out (lockout_test.go) instead.
	e := b.Client(t)
	for i := 1; i <= 5; i++ {
		e.SetHeader("X-Forwarded-For", fmt.Sprintf("198.51.101.%d", i))
		boardtest.WantStatus(t, fmt.Sprintf("alice failure %d from a new address", i), e.Attempt("alice@example.com", "wrong"), http.StatusUnauthorized)
	}
	e.SetHeader("X-Forwarded-For", "198.51.101.200")
	boardtest.WantStatus(t, "alice after 5 failures from 5 addresses", e.Attempt("alice@example.com", alicePW), http.StatusSeeOther)
}

// IPv6 clients are keyed by their /64: one host usually owns the prefix.
func TestThrottleIPv6AddressesShareTheirSlash64(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{TrustedProxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	c := b.Client(t)
	for i := 0; i < 20; i++ {
		c.SetHeader("X-Forwarded-For", fmt.Sprintf("2001:db8:1:2::%x", i+1))
		boardtest.WantStatus(t, fmt.Sprintf("failure %d", i+1), c.Attempt(fmt.Sprintf("v6-%d@example.com", i/4), "wrong-password"), http.StatusUnauthorized)
	}
	c.SetHeader("X-Forwarded-For", "2001:db8:1:2:ffff:ffff:ffff:ffff")
	want429(t, "another address in the same /64", c.Attempt("v6-new@example.com", "wrong-password"))
	c.SetHeader("X-Forwarded-For", "2001:db8:1:3::1")
	boardtest.WantStatus(t, "an address in the next /64", c.Attempt("v6-new@example.com", "wrong-password"), http.StatusUnauthorized)
	if got := failures(t, b, "addr:2001:db8:1:2::/64"); got != 20 {
		t.Errorf("addr:2001:db8:1:2::/64: %d failures, want 20", got)
	}
	if got := failures(t, b, "addr:2001:db8:1:2::1"); got != 0 {
		t.Errorf("addr:2001:db8:1:2::1: %d failures, want 0 (counted under its /64 only)", got)
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
	b := boardtest.New(t, boardtest.Options{TrustedProxies: []*net.IPNet{mustCIDR(t, "127.0.0.1/32")}})
	hash := boardtest.Hash(t, "timed-password-ok")
	for i := 0; i < batch*batches+warmup; i++ {
		if _, err := b.Users.Create(context.Background(), models.NewUser{Email: fmt.Sprintf("timed%d@example.com", i),
			DisplayName: "Timed", PasswordHash: hash}, "", models.Actor{}); err != nil {
			t.Fatal(err)
		}
	}
	c := b.Client(t)
	token := c.CSRF()
	attempt := 0
	measure := func(email string) time.Duration {
		// A fresh address and email per attempt: no limit is ever reached.
		attempt++
		c.SetHeader("X-Forwarded-For", fmt.Sprintf("10.9.%d.%d", attempt/200, attempt%200+1))
		runtime.GC() // the previous argon2id's 19 MiB should not be collected inside this sample
		start := time.Now()
		res := c.PostRaw("/login", url.Values{"_csrf": {token}, "email": {email}, "password": {"wrong-password-zz"}})
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
	srv := boardtest.New(b, boardtest.Options{ThrottleWindow: time.Nanosecond})
	srv.CreateUser(b, "bench@example.com", "Bench", "bench-password-ok", models.RoleMember)
	c := srv.Client(b)
	token := c.CSRFFrom("/login")
	attempt := func(b *testing.B, email string) {
		res := c.Bind(b).PostToken("/login", url.Values{"email": {email}, "password": {"wrong-password-zz"}}, token)
		if res.Status != http.StatusUnauthorized {
			b.Fatalf("%s: status %d, want 401", email, res.Status)
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
