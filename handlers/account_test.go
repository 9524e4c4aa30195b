package handlers_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"board/models"
)

// Tests for "your account and your sessions" (handlers/account.go, the
// session index in models/session.go, the admin's view of a member's
// sessions): each browser is a client with its own cookie jar.

const (
	uaFirefoxLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	uaSafariIPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	uaChromeWin    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"

	msgRevoked = "This session was signed out from another device or by an admin."
)

// browserAs is a new browser with the given User-Agent, signed in through the form.
func (b *board) browserAs(t *testing.T, ua, email, password string) *client {
	t.Helper()
	c := b.clientT(t)
	c.setHeader("User-Agent", ua)
	c.login(email, password)
	return c
}

// sessionRow is one row of a sessions table as a person sees it.
type sessionRow struct {
	Device     string
	ThisDevice bool
	Address    string
	Times      []string // started, last seen
	RevokeID   int64    // 0 when the row has no "Sign out" form
}

var (
	sessionRowRe = regexp.MustCompile(`(?s)<tr data-testid="session-row">(.*?)</tr>`)
	cellRe       = regexp.MustCompile(`(?s)<td>(.*?)</td>`)
	revokeRe     = regexp.MustCompile(`action="/account/sessions/(\d+)/revoke"`)
	tagsRe       = regexp.MustCompile(`<[^>]*>`)
	shownTimeRe  = regexp.MustCompile(`^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC$`)
	flashRe      = regexp.MustCompile(`data-testid="flash">([^<]*)<`)
)

func text(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagsRe.ReplaceAllString(s, " "))), " ")
}

// sessionRows parses the session rows of a page (the account page, or the
// admin's page about a member).
func sessionRows(t *testing.T, body string) []sessionRow {
	t.Helper()
	var out []sessionRow
	for _, m := range sessionRowRe.FindAllStringSubmatch(body, -1) {
		cells := cellRe.FindAllStringSubmatch(m[1], -1)
		if len(cells) < 4 {
			t.Fatalf("session row with %d cells: %s", len(cells), m[1])
		}
		r := sessionRow{
			Device:     strings.TrimSpace(strings.Replace(text(cells[0][1]), "(this device)", "", 1)),
			ThisDevice: strings.Contains(cells[0][1], `data-testid="this-device"`),
			Address:    text(cells[1][1]),
			Times:      []string{text(cells[2][1]), text(cells[3][1])},
		}
		if id := revokeRe.FindStringSubmatch(m[1]); id != nil {
			r.RevokeID, _ = strconv.ParseInt(id[1], 10, 64)
		}
		out = append(out, r)
	}
	return out
}

func flashOf(body string) string {
	if m := flashRe.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

var errorMessageRe = regexp.MustCompile(`(?s)data-testid="error-message">(.*?)</p>`)

func errorMessage(body string) string {
	if m := errorMessageRe.FindStringSubmatch(body); m != nil {
		return text(m[1])
	}
	return ""
}

func fieldError(body, name string) string {
	re := regexp.MustCompile(`data-testid="error-` + regexp.QuoteMeta(name) + `">([^<]*)<`)
	if m := re.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// sessionIDOf is the index id of the session behind a browser's cookie (0 if none).
func (b *board) sessionIDOf(t *testing.T, userID int64, c *client) int64 {
	t.Helper()
	ss, err := b.SessionIndex.ForUser(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Hash == models.SessionHash(c.sessionCookie()) {
			return s.ID
		}
	}
	return 0
}

func (b *board) liveSessions(t *testing.T, userID int64) int {
	t.Helper()
	ss, err := b.SessionIndex.ForUser(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return len(ss)
}

// indexRows counts user_sessions rows of a user (live or not).
func (b *board) indexRows(t *testing.T, userID int64) int {
	t.Helper()
	var n int
	if err := b.DB.Read.QueryRow(`SELECT count(*) FROM user_sessions WHERE user_id = ?`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantSignedOut checks the browser's next request is refused as anonymous,
// with the sign-in page saying why (when why is not "").
func wantSignedOut(t *testing.T, what string, c *client, why string) {
	t.Helper()
	res := c.get("/posts")
	if !wantStatus(t, what+": GET /posts", res, http.StatusUnauthorized) {
		return
	}
	mustContain(t, what, res.Body, `data-testid="login-form"`)
	if why != "" {
		mustContain(t, what, html.UnescapeString(res.Body), why)
	}
}

func wantSignedIn(t *testing.T, what string, c *client) {
	t.Helper()
	wantStatus(t, what+": GET /posts", c.get("/posts"), http.StatusOK)
}

// auditAbout lists events of kind about user target, newest first.
func (ts *testServer) auditAbout(t *testing.T, kind models.AuditKind, target int64) []*models.AuditEvent {
	t.Helper()
	var out []*models.AuditEvent
	for _, e := range ts.auditEvents(t, kind) {
		if e.TargetType == "user" && e.TargetID == target {
			out = append(out, e)
		}
	}
	return out
}

// --- sessions: list, revoke, sign out everywhere else -----------------------

func TestAccountSessionsTwoBrowsers(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	alice := b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	bob := b.createUser("bob@example.com", "Bob", bobPW, models.RoleMember)
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	B := b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)

	page := A.get("/account")
	if !wantStatus(t, "GET /account on A", page, http.StatusOK) {
		return
	}
	rows := sessionRows(t, page.Body)
	if len(rows) != 2 {
		t.Fatalf("A's account page lists %d sessions, want 2: %+v", len(rows), rows)
	}
	var onA, onB *sessionRow
	for i := range rows {
		r := &rows[i]
		if r.ThisDevice {
			if onA != nil {
				t.Errorf("two rows are marked \"this device\": %+v", rows)
			}
			onA = r
		} else {
			onB = r
		}
		if r.Address != "127.0.0.1" {
			t.Errorf("row %+v: address %q, want 127.0.0.1", r, r.Address)
		}
		for _, tm := range r.Times {
			if !shownTimeRe.MatchString(tm) {
				t.Errorf("row %+v: time %q is not shown like \"2 Jan 2006 15:04 UTC\"", r, tm)
			}
		}
	}
	if onA == nil || onB == nil {
		t.Fatalf("want one row marked \"this device\" and one not: %+v", rows)
	}
	if onA.Device != "Firefox on Linux" {
		t.Errorf("A's row: device %q, want \"Firefox on Linux\" (from its User-Agent)", onA.Device)
	}
	if onB.Device != "Safari on iPhone" {
		t.Errorf("B's row: device %q, want \"Safari on iPhone\"", onB.Device)
	}
	if onA.RevokeID != 0 {
		t.Errorf("A's own row offers \"Sign out\" (session %d): it should be the sign-out button instead", onA.RevokeID)
	}
	bID := b.sessionIDOf(t, alice.ID, B)
	if onB.RevokeID == 0 || onB.RevokeID != bID {
		t.Fatalf("B's row revokes session %d, but B's cookie is session %d", onB.RevokeID, bID)
	}
	// B's page marks B's row instead.
	for _, r := range sessionRows(t, B.get("/account").Body) {
		if r.ThisDevice != (r.Device == "Safari on iPhone") {
			t.Errorf("on B's page, row %+v: \"this device\" marks the wrong row", r)
		}
	}

	// Revoking another member's session: 404, and it still works.
	C := b.browserAs(t, uaChromeWin, "bob@example.com", bobPW)
	bobSession := b.sessionIDOf(t, bob.ID, C)
	if bobSession == 0 {
		t.Fatal("bob's session is not in the index")
	}
	res := A.post("/account/sessions/"+itoa(bobSession)+"/revoke", nil)
	wantStatus(t, "A revokes bob's session", res, http.StatusNotFound)
	wantSignedIn(t, "bob after alice tried to revoke his session", C)
	for _, id := range []string{"999999", "0", "-1", "abc"} {
		wantStatus(t, "revoke session "+id, A.post("/account/sessions/"+id+"/revoke", nil), http.StatusNotFound)
	}
	wantSignedIn(t, "B before being revoked", B)
	if n := len(b.auditEvents(t, models.AuditSessionRevoked)); n != 0 {
		t.Errorf("%d session_revoked events after refused revokes, want 0", n)
	}

	// A signs B out.
	bCookie := B.sessionCookie()
	res = A.post("/account/sessions/"+itoa(onB.RevokeID)+"/revoke", nil)
	if !wantStatus(t, "A revokes B", res, http.StatusSeeOther) {
		return
	}
	if res.Location() != "/account" {
		t.Errorf("revoke redirects to %q, want /account", res.Location())
	}
	page = A.get("/account")
	if f := flashOf(page.Body); !strings.Contains(f, "signed out") {
		t.Errorf("flash after revoking %q, want it to say the session is signed out", f)
	}
	if rows := sessionRows(t, page.Body); len(rows) != 1 || !rows[0].ThisDevice {
		t.Errorf("after revoking B, A's page lists %+v, want only A", rows)
	}
	wantSignedOut(t, "B after being revoked", B, msgRevoked)
	wantSignedIn(t, "A after revoking B", A)
	wantSignedIn(t, "bob after alice revoked her own session", C)
	// B's old cookie stays dead, in any browser.
	replay := b.clientT(t)
	replay.setSessionCookie(bCookie)
	wantStatus(t, "B's revoked cookie replayed", replay.get("/posts"), http.StatusUnauthorized)
	// Revoking the same id again: it is gone.
	wantStatus(t, "revoke B again", A.post("/account/sessions/"+itoa(onB.RevokeID)+"/revoke", nil), http.StatusNotFound)

	ev := b.auditAbout(t, models.AuditSessionRevoked, alice.ID)
	if len(ev) != 1 || ev[0].ActorID != alice.ID || ev[0].ClientIP != "127.0.0.1" {
		t.Errorf("session_revoked events %+v, want one by alice from 127.0.0.1", ev)
	}
}

func TestAccountPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	alice := b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	b.createUser("bob@example.com", "Bob", bobPW, models.RoleMember)
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	B := b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)
	bob := b.browserAs(t, uaChromeWin, "bob@example.com", bobPW)
	before := A.sessionCookie()
	const newPW = "a brand new passphrase 7"

	res := A.post("/account/password", url.Values{"current_password": {alicePW}, "new_password": {newPW}})
	if !wantStatus(t, "change password", res, http.StatusSeeOther) {
		return
	}
	if res.Location() != "/account" {
		t.Errorf("password change redirects to %q, want /account", res.Location())
	}
	after := A.sessionCookie()
	if after == "" || after == before {
		t.Errorf("A's session token was not renewed by the password change (before %q, after %q)", before, after)
	}
	page := A.get("/account")
	if !wantStatus(t, "A's account page after the change", page, http.StatusOK) {
		return
	}
	if f := flashOf(page.Body); !strings.Contains(f, "1 other session was signed out") {
		t.Errorf("flash %q, want it to say 1 other session was signed out", f)
	}
	if rows := sessionRows(t, page.Body); len(rows) != 1 || !rows[0].ThisDevice {
		t.Errorf("after the change A's page lists %+v, want only A's (renewed) session", rows)
	}
	if id := b.sessionIDOf(t, alice.ID, A); id == 0 {
		t.Error("A's renewed token is not in the session index")
	}
	wantSignedIn(t, "A after changing the password", A)
	wantSignedOut(t, "B after A changed the password", B, msgRevoked)
	wantSignedIn(t, "bob (another member) after alice's change", bob)
	old := b.clientT(t)
	old.setSessionCookie(before)
	wantStatus(t, "A's pre-change token replayed", old.get("/posts"), http.StatusUnauthorized)

	wantStatus(t, "sign-in with the old password", b.clientT(t).attempt("alice@example.com", alicePW), http.StatusUnauthorized)
	wantStatus(t, "sign-in with the new password", b.clientT(t).attempt("alice@example.com", newPW), http.StatusSeeOther)
	u := b.userByID(t, alice.ID)
	if ok, _ := models.CheckPassword(newPW, u.PasswordHash); !ok {
		t.Error("stored hash does not match the new password")
	}
	ev := b.auditAbout(t, models.AuditPasswordChanged, alice.ID)
	if len(ev) != 1 || ev[0].ActorID != alice.ID || ev[0].ClientIP != "127.0.0.1" {
		t.Errorf("password_changed events %+v, want one by alice from 127.0.0.1", ev)
	}
	for _, e := range b.auditEvents(t, "") {
		if strings.Contains(e.Detail, newPW) || strings.Contains(e.Detail, alicePW) {
			t.Errorf("audit event %d (%s) carries a password in its detail", e.ID, e.Kind)
		}
	}
}

func TestAccountEndOtherSessions(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	alice := b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	b.createUser("bob@example.com", "Bob", bobPW, models.RoleMember)
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	B := b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)
	C := b.browserAs(t, uaChromeWin, "alice@example.com", alicePW)
	bob := b.browserAs(t, uaChromeWin, "bob@example.com", bobPW)
	if rows := sessionRows(t, A.get("/account").Body); len(rows) != 3 {
		t.Fatalf("A's page lists %d sessions, want 3", len(rows))
	}
	aCookie := A.sessionCookie()

	res := A.post("/account/sessions/end-others", nil)
	if !wantStatus(t, "sign out everywhere else", res, http.StatusSeeOther) {
		return
	}
	page := A.get("/account")
	if f := flashOf(page.Body); !strings.Contains(f, "2 other sessions were signed out") {
		t.Errorf("flash %q, want it to say 2 other sessions were signed out", f)
	}
	if rows := sessionRows(t, page.Body); len(rows) != 1 || !rows[0].ThisDevice || rows[0].Device != "Firefox on Linux" {
		t.Errorf("after ending the others A's page lists %+v, want only A", rows)
	}
	if A.sessionCookie() != aCookie {
		t.Log("note: A's token changed on \"sign out everywhere else\"")
	}
	wantSignedIn(t, "A", A)
	wantSignedOut(t, "B", B, msgRevoked)
	wantSignedOut(t, "C", C, msgRevoked)
	wantSignedIn(t, "bob (another member)", bob)
	ev := b.auditAbout(t, models.AuditSessionsEnded, alice.ID)
	if len(ev) != 1 || ev[0].ActorID != alice.ID || ev[0].ClientIP != "127.0.0.1" {
		t.Errorf("sessions_ended events %+v, want one by alice from 127.0.0.1", ev)
	}
	if b.indexRows(t, alice.ID) != 1 {
		t.Errorf("alice has %d session index rows, want 1", b.indexRows(t, alice.ID))
	}
}

// --- password rules ---------------------------------------------------------

func TestAccountPasswordRules(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	alice := b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	B := b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)
	hashBefore := b.userByID(t, alice.ID).PasswordHash
	const common = "password123"
	if !models.IsCommonPassword(common) {
		t.Fatalf("%q is not on models/common_passwords.txt: pick another common password for this test", common)
	}

	cases := []struct {
		name       string
		form       url.Values
		field, msg string
	}{
		{"wrong current password", url.Values{"current_password": {"not-" + alicePW}, "new_password": {"fine new passphrase"}},
			"current_password", "Your current password is not correct."},
		{"no current password", url.Values{"new_password": {"fine new passphrase"}},
			"current_password", "Your current password is not correct."},
		{"common new password", url.Values{"current_password": {alicePW}, "new_password": {common}},
			"new_password", "on the list of the most common passwords"},
		{"common new password, other case", url.Values{"current_password": {alicePW}, "new_password": {"PassWord123"}},
			"new_password", "on the list of the most common passwords"},
		{"too short", url.Values{"current_password": {alicePW}, "new_password": {"short7!"}},
			"new_password", "at least 8 characters"},
		{"too long", url.Values{"current_password": {alicePW}, "new_password": {strings.Repeat("x", models.MaxPassword+1)}},
			"new_password", "at most 128 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			A, B := A.bind(t), B.bind(t)
			cookie := A.sessionCookie()
			res := A.post("/account/password", tc.form)
			if !wantStatus(t, tc.name, res, http.StatusUnprocessableEntity) {
				return
			}
			if got := fieldError(res.Body, tc.field); !strings.Contains(got, tc.msg) {
				t.Errorf("%s: error on %s = %q, want %q", tc.name, tc.field, got, tc.msg)
			}
			if u := b.userByID(t, alice.ID); u.PasswordHash != hashBefore {
				t.Errorf("%s: the stored password hash changed", tc.name)
			}
			if A.sessionCookie() != cookie {
				t.Errorf("%s: A's session token changed on a refused change", tc.name)
			}
			wantSignedIn(t, tc.name+": A", A)
			wantSignedIn(t, tc.name+": B (no session ended)", B)
		})
	}
	if n := len(b.auditEvents(t, models.AuditPasswordChanged)); n != 0 {
		t.Errorf("%d password_changed events after refused changes, want 0", n)
	}
	if b.liveSessions(t, alice.ID) != 2 {
		t.Errorf("alice has %d live sessions, want 2", b.liveSessions(t, alice.ID))
	}
	wantStatus(t, "the old password still works", b.clientT(t).attempt("alice@example.com", alicePW), http.StatusSeeOther)
}

// An account made by a Google sign-in has no password to confirm with: it
// needs a provider round trip in the last 5 minutes to set one.
func TestAccountSocialOnlySetPassword(t *testing.T) {
	t.Parallel()
	sx := newSocialServer(t, socialOptions{})
	rae := socialWho{Email: "rae@example.com", Name: "Rae", Verified: true}
	c := sx.browser(t)
	sx.signInWith(t, c, "google", rae, "")
	u := sx.userByEmail(t, "rae@example.com")
	if u == nil || u.HasPassword() {
		t.Fatalf("want a password-less account from the Google sign-in, got %+v", u)
	}
	page := c.get("/account")
	socialWantPage(t, "account page", page, http.StatusOK, "Password: not set", "Set a password")
	const pw = "rae sets a passphrase 1"

	res := c.post("/account/password", url.Values{"new_password": {pw}})
	socialWantPage(t, "set a password without re-authentication", res, http.StatusUnprocessableEntity, "Confirm it is you first")
	res = c.post("/account/password", url.Values{"current_password": {""}, "new_password": {pw}})
	socialWantPage(t, "set a password with an empty current password", res, http.StatusUnprocessableEntity, "Confirm it is you first")
	if sx.userByEmail(t, "rae@example.com").HasPassword() {
		t.Fatal("a password was set without re-authentication")
	}

	// The window closes: a confirmation older than 5 minutes unlocks nothing.
	f := sx.roundTrip(t, c, "/account/reauth/google", "", rae)
	if f.Final.Status != http.StatusSeeOther || f.Final.Location() != "/account" {
		t.Fatalf("re-authentication: %d to %q\n%s", f.Final.Status, f.Final.Location(), socialClip(f.Final.Body))
	}
	sx.Clock.Advance(5*time.Minute + time.Second)
	res = c.post("/account/password", url.Values{"new_password": {pw}})
	socialWantPage(t, "set a password after the window closed", res, http.StatusUnprocessableEntity, "Confirm it is you first")
	if sx.userByEmail(t, "rae@example.com").HasPassword() {
		t.Fatal("a password was set after the re-authentication window closed")
	}

	// Within the window it works.
	f = sx.roundTrip(t, c, "/account/reauth/google", "", rae)
	if f.Final.Status != http.StatusSeeOther {
		t.Fatalf("second re-authentication: %d", f.Final.Status)
	}
	before := c.sessionCookie()
	res = c.post("/account/password", url.Values{"new_password": {pw}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("set a password within the window: %d, want 303\n%s", res.Status, socialClip(res.Body))
	}
	if c.sessionCookie() == before {
		t.Error("session token not renewed when the password was set")
	}
	page = c.get("/account")
	socialWantPage(t, "account page after setting a password", page, http.StatusOK, "Password: set", "0 other sessions were signed out")
	got := sx.userByEmail(t, "rae@example.com")
	if ok, _ := models.CheckPassword(pw, got.PasswordHash); !ok {
		t.Error("stored hash does not match the password set")
	}
	fresh := sx.newClient()
	fresh.t = t
	fresh.login("rae@example.com", pw)
	socialWantSignedInAs(t, fresh, "Rae")
	if n := sx.auditCount(t, models.AuditPasswordChanged, u.ID, ""); n != 1 {
		t.Errorf("password_changed events for rae: %d, want 1", n)
	}
}

// --- profile ------------------------------------------------------------------

func TestAccountProfileChange(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	hash, err := models.HashPassword(alicePW)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := b.Users.Create(context.Background(), models.NewUser{Email: "alice@example.com", EmailVerified: true,
		DisplayName: "Alice", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)

	// Name only: the email stays verified.
	res := A.post("/account/profile", url.Values{"email": {"alice@example.com"}, "display_name": {"Alice Renamed"},
		"current_password": {alicePW}})
	if !wantStatus(t, "rename", res, http.StatusSeeOther) {
		return
	}
	u := b.userByID(t, alice.ID)
	if u.DisplayName != "Alice Renamed" || u.Email != "alice@example.com" || !u.EmailVerified {
		t.Errorf("after a rename: %q %q verified=%v, want Alice Renamed, same email, still verified", u.DisplayName, u.Email, u.EmailVerified)
	}
	if ev := b.auditAbout(t, models.AuditNameChanged, alice.ID); len(ev) != 1 || ev[0].Detail != "Alice -> Alice Renamed" || ev[0].ActorID != alice.ID {
		t.Errorf("display_name_changed events %+v, want one \"Alice -> Alice Renamed\" by alice", ev)
	}
	if ev := b.auditAbout(t, models.AuditEmailChanged, alice.ID); len(ev) != 0 {
		t.Errorf("email_changed events %+v after a rename only, want none", ev)
	}
	if f := flashOf(A.get("/account").Body); !strings.Contains(f, "profile is saved") {
		t.Errorf("flash %q, want \"Your profile is saved.\"", f)
	}

	// Both: the new email is unverified.
	res = A.post("/account/profile", url.Values{"email": {"alice.new@example.com"}, "display_name": {"Alice Again"},
		"current_password": {alicePW}})
	if !wantStatus(t, "change email and name", res, http.StatusSeeOther) {
		return
	}
	u = b.userByID(t, alice.ID)
	if u.Email != "alice.new@example.com" || u.DisplayName != "Alice Again" {
		t.Errorf("after the change: %q %q", u.Email, u.DisplayName)
	}
	if u.EmailVerified {
		t.Error("the new email is marked verified: it must reset to unverified when the email changes")
	}
	if ev := b.auditAbout(t, models.AuditEmailChanged, alice.ID); len(ev) != 1 || ev[0].Detail != "alice@example.com -> alice.new@example.com" {
		t.Errorf("email_changed events %+v, want one \"alice@example.com -> alice.new@example.com\"", ev)
	}
	if ev := b.auditAbout(t, models.AuditNameChanged, alice.ID); len(ev) != 2 || ev[0].Detail != "Alice Renamed -> Alice Again" {
		t.Errorf("display_name_changed events %+v, want a second one \"Alice Renamed -> Alice Again\"", ev)
	}
	page := A.get("/posts")
	wantStatus(t, "still signed in", page, http.StatusOK)
	mustContain(t, "whoami after the change", page.Body, "Alice Again", "alice.new@example.com")
	wantStatus(t, "sign-in with the new email", b.clientT(t).attempt("alice.new@example.com", alicePW), http.StatusSeeOther)
	wantStatus(t, "sign-in with the old email", b.clientT(t).attempt("alice@example.com", alicePW), http.StatusUnauthorized)
}

func TestAccountProfileRefusals(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	alice := b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	b.createUser("bob@example.com", "Bob", bobPW, models.RoleMember)
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	cases := []struct {
		name       string
		form       url.Values
		field, msg string
	}{
		{"wrong password", url.Values{"email": {"alice2@example.com"}, "display_name": {"Alice Two"}, "current_password": {"nope-" + alicePW}},
			"current_password", "Your current password is not correct."},
		{"no password", url.Values{"email": {"alice2@example.com"}, "display_name": {"Alice Two"}},
			"current_password", "Your current password is not correct."},
		{"email of another account", url.Values{"email": {"bob@example.com"}, "display_name": {"Alice Two"}, "current_password": {alicePW}},
			"email", "Another account uses this email."},
		{"email of another account, other case", url.Values{"email": {"BOB@Example.com"}, "display_name": {"Alice Two"}, "current_password": {alicePW}},
			"email", "Another account uses this email."},
		{"malformed email", url.Values{"email": {"not-an-email"}, "display_name": {"Alice Two"}, "current_password": {alicePW}},
			"email", "Enter an email address"},
		{"empty name", url.Values{"email": {"alice2@example.com"}, "display_name": {"  "}, "current_password": {alicePW}},
			"display_name", "Display name is required."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			A := A.bind(t)
			res := A.post("/account/profile", tc.form)
			if !wantStatus(t, tc.name, res, http.StatusUnprocessableEntity) {
				return
			}
			if got := fieldError(res.Body, tc.field); !strings.Contains(got, tc.msg) {
				t.Errorf("%s: error on %s = %q, want %q", tc.name, tc.field, got, tc.msg)
			}
			// What was typed is kept in the form.
			if e := tc.form.Get("email"); !strings.Contains(res.Body, `value="`+html.EscapeString(e)+`"`) {
				t.Errorf("%s: the form does not keep the email typed (%q)", tc.name, e)
			}
			u := b.userByID(t, alice.ID)
			if u.Email != "alice@example.com" || u.DisplayName != "Alice" {
				t.Errorf("%s: the profile changed to %q %q", tc.name, u.Email, u.DisplayName)
			}
		})
	}
	for _, k := range []models.AuditKind{models.AuditEmailChanged, models.AuditNameChanged} {
		if n := len(b.auditEvents(t, k)); n != 0 {
			t.Errorf("%d %s events after refused changes, want 0", n, k)
		}
	}
	if _, err := b.Users.ByEmail(context.Background(), "bob@example.com"); err != nil {
		t.Errorf("bob's account: %v", err)
	}
}

// --- delete account ---------------------------------------------------------

type deleteFixture struct {
	b            *board
	alice, bob   *models.User
	A, A2, Bob   *client
	alicePost    *models.Post
	bobPost      *models.Post
	aliceOnOwn   *models.Comment
	aliceOnBobs  *models.Comment
	bobOnAlice   *models.Comment
	aliceCookie2 string
}

func newDeleteFixture(t *testing.T) *deleteFixture {
	t.Helper()
	b := newBoard(t, boardOpts{})
	f := &deleteFixture{b: b}
	f.alice = b.createUser("alice@example.com", "Alice Author", alicePW, models.RoleMember)
	f.bob = b.createUser("bob@example.com", "Bob Bystander", bobPW, models.RoleMember)
	f.alicePost = b.seedPost(t, f.alice, "Alice's post zq1", "body zq1")
	f.bobPost = b.seedPost(t, f.bob, "Bob's post zq2", "body zq2")
	f.aliceOnOwn = b.seedComment(t, f.alicePost, f.alice, "alice on her own post zq3")
	f.aliceOnBobs = b.seedComment(t, f.bobPost, f.alice, "alice on bob's post zq4")
	f.bobOnAlice = b.seedComment(t, f.alicePost, f.bob, "bob on alice's post zq5")
	if err := b.Identities.Link(context.Background(), &models.Identity{UserID: f.alice.ID, Provider: "google", Subject: "alice-sub-1",
		Email: "alice@example.com"}, models.Actor{UserID: f.alice.ID}); err != nil {
		t.Fatal(err)
	}
	f.A = b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	f.A2 = b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)
	f.aliceCookie2 = f.A2.sessionCookie()
	f.Bob = b.browserAs(t, uaChromeWin, "bob@example.com", bobPW)
	return f
}

// wantAccountGone checks everything of alice's account is gone.
func (f *deleteFixture) wantAccountGone(t *testing.T) {
	t.Helper()
	b := f.b
	if _, err := b.Users.ByID(context.Background(), f.alice.ID); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("alice's account: %v, want ErrNotFound", err)
	}
	wantSignedOut(t, "the deleting browser", f.A, "")
	wantSignedOut(t, "alice's second browser", f.A2, "")
	replay := b.clientT(t)
	replay.setSessionCookie(f.aliceCookie2)
	wantStatus(t, "alice's second session cookie replayed", replay.get("/posts"), http.StatusUnauthorized)
	var n int
	if err := b.DB.Read.QueryRow(`SELECT count(*) FROM sessions WHERE token = ?`, models.SessionHash(f.aliceCookie2)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("alice's second session is still in the scs sessions table")
	}
	if r := b.indexRows(t, f.alice.ID); r != 0 {
		t.Errorf("alice has %d session index rows, want 0", r)
	}
	ids, err := b.Identities.ForUser(context.Background(), f.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Identities.Find(context.Background(), "google", "alice-sub-1"); len(ids) != 0 || !errors.Is(err, models.ErrNotFound) {
		t.Errorf("alice's identities %+v remain (Find: %v)", ids, err)
	}
	wantStatus(t, "signing in as alice", b.clientT(t).attempt("alice@example.com", alicePW), http.StatusUnauthorized)
	wantSignedIn(t, "bob", f.Bob)
}

func TestAccountDeleteKeepPosts(t *testing.T) {
	t.Parallel()
	f := newDeleteFixture(t)
	res := f.A.post("/account/delete", url.Values{"current_password": {alicePW}, "confirm": {"DELETE"}, "posts": {"keep"}})
	if !wantStatus(t, "delete account", res, http.StatusSeeOther) {
		return
	}
	if res.Location() != "/" {
		t.Errorf("delete redirects to %q, want /", res.Location())
	}
	if fl := flashOf(f.A.get("/").Body); !strings.Contains(fl, "account is deleted") {
		t.Errorf("flash %q, want \"Your account is deleted. Goodbye.\"", fl)
	}
	f.wantAccountGone(t)

	p := f.b.postByID(t, f.alicePost.ID)
	if p == nil {
		t.Fatal("alice's post is gone, want it kept")
	}
	if p.AuthorID != 0 || p.AuthorName != "" {
		t.Errorf("kept post author %d %q, want none", p.AuthorID, p.AuthorName)
	}
	for _, cm := range []*models.Comment{f.aliceOnOwn, f.aliceOnBobs, f.bobOnAlice} {
		if f.b.commentByID(t, cm.ID) == nil {
			t.Errorf("comment %q is gone, want it kept", cm.Body)
		}
	}
	page := f.Bob.get("/posts/" + itoa(f.alicePost.ID))
	if wantStatus(t, "bob reads alice's kept post", page, http.StatusOK) {
		mustContain(t, "kept post", page.Body, `data-testid="post-author">deleted member<`, "alice on her own post zq3", "bob on alice&#39;s post zq5")
		mustNotContain(t, "kept post", page.Body, "Alice Author")
	}
	ev := f.b.auditAbout(t, models.AuditAccountDeleted, f.alice.ID)
	if len(ev) != 1 || ev[0].ActorID != f.alice.ID || ev[0].Detail != "posts kept as deleted member" || ev[0].ClientIP != "127.0.0.1" {
		t.Errorf("account_deleted events %+v, want one by alice, \"posts kept as deleted member\"", ev)
	}
}

func TestAccountDeleteWithPostsAndComments(t *testing.T) {
	t.Parallel()
	f := newDeleteFixture(t)
	res := f.A.post("/account/delete", url.Values{"current_password": {alicePW}, "confirm": {"DELETE"}, "posts": {"delete"}})
	if !wantStatus(t, "delete account with posts", res, http.StatusSeeOther) {
		return
	}
	f.wantAccountGone(t)
	if f.b.postByID(t, f.alicePost.ID) != nil {
		t.Error("alice's post is still there")
	}
	for _, cm := range []*models.Comment{f.aliceOnOwn, f.aliceOnBobs, f.bobOnAlice} {
		if f.b.commentByID(t, cm.ID) != nil {
			t.Errorf("comment %q is still there", cm.Body)
		}
	}
	if f.b.postByID(t, f.bobPost.ID) == nil {
		t.Error("bob's post was deleted with alice's account")
	}
	wantStatus(t, "alice's post page", f.Bob.get("/posts/"+itoa(f.alicePost.ID)), http.StatusNotFound)
	page := f.Bob.get("/posts/" + itoa(f.bobPost.ID))
	mustNotContain(t, "bob's post", page.Body, "alice on bob")
	ev := f.b.auditAbout(t, models.AuditAccountDeleted, f.alice.ID)
	if len(ev) != 1 || ev[0].Detail != "posts and comments deleted" {
		t.Errorf("account_deleted events %+v, want one \"posts and comments deleted\"", ev)
	}
}

func TestAccountDeleteRefusals(t *testing.T) {
	t.Parallel()
	f := newDeleteFixture(t)
	cases := []struct {
		name       string
		form       url.Values
		field, msg string
	}{
		{"no confirm", url.Values{"current_password": {alicePW}, "posts": {"delete"}}, "confirm", "Type DELETE to confirm."},
		{"confirm in lower case", url.Values{"current_password": {alicePW}, "confirm": {"delete"}, "posts": {"delete"}}, "confirm", "Type DELETE to confirm."},
		{"wrong password", url.Values{"current_password": {"not-" + alicePW}, "confirm": {"DELETE"}, "posts": {"delete"}},
			"current_password", "Your current password is not correct."},
		{"no password", url.Values{"confirm": {"DELETE"}, "posts": {"delete"}}, "current_password", "Your current password is not correct."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			A, A2 := f.A.bind(t), f.A2.bind(t)
			res := A.post("/account/delete", tc.form)
			if !wantStatus(t, tc.name, res, http.StatusUnprocessableEntity) {
				return
			}
			if got := fieldError(res.Body, tc.field); got != tc.msg {
				t.Errorf("%s: error on %s = %q, want %q", tc.name, tc.field, got, tc.msg)
			}
			if _, err := f.b.Users.ByID(context.Background(), f.alice.ID); err != nil {
				t.Fatalf("%s: alice's account: %v", tc.name, err)
			}
			wantSignedIn(t, tc.name+": the browser that tried", A)
			wantSignedIn(t, tc.name+": alice's other browser", A2)
		})
	}
	if f.b.postByID(t, f.alicePost.ID) == nil || f.b.commentByID(t, f.aliceOnBobs.ID) == nil {
		t.Error("alice's content was deleted by a refused account deletion")
	}
	if ids, _ := f.b.Identities.ForUser(context.Background(), f.alice.ID); len(ids) != 1 {
		t.Errorf("alice has %d identities, want 1", len(ids))
	}
	if n := len(f.b.auditEvents(t, models.AuditAccountDeleted)); n != 0 {
		t.Errorf("%d account_deleted events, want 0", n)
	}
}

// --- admins -----------------------------------------------------------------

func TestAccountAdminEndsMemberSessions(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	alice := b.createUser("alice@example.com", "Alice Author", alicePW, models.RoleMember)
	b.createUser("bob@example.com", "Bob Bystander", bobPW, models.RoleMember)
	admin := b.createUser("ada@example.com", "Ada Admin", adminPW, models.RoleAdmin)
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	A2 := b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)
	Bob := b.browserAs(t, uaChromeWin, "bob@example.com", bobPW)
	Ada := b.browserAs(t, uaChromeWin, "ada@example.com", adminPW)
	path := "/admin/users/" + itoa(alice.ID)

	// Members may not look or act.
	res := Bob.get(path)
	wantStatus(t, "member GET "+path, res, http.StatusForbidden)
	mustNotContain(t, "member's 403", res.Body, "Firefox on Linux")
	wantStatus(t, "member POST "+path+"/sessions/end", Bob.post(path+"/sessions/end", nil), http.StatusForbidden)
	wantStatus(t, "alice's own POST on her admin page", A.post(path+"/sessions/end", nil), http.StatusForbidden)
	wantSignedIn(t, "alice after members tried", A)
	wantSignedIn(t, "alice's second browser after members tried", A2)
	if n := len(b.auditEvents(t, models.AuditSessionsEnded)); n != 0 {
		t.Errorf("%d sessions_ended events after refused attempts, want 0", n)
	}

	page := Ada.get(path)
	if !wantStatus(t, "admin GET "+path, page, http.StatusOK) {
		return
	}
	rows := sessionRows(t, page.Body)
	devices := map[string]bool{}
	for _, r := range rows {
		devices[r.Device] = true
		if r.Address != "127.0.0.1" || !shownTimeRe.MatchString(r.Times[0]) || !shownTimeRe.MatchString(r.Times[1]) {
			t.Errorf("admin's row %+v: want address 127.0.0.1 and two times", r)
		}
	}
	if len(rows) != 2 || !devices["Firefox on Linux"] || !devices["Safari on iPhone"] {
		t.Errorf("admin sees alice's sessions %+v, want Firefox on Linux and Safari on iPhone", rows)
	}
	mustContain(t, "admin page", page.Body, `data-testid="end-all-sessions"`)

	res = Ada.post(path+"/sessions/end", nil)
	if !wantStatus(t, "admin ends alice's sessions", res, http.StatusSeeOther) {
		return
	}
	if res.Location() != path {
		t.Errorf("redirect to %q, want %q", res.Location(), path)
	}
	page = Ada.get(path)
	if fl := flashOf(page.Body); !strings.Contains(fl, "2 sessions of Alice Author ended") {
		t.Errorf("flash %q, want \"2 sessions of Alice Author ended.\"", fl)
	}
	if rows := sessionRows(t, page.Body); len(rows) != 0 {
		t.Errorf("after ending, the admin page lists %+v", rows)
	}
	wantSignedOut(t, "alice's first browser", A, msgRevoked)
	wantSignedOut(t, "alice's second browser", A2, msgRevoked)
	wantSignedIn(t, "the admin", Ada)
	wantSignedIn(t, "bob", Bob)
	ev := b.auditAbout(t, models.AuditSessionsEnded, alice.ID)
	if len(ev) != 1 || ev[0].ActorID != admin.ID || ev[0].Detail != "ended by an admin" {
		t.Errorf("sessions_ended events %+v, want one by the admin \"ended by an admin\"", ev)
	}
	// She can sign in again.
	A.login("alice@example.com", alicePW)
	wantSignedIn(t, "alice signed in again", A)
}

func TestAccountSuspensionAndRoleChangeEndSessions(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	alice := b.createUser("alice@example.com", "Alice Author", alicePW, models.RoleMember)
	bob := b.createUser("bob@example.com", "Bob Bystander", bobPW, models.RoleMember)
	b.createUser("ada@example.com", "Ada Admin", adminPW, models.RoleAdmin)
	Ada := b.browserAs(t, uaChromeWin, "ada@example.com", adminPW)

	t.Run("suspension", func(t *testing.T) {
		A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
		A2 := b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)
		Ada := Ada.bind(t)
		res := Ada.post("/admin/users/"+itoa(alice.ID)+"/suspend", url.Values{"reason": {"spam zq9"}})
		if !wantStatus(t, "suspend", res, http.StatusSeeOther) {
			return
		}
		if n := b.indexRows(t, alice.ID); n != 0 {
			t.Errorf("after the suspension alice has %d session index rows, want 0 (sessions ended, not just blocked)", n)
		}
		wantSignedOut(t, "suspended member's first browser", A, "suspended")
		wantStatus(t, "reinstate", Ada.post("/admin/users/"+itoa(alice.ID)+"/reinstate", nil), http.StatusSeeOther)
		// The second browser made no request while she was suspended: its
		// session still ended.
		wantSignedOut(t, "second browser after reinstatement", A2, msgRevoked)
	})

	t.Run("role change", func(t *testing.T) {
		B := b.browserAs(t, uaFirefoxLinux, "bob@example.com", bobPW)
		B2 := b.browserAs(t, uaSafariIPhone, "bob@example.com", bobPW)
		Ada := Ada.bind(t)
		res := Ada.post("/admin/users/"+itoa(bob.ID)+"/role", url.Values{"role": {"admin"}})
		if !wantStatus(t, "grant admin", res, http.StatusSeeOther) {
			return
		}
		if n := b.indexRows(t, bob.ID); n != 0 {
			t.Errorf("after the role change bob has %d session index rows, want 0", n)
		}
		wantSignedOut(t, "bob's first browser", B, msgRevoked)
		wantSignedOut(t, "bob's second browser", B2, msgRevoked)
		B.login("bob@example.com", bobPW)
		wantStatus(t, "bob, signed in again, as admin", B.get("/admin"), http.StatusOK)
	})
	wantSignedIn(t, "the admin", Ada)
}

// --- the index and scs agree -----------------------------------------------

// Sign-ins of one account from several browsers at once all stay signed in.
// Each sign-in records its session in the index before scs saves it (when
// the response goes out); a sign-in that prunes "dead" index rows in that
// moment must not take a just-issued one for dead. (Over 5 rounds of 8
// parallel sign-ins, 3 browsers were refused on their next request with
// "signed out from another device"; see also
// models.TestSessionRecordKeepsAnotherJustIssuedSession, which shows it
// deterministically.)
func TestAccountSessionsConcurrentSignInsAllStay(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	// In-flight attempts count as failures until they succeed (so parallel
	// guesses cannot slip past the limit): stay under the account limit of 5.
	const rounds, parallel = 10, 4
	lost := 0
	for round := 0; round < rounds; round++ {
		cs := make([]*client, parallel)
		tokens := make([]string, parallel)
		for i := range cs {
			cs[i] = b.clientT(t)
			tokens[i] = cs[i].csrf()
		}
		done := make(chan string, parallel)
		for i, c := range cs {
			go func() {
				form := url.Values{"_csrf": {tokens[i]}, "email": {"alice@example.com"}, "password": {alicePW}}
				req, err := http.NewRequest(http.MethodPost, b.URL+"/login", strings.NewReader(form.Encode()))
				if err != nil {
					done <- err.Error()
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := c.tryDo(req)
				switch {
				case err != nil:
					done <- err.Error()
				case res.Status != http.StatusSeeOther:
					done <- "status " + strconv.Itoa(res.Status)
				default:
					done <- ""
				}
			}()
		}
		for range cs {
			if msg := <-done; msg != "" {
				t.Fatalf("round %d: a sign-in failed: %s", round, msg)
			}
		}
		for i, c := range cs {
			if res := c.get("/posts"); res.Status != http.StatusOK {
				lost++
				t.Errorf("round %d, browser %d: signed in (303 and a cookie), but its next request got %d: %s",
					round, i, res.Status, errorMessage(res.Body))
			}
		}
	}
	if lost > 0 {
		t.Logf("%d of %d concurrent sign-ins were lost", lost, rounds*parallel)
	}
}

// The number of sessions a password change reports as signed out counts
// sessions that were alive, not index rows whose scs session had already
// expired (those browsers were signed out already, and the account page did
// not list them).
func TestAccountPasswordChangeCountsOnlyLiveSessions(t *testing.T) {
	t.Parallel()
	b := newBoard(t, boardOpts{})
	b.createUser("alice@example.com", "Alice", alicePW, models.RoleMember)
	A := b.browserAs(t, uaFirefoxLinux, "alice@example.com", alicePW)
	B := b.browserAs(t, uaSafariIPhone, "alice@example.com", alicePW)
	C := b.browserAs(t, uaChromeWin, "alice@example.com", alicePW)
	// B's session expires on the server (idle timeout), as if unused for days.
	if _, err := b.DB.Write.Exec(`UPDATE sessions SET expiry = julianday('now', '-1 minutes') WHERE token = ?`,
		models.SessionHash(B.sessionCookie())); err != nil {
		t.Fatal(err)
	}
	if rows := sessionRows(t, A.get("/account").Body); len(rows) != 2 {
		t.Fatalf("A's page lists %d sessions, want 2 (A and C; B expired)", len(rows))
	}
	res := A.post("/account/password", url.Values{"current_password": {alicePW}, "new_password": {"another fine passphrase"}})
	if !wantStatus(t, "change password", res, http.StatusSeeOther) {
		return
	}
	if f := flashOf(A.get("/account").Body); !strings.Contains(f, "1 other session was signed out") {
		t.Errorf("flash %q, want \"1 other session was signed out\": only C was alive (the page listed A and C)", f)
	}
	wantSignedOut(t, "C", C, msgRevoked)
	wantStatus(t, "B (expired)", B.get("/posts"), http.StatusUnauthorized)
}
