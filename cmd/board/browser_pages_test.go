package main

import (
	"net/http"
	"testing"
)

// TestBrowserEveryPage opens every page the board serves, as a visitor and
// as an admin, so each is checked with axe-core at desktop width and at
// 360 px (see audit), including the refusals (401, 403, 404) people meet.
func TestBrowserEveryPage(t *testing.T) {
	board := startBoard(t, "-demo")
	browser := newBrowser(t)

	visitor := newPerson(t, browser, board, "visitor")
	for _, path := range []string{"/", "/register", "/login", "/password/forgot", "/password/reset", "/email/confirm",
		"/dev/mailbox", "/learn", "/learn/header", "/learn/browser", "/learn/session", "/learn/token", "/learn/oauth",
		"/learn/problems", "/posts", "/no-such-page"} {
		if st := visitor.open(path); st >= http.StatusInternalServerError {
			t.Errorf("visitor GET %s: %d", path, st)
		}
	}

	// Post 1 and comment 1 are the demo's (Alice's post, Bob's comment).
	ada := newPerson(t, browser, board, "Ada")
	ada.signIn(adaEmail, adaPassword)
	for _, path := range []string{"/account", "/posts", "/posts/new", "/posts/1", "/posts/1/edit", "/posts/1/delete",
		"/posts/1/report", "/comments/1/edit", "/comments/1/delete", "/comments/1/report", "/notifications",
		"/notifications/settings", "/admin", "/admin/reports", "/admin/posts/1/delete", "/admin/comments/1/delete",
		"/admin/users/2", "/admin/users/2/role?role=admin", "/admin/users/2/role?role=member", "/learn/session", "/learn/token",
		"/posts/999"} {
		if st := ada.open(path); st >= http.StatusInternalServerError {
			t.Errorf("ada GET %s: %d", path, st)
		}
	}
}
