// Package views renders the board's pages with templ from typed view models.
// Views never touch the database or the session: handlers hand them all they show.
package views

import (
	"strconv"
	"strings"
	"time"

	"board/models"
)

// Page carries what every page needs: who is looking and the CSRF token
// their forms must send back.
type Page struct {
	Title  string
	Viewer *models.User // nil when nobody is signed in
	CSRF   string
	Flash  string
	// Scripts are static scripts (static/) the page adds to what works
	// without them.
	Scripts []string
}

// Provider is a configured social sign-in button.
type Provider struct {
	Name  string // "google"
	Label string // "Google"
}

func formatTime(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// paragraphs splits plain text on blank lines; each paragraph keeps its
// line breaks, which CSS (white-space: pre-wrap) shows.
func paragraphs(body string) []string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(body, "\n\n") {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

func authorName(name string) string {
	if name == "" {
		return "deleted member"
	}
	return name
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
