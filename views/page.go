// Package views renders the board's pages with templ from typed view models.
// Views never touch the database or the session: handlers hand them all they show.
package views

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

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
	Path    string // the request's path, for marking the current nav link
	Unread  string // the viewer's unread notifications ("" for none, "99+" for many)
}

// current marks the nav link to the page being shown (aria-current).
func (p Page) current(path string) templ.Attributes {
	if p.Path == path {
		return templ.Attributes{"aria-current": "page"}
	}
	return nil
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

// autocompleteFor is the autocomplete hint of the board's usual fields.
func autocompleteFor(name string) string {
	switch name {
	case "email":
		return "email"
	case "password", "current_password":
		return "current-password"
	case "new_password":
		return "new-password"
	case "display_name":
		return "nickname"
	}
	return "off"
}

// describedBy ties an input to its error and hint (aria-describedby).
func describedBy(id, hint, errMsg string) templ.Attributes {
	var ids []string
	if errMsg != "" {
		ids = append(ids, id+"-error")
	}
	if hint != "" {
		ids = append(ids, id+"-hint")
	}
	if len(ids) == 0 {
		return nil
	}
	return templ.Attributes{"aria-describedby": strings.Join(ids, " ")}
}

type focusKey struct{}

// withFocus starts a page's record of whether an invalid input has taken
// the focus yet.
func withFocus(ctx context.Context) context.Context {
	return context.WithValue(ctx, focusKey{}, new(bool))
}

// firstInvalid reports whether this is the page's first invalid input,
// which alone gets autofocus.
func firstInvalid(ctx context.Context) bool {
	taken, ok := ctx.Value(focusKey{}).(*bool)
	if !ok || *taken {
		return false
	}
	*taken = true
	return true
}

// loginErrorRef ties the sign-in form's email field to a refusal, if any.
func loginErrorRef(f LoginForm) templ.Attributes {
	if f.Error == "" {
		return nil
	}
	return templ.Attributes{"aria-describedby": "login-error", "aria-invalid": "true"}
}
