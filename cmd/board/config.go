package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
)

// config is the board's settings: each flag falls back to a BOARD_*
// environment variable, then to a default.
type config struct {
	Addr           string
	DBPath         string
	BaseURL        string
	Demo           bool
	TrustedProxies []*net.IPNet
}

func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var c config
	var proxies string
	fs.StringVar(&c.Addr, "addr", env("BOARD_ADDR", "127.0.0.1:8080"), "listen address (BOARD_ADDR)")
	fs.StringVar(&c.DBPath, "db", env("BOARD_DB", "board.db"), "SQLite database file (BOARD_DB)")
	fs.StringVar(&c.BaseURL, "base-url", env("BOARD_BASE_URL", ""), "public URL of the board, e.g. https://board.example.org (BOARD_BASE_URL; default http://ADDR)")
	fs.StringVar(&proxies, "trusted-proxies", env("BOARD_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (BOARD_TRUSTED_PROXIES)")
	fs.BoolVar(&c.Demo, "demo", false, "demo mode: seed demo members and posts and start the local stand-in for Google and Facebook sign-in")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if strings.Contains(p, ":") {
				p += "/128"
			} else {
				p += "/32"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("BOARD_TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("base URL %q must look like https://board.example.org (no path)", c.BaseURL)
		}
		c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	}
	return &c, nil
}
