package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"board/models"
)

// `board audit verify`: a real board writes the audit log over HTTP, then
// the operator command checks its hash chain, before and after the database
// file is edited behind the board's back.

func auditVerify(t *testing.T, dbPath string) (string, error) {
	t.Helper()
	return runCLI(t, "audit", "verify", "-db", dbPath)
}

// wantIntact runs the command and checks it reports an intact chain of n events.
func wantIntact(t *testing.T, what, dbPath string, n int) {
	t.Helper()
	out, err := auditVerify(t, dbPath)
	if err != nil {
		t.Errorf("%s: audit verify returned %v, want nil; stdout %q", what, err, out)
	}
	if !strings.Contains(out, "hash chain intact") || !strings.Contains(out, fmt.Sprintf(" %d events", n)) {
		t.Errorf("%s: audit verify printed %q, want \"%d events, hash chain intact\"", what, out, n)
	}
}

// wantBrokenAt runs the command and checks it fails naming event id.
func wantBrokenAt(t *testing.T, what, dbPath string, id int64) {
	t.Helper()
	out, err := auditVerify(t, dbPath)
	if err == nil {
		t.Errorf("%s: audit verify returned nil, want an error; stdout %q", what, out)
	}
	var broken *models.ErrAuditChainBroken
	if !errors.As(err, &broken) || broken.ID != id {
		t.Errorf("%s: audit verify error %v, want the chain broken at event %d", what, err, id)
	}
	if !regexp.MustCompile(fmt.Sprintf(`\bevent %d\b`, id)).MatchString(out) || strings.Contains(out, "intact") {
		t.Errorf("%s: audit verify printed %q, want it to name event %d as broken", what, out, id)
	}
}

func openRaw(t *testing.T, dbPath string) *sql.DB {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func mustExec(t *testing.T, d *sql.DB, q string, args ...any) {
	t.Helper()
	res, err := d.Exec(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s %v: %d rows changed, want 1", q, args, n)
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "board.db")
	b := launchBoard(t, dbPath, "-demo")
	b.mustNotLog(alicePassword, bobPassword)

	// Events through the running board: the demo accounts registered, sign-ins,
	// a failure, a session ended.
	alice := newClient(t, b.URL)
	b.mustNotLog(mustLogin(t, alice, aliceEmail, alicePassword))
	if r := newClient(t, b.URL).Attempt(bobEmail, "not-bobs-password"); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d, want 401", r.Status)
	}
	bob := newClient(t, b.URL)
	b.mustNotLog(mustLogin(t, bob, bobEmail, bobPassword))
	alice2 := newClient(t, b.URL)
	b.mustNotLog(mustLogin(t, alice2, aliceEmail, alicePassword))
	r := alice.PostRaw("/account/sessions/end-others", url.Values{"_csrf": {alice.CSRFFrom("/account")}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere else: status %d, want 303", r.Status)
	}

	raw := openRaw(t, dbPath)
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM audit_events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	rows, err := raw.Query(`SELECT kind FROM audit_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	rows.Close()
	for _, want := range []models.AuditKind{models.AuditRegister, models.AuditSignIn, models.AuditSignInFailed, models.AuditSessionsEnded} {
		if !strings.Contains(strings.Join(kinds, " "), string(want)) {
			t.Errorf("audit log %v has no %s event", kinds, want)
		}
	}
	if n < 6 {
		t.Fatalf("only %d audit events: %v", n, kinds)
	}

	// While the board runs, and after it stops, the chain verifies.
	wantIntact(t, "running board", dbPath, n)
	if err := b.stop(); err != nil {
		t.Fatalf("stopping the board: %v", err)
	}
	wantIntact(t, "stopped board", dbPath, n)

	// Editing any field of a row breaks the chain at that row.
	const k = 3
	edits := []struct{ column, value string }{
		{"detail", "tampered"},
		{"client_ip", "203.0.113.66"},
		{"kind", "sign_out"},
		{"actor_id", "999"},
		{"at", "2001-01-01T00:00:00Z"},
	}
	for _, e := range edits {
		var old sql.NullString
		if err := raw.QueryRow(`SELECT `+e.column+` FROM audit_events WHERE id = ?`, k).Scan(&old); err != nil {
			t.Fatal(err)
		}
		mustExec(t, raw, `UPDATE audit_events SET `+e.column+` = ? WHERE id = ?`, e.value, k)
		wantBrokenAt(t, "after editing "+e.column+" of event 3", dbPath, k)
		mustExec(t, raw, `UPDATE audit_events SET `+e.column+` = ? WHERE id = ?`, old, k)
		wantIntact(t, "after restoring "+e.column+" of event 3", dbPath, n)
	}

	// The last row is covered too.
	mustExec(t, raw, `UPDATE audit_events SET detail = detail || 'x' WHERE id = ?`, n)
	wantBrokenAt(t, "after editing the last event", dbPath, int64(n))
	mustExec(t, raw, `UPDATE audit_events SET detail = substr(detail, 1, length(detail) - 1) WHERE id = ?`, n)
	wantIntact(t, "after restoring the last event", dbPath, n)

	// A row appended without the chain's hash is caught.
	var lastHash string
	if err := raw.QueryRow(`SELECT hash FROM audit_events WHERE id = ?`, n).Scan(&lastHash); err != nil {
		t.Fatal(err)
	}
	mustExec(t, raw, `INSERT INTO audit_events (id, at, kind, detail, client_ip, prev_hash, hash) VALUES (?, '2030-01-01T00:00:00Z', 'sign_in', '', '127.0.0.1', ?, ?)`,
		n+1, lastHash, strings.Repeat("0", 64))
	wantBrokenAt(t, "after appending a forged event", dbPath, int64(n+1))
	mustExec(t, raw, `DELETE FROM audit_events WHERE id = ?`, n+1)
	wantIntact(t, "after removing the forged event", dbPath, n)

	// Deleting a row is caught at the next one.
	mustExec(t, raw, `DELETE FROM audit_events WHERE id = ?`, k)
	wantBrokenAt(t, "after deleting event 3", dbPath, k+1)
}

func TestAuditVerifyEmptyLogAndUsage(t *testing.T) {
	dbPath := newDatabase(t)
	wantIntact(t, "empty database", dbPath, 0)
	if _, err := runCLI(t, "audit"); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("`board audit` without verify: %v, want a usage error", err)
	}
	if _, err := runCLI(t, "audit", "check", "-db", dbPath); err == nil {
		t.Error("`board audit check`: no error")
	}
}

// The chain alone cannot notice the newest rows being cut off, or the whole
// chain being recomputed; a head noted earlier, outside the database, can.
func TestAuditVerifyExpectHead(t *testing.T) {
	dbPath := newDatabase(t)
	wantIntact(t, "new database", dbPath, 0)
	d := openRaw(t, dbPath)
	for i, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		mustExec(t, d, `INSERT INTO users (email, display_name, created_at) VALUES (?, ?, '2026-01-01T00:00:00Z')`, email, fmt.Sprint("U", i))
		if _, err := runCLI(t, "admin", "grant", email, "-db", dbPath); err != nil {
			t.Fatal(err)
		}
	}
	out, err := auditVerify(t, dbPath)
	m := regexp.MustCompile(`head (\d+):([0-9a-f]{64})`).FindStringSubmatch(out)
	if err != nil || m == nil || m[1] != "3" {
		t.Fatalf("audit verify: %v, %q; want an intact chain with head 3:HASH", err, out)
	}
	head := m[1] + ":" + m[2]

	out, err = runCLI(t, "audit", "verify", "-db", dbPath, "-expect-head", head)
	if err != nil || !strings.Contains(out, "expected head 3 matches") {
		t.Fatalf("untouched log with its own head: %v, %q", err, out)
	}
	// Cutting off the newest event leaves a chain that verifies on its own...
	mustExec(t, d, `DELETE FROM audit_events WHERE id = 3`)
	wantIntact(t, "after cutting off the newest event", dbPath, 2)
	// ...but not against the head noted before.
	out, err = runCLI(t, "audit", "verify", "-db", dbPath, "-expect-head", head)
	if err == nil || !strings.Contains(out, "event 3 is GONE") {
		t.Errorf("cut-back log against the old head: %v, %q; want event 3 reported gone", err, out)
	}
	if _, err := runCLI(t, "audit", "verify", "-db", dbPath, "-expect-head", "nonsense"); err == nil {
		t.Error("-expect-head nonsense: no error")
	}
}

// Someone who can write the file and knows the (public) hash format can
// recompute the whole chain after an edit: the chain then verifies, but the
// head kept elsewhere does not match.
func TestAuditVerifyExpectHeadCatchesRecomputedChain(t *testing.T) {
	dbPath := newDatabase(t)
	wantIntact(t, "new database", dbPath, 0)
	d := openRaw(t, dbPath)
	for i, email := range []string{"a@example.com", "b@example.com"} {
		mustExec(t, d, `INSERT INTO users (email, display_name, created_at) VALUES (?, ?, '2026-01-01T00:00:00Z')`, email, fmt.Sprint("U", i))
		if _, err := runCLI(t, "admin", "grant", email, "-db", dbPath); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := auditVerify(t, dbPath)
	m := regexp.MustCompile(`head (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no head in %q", out)
	}
	mustExec(t, d, `UPDATE audit_events SET detail = 'forged' WHERE id = 1`)
	recomputeChain(t, d)
	wantIntact(t, "after an edit with the chain recomputed", dbPath, 2)
	out, err := runCLI(t, "audit", "verify", "-db", dbPath, "-expect-head", m[1])
	if err == nil || !strings.Contains(out, "was rewritten") {
		t.Errorf("recomputed chain against the old head: %v, %q; want it reported rewritten", err, out)
	}
}

// recomputeChain plays the attacker: it rewrites every hash in the format
// models/audit.go documents (length-prefixed fields, SHA-256).
func recomputeChain(t *testing.T, d *sql.DB) {
	t.Helper()
	rows, err := d.Query(`SELECT id, at, coalesce(actor_id, 0), kind, target_type, coalesce(target_id, 0), detail, client_ip FROM audit_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		id, actor, target                      int64
		at, kind, targetType, detail, clientIP string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.at, &r.actor, &r.kind, &r.targetType, &r.target, &r.detail, &r.clientIP); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	rows.Close()
	prev := ""
	for _, r := range all {
		h := sha256.New()
		for _, f := range []string{prev, fmt.Sprint(r.id), r.at, fmt.Sprint(r.actor), r.kind, r.targetType, fmt.Sprint(r.target), r.detail, r.clientIP} {
			fmt.Fprintf(h, "%d:%s;", len(f), f)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		mustExec(t, d, `UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?`, prev, sum, r.id)
		prev = sum
	}
}
