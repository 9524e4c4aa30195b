package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"board/models"
	"board/models/auth"
)

type demoAccount struct {
	email, name, password string
	admin                 bool
}

var demoAccounts = []demoAccount{
	{"ada@example.com", "Ada", "ada-demo-password", true},
	{"alice@example.com", "Alice", "alice-demo-password", false},
	{"bob@example.com", "Bob", "bob-demo-password", false},
}

// checkDemoAllowed refuses demo mode unless the board listens only on
// loopback and the database is new or holds nothing but the demo members.
func checkDemoAllowed(ctx context.Context, addr string, st *models.Stores) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-demo: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-demo publishes an admin password, so it only listens on loopback (e.g. 127.0.0.1:8080), not %q", addr)
	}
	demo := map[string]bool{}
	for _, a := range demoAccounts {
		demo[a.email] = true
	}
	users, err := st.Users.List(ctx, len(demoAccounts)+1)
	if err != nil {
		return err
	}
	for _, u := range users {
		if !demo[strings.ToLower(u.Email)] {
			return fmt.Errorf("-demo refuses this database: it has members other than the demo accounts (%s); use a new file with -db", u.Email)
		}
	}
	return nil
}

// seedDemo creates the demo members and a few posts, once, and prints how to
// sign in. It only ever runs with -demo.
func seedDemo(ctx context.Context, st *models.Stores, out io.Writer) error {
	seeder := models.Actor{ClientIP: "demo seed"}
	users := map[string]*models.User{}
	created := false
	for _, a := range demoAccounts {
		u, err := st.Users.ByEmail(ctx, a.email)
		if errors.Is(err, models.ErrNotFound) {
			hash, herr := auth.HashPassword(a.password)
			if herr != nil {
				return herr
			}
			u, err = st.Users.Create(ctx, models.NewUser{Email: a.email, DisplayName: a.name, PasswordHash: hash}, "demo seed", seeder)
			created = true
			if err == nil && a.admin {
				err = st.Users.SetRole(ctx, u.ID, models.RoleAdmin, seeder)
			}
		}
		if err != nil {
			return err
		}
		users[a.email] = u
	}
	if created {
		alice, bob := users["alice@example.com"], users["bob@example.com"]
		p, err := st.Posts.Create(ctx, alice.ID, "Welcome to the board", "This board is members-only.\n\nTry editing this post as Bob: you will get a 403 that explains why.")
		if err != nil {
			return err
		}
		if _, err := st.Comments.Create(ctx, p.ID, bob.ID, "Hi Alice! I can read this because I am signed in."); err != nil {
			return err
		}
		if _, err := st.Posts.Create(ctx, bob.ID, "Authentication vs authorization", "401: the board does not know who you are.\n403: it knows, and a rule says no."); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "board: demo mode. Sign in with any of these (demo only, never in production):")
	for _, a := range demoAccounts {
		role := "member"
		if a.admin {
			role = "admin"
		}
		fmt.Fprintf(out, "  %-20s password %-22s (%s)\n", a.email, a.password, role)
	}
	return nil
}
