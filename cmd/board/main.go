// Command board runs the bulletin board, and its operator subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "board:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  board [serve] [flags]                run the board (board serve -h lists its flags)
  board admin grant EMAIL [-db FILE]   make an existing member an admin (ends their sessions)
  board admin revoke EMAIL [-db FILE]  make an admin a member again (ends their sessions)
  board audit verify [-db FILE] [-expect-head ID:HASH]
                                       check the audit log's hash chain (and against a head kept elsewhere)
  board keys rotate [-db FILE]         add a new token signing key; the old one stays published until its tokens expire
  board keys list [-db FILE]           list the signing keys (ids and dates, never the keys)
`

// run is main without the process: tests call it with their own arguments,
// environment and output, and cancel ctx to stop the server.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	switch {
	case len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		cmd = "help" // the commands; board serve -h shows the server's flags
	case len(args) > 0 && args[0] != "" && args[0][0] != '-':
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "admin":
		return adminCommand(ctx, args, getenv, stdout, stderr)
	case "audit":
		return auditCommand(ctx, args, getenv, stdout, stderr)
	case "keys":
		return keysCommand(ctx, args, getenv, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}
