package main

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var countdownRE = regexp.MustCompile(`^expires in (\d+):(\d\d)$`)

// secondsLeft reads the countdown the page's script keeps, in seconds.
func (p *person) secondsLeft() int {
	p.t.Helper()
	text := p.text("[data-testid=countdown]")
	m := countdownRE.FindStringSubmatch(text)
	if m == nil {
		p.t.Fatalf("%s: countdown says %q, want \"expires in M:SS\" (the script did not run)%s", p.name, text, p.where())
	}
	min, _ := strconv.Atoi(m[1])
	sec, _ := strconv.Atoi(m[2])
	return min*60 + sec
}

// The seed's step 4 in a real browser: issue a token pair on /learn/token,
// watch it count down, refresh it (rotation), use the spent refresh token
// again and see the whole family die, in the page and at the API.
func TestBrowserTokenLadder(t *testing.T) {
	board := startBoard(t, "-demo")
	browser := newBrowser(t)
	alice := newPerson(t, browser, board, "Alice")
	alice.signIn(aliceEmail, alicePassword)

	if st := alice.open("/learn/token"); st != http.StatusOK {
		t.Fatalf("GET /learn/token: %d", st)
	}
	alice.expectContains("[data-testid=learn-title]", "Tokens", "토큰")
	if st := alice.click("[data-testid=issue-token]"); st != http.StatusOK || alice.path() != "/learn/token" {
		t.Fatalf("issuing: ended on %s with status %d%s", alice.path(), st, alice.where())
	}
	first, firstRefresh := alice.text("[data-testid=access-token]"), alice.text("[data-testid=refresh-token]")
	board.mustNotLog(first, firstRefresh)
	alice.expectContains("[data-testid=jwt-header]", `"typ": "at+jwt"`, `"alg": "ES256"`)
	alice.expectContains("[data-testid=jwt-payload]", `"iss": "`+board.URL+`"`, `"client_id": "board-learn"`, `"sid"`)

	// The static script counts down; without it the page says the time.
	left := alice.secondsLeft()
	if left < 9*60 || left > 10*60 {
		t.Errorf("countdown %ds just after issuing, want about 600", left)
	}
	time.Sleep(2100 * time.Millisecond)
	if now := alice.secondsLeft(); now >= left || now < left-4 {
		t.Errorf("countdown went from %ds to %ds in two seconds", left, now)
	}
	if st := apiStatus(t, board.URL, "/api/v1/me", first); st != http.StatusOK {
		t.Fatalf("the issued access token at the API: %d", st)
	}

	// Refresh: a new pair; the old refresh token is spent.
	if st := alice.click("[data-testid=refresh]"); st != http.StatusOK {
		t.Fatalf("refresh: %d%s", st, alice.where())
	}
	alice.expectContains("[data-testid=token-outcome]", "Rotated")
	second, secondRefresh := alice.text("[data-testid=access-token]"), alice.text("[data-testid=refresh-token]")
	board.mustNotLog(second, secondRefresh)
	if second == first || secondRefresh == firstRefresh {
		t.Fatal("refreshing did not rotate the pair")
	}
	if !alice.has("[data-testid=reuse]") {
		t.Fatalf("no \"use the old refresh token again\" button%s", alice.where())
	}
	alice.screenshot("token-rotated")

	// The spent refresh token again: the family dies.
	if st := alice.click("[data-testid=reuse]"); st != http.StatusBadRequest {
		t.Errorf("reuse: status %d, want 400", st)
	}
	alice.expectContains("[data-testid=token-outcome]", "is dead", "already spent")
	if alice.has("[data-testid=access-token]") {
		t.Error("the reuse page shows a token")
	}
	if st := apiStatus(t, board.URL, "/api/v1/me", second); st != http.StatusUnauthorized {
		t.Errorf("the family's newest access token after reuse: %d, want 401", st)
	}
	if st := alice.click("[data-testid=try-newest]"); st != http.StatusBadRequest {
		t.Errorf("the newest refresh token: status %d, want 400", st)
	}
	alice.expectContains("[data-testid=token-outcome]", "was revoked", "used twice")
	alice.screenshot("token-family-dead")

	// The account page no longer lists the family.
	alice.open("/account")
	if !alice.has("[data-testid=no-token-families]") {
		t.Errorf("the dead family is still on the account page")
	}
}
