package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"board/models"
)

// adminCommand is the operator's way to make (or unmake) an admin: nobody
// becomes one by registering first.
func adminCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || (args[0] != "grant" && args[0] != "revoke") {
		return errors.New("usage: board admin grant|revoke EMAIL [-db FILE]")
	}
	verb := args[0]
	fs := flag.NewFlagSet("admin "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", envOr(getenv, "BOARD_DB", "board.db"), "SQLite database file (BOARD_DB)")
	// Flags may come before or after the email.
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return fmt.Errorf("usage: board admin %s EMAIL [-db FILE]", verb)
	}
	email := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("usage: board admin %s EMAIL [-db FILE]", verb)
	}
	d, st, err := openExisting(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	role := models.RoleAdmin
	if verb == "revoke" {
		role = models.RoleMember
	}
	u, err := st.Users.ByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no account with email %q: they must register first", email)
	}
	if err != nil {
		return err
	}
	// Nothing to change means no sessions end and nothing is audited.
	if u.Role != role {
		if err := st.Users.SetRole(ctx, u.ID, role, models.Actor{ClientIP: "command line"}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s (%s) is now %s\n", u.DisplayName, u.Email, role)
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// auditCommand verifies the audit log's hash chain and names the first row
// that was changed or inserted. With -expect-head ID:HASH (a head printed
// earlier and kept elsewhere) it also proves nothing up to that event was
// rewritten or cut off.
func auditCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || args[0] != "verify" {
		return errors.New("usage: board audit verify [-db FILE] [-expect-head ID:HASH]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", envOr(getenv, "BOARD_DB", "board.db"), "SQLite database file (BOARD_DB)")
	expect := fs.String("expect-head", "", "ID:HASH of a head printed earlier; fails if that event is gone or changed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, st, err := openExisting(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := st.Audit.Verify(ctx)
	var broken *models.ErrAuditChainBroken
	if errors.As(err, &broken) {
		fmt.Fprintf(stdout, "audit: chain BROKEN at event %d (the %d events before it verify)\n", broken.ID, n)
		return err
	}
	if err != nil {
		return err
	}
	id, hash, err := st.Audit.Head(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit: %d events, hash chain intact; head %d:%s\n", n, id, hash)
	if *expect == "" {
		return nil
	}
	wantID, wantHash, ok := strings.Cut(*expect, ":")
	eid, perr := strconv.ParseInt(wantID, 10, 64)
	if !ok || perr != nil {
		return fmt.Errorf("-expect-head %q: want ID:HASH as printed by audit verify", *expect)
	}
	got, err := st.Audit.HashAt(ctx, eid)
	if errors.Is(err, models.ErrNotFound) {
		fmt.Fprintf(stdout, "audit: event %d is GONE: the log was cut back\n", eid)
		return fmt.Errorf("audit event %d missing", eid)
	}
	if err != nil {
		return err
	}
	if got != wantHash {
		fmt.Fprintf(stdout, "audit: event %d has a different hash: the log up to it was rewritten\n", eid)
		return fmt.Errorf("audit event %d rewritten", eid)
	}
	fmt.Fprintf(stdout, "audit: expected head %d matches: nothing up to it was changed or removed\n", eid)
	return nil
}
