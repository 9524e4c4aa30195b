package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"board/models"
	"board/models/tokens"
)

const keysUsage = "usage: board keys rotate|list [-db FILE]"

// keysCommand rotates or lists the token signing keys. The private keys
// never leave the database: only their ids and dates are printed.
func keysCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 1 || (args[0] != "rotate" && args[0] != "list") {
		return errors.New(keysUsage)
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", envOr(getenv, "BOARD_DB", "board.db"), "SQLite database file (BOARD_DB)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New(keysUsage)
	}
	d, st, err := openExisting(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	if args[0] == "list" {
		keys, err := st.SigningKeys.List(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "live"
			if k.RetiredAt != nil {
				state = "retired " + k.RetiredAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s %s created %s, %s\n", k.ID, k.Algorithm, k.CreatedAt.UTC().Format(time.RFC3339), state)
		}
		return nil
	}
	// Rotation needs no issuer: it signs nothing.
	ids, err := tokens.New(st, time.Now, tokens.Config{}).RotateKeys(ctx, models.Actor{ClientIP: "command line"})
	if err != nil {
		return err
	}
	for _, id := range ids {
		fmt.Fprintf(stdout, "new signing key %s: new tokens are signed with it; the old key stays published until its tokens have expired\n", id)
	}
	return nil
}
