package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// The hot paths, each one whole signed-in request through every middleware
// (session load, member lookup, CSRF) served in process, without the
// network: `go test ./handlers -run ^$ -bench .`. cmd/loadtest measures the
// same paths over HTTP against a bare echo handler.

// benchBoard is a board with posts posts (the newest with comments comments)
// and a signed-in member's session cookie and CSRF token.
type benchBoard struct {
	*boardtest.Board
	cookie, csrf string
	newest       *models.Post
}

func newBenchBoard(b *testing.B, posts, comments int) *benchBoard {
	srv := boardtest.New(b, boardtest.Options{})
	u := srv.CreateUser(b, "bench@example.com", "Bench", "bench-password-ok", models.RoleMember)
	var p *models.Post
	for i := 1; i <= posts; i++ {
		p = srv.CreatePost(b, u, fmt.Sprintf("Post %d", i), strings.Repeat(fmt.Sprintf("Body of post %d. ", i), 20))
	}
	for i := 1; i <= comments; i++ {
		srv.CreateComment(b, p, u, fmt.Sprintf("Comment %d on the newest post.", i))
	}
	c := srv.SignedIn(b, "bench@example.com", "bench-password-ok")
	return &benchBoard{Board: srv, cookie: "board_session=" + c.SessionCookie(), csrf: c.CSRF(), newest: p}
}

// serve runs one request in process and checks its status.
func (bb *benchBoard) serve(b *testing.B, method, path string, form url.Values, want int) {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Cookie", bb.cookie)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	bb.Echo.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: status %d, want %d", method, path, rec.Code, want)
	}
}

// BenchmarkPostList is the first page of posts, at two board sizes: the
// keyset list should cost the same at both.
func BenchmarkPostList(b *testing.B) {
	for _, posts := range []int{1000, 100_000} {
		b.Run(fmt.Sprintf("posts=%d", posts), func(b *testing.B) {
			bb := newBenchBoard(b, posts, 0)
			for b.Loop() {
				bb.serve(b, http.MethodGet, "/posts", nil, http.StatusOK)
			}
		})
	}
}

// BenchmarkPostPage is one post with 20 comments.
func BenchmarkPostPage(b *testing.B) {
	bb := newBenchBoard(b, 20, 20)
	path := "/posts/" + itoa(bb.newest.ID)
	for b.Loop() {
		bb.serve(b, http.MethodGet, path, nil, http.StatusOK)
	}
}

// BenchmarkCreatePost is publishing a post: CSRF check, insert, flash, 303.
func BenchmarkCreatePost(b *testing.B) {
	bb := newBenchBoard(b, 20, 0)
	form := url.Values{"_csrf": {bb.csrf}, "title": {"A benchmarked post"}, "body": {"Written in a loop."}}
	for b.Loop() {
		bb.serve(b, http.MethodPost, "/posts", form, http.StatusSeeOther)
	}
}

// BenchmarkSignedInRequest is the cost of being signed in: the lightest
// member page (the new-post form), so nearly all of it is the middleware.
func BenchmarkSignedInRequest(b *testing.B) {
	bb := newBenchBoard(b, 0, 0)
	for b.Loop() {
		bb.serve(b, http.MethodGet, "/posts/new", nil, http.StatusOK)
	}
}
