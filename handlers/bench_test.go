package handlers_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
	"board/models/tokens"
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
	// No posting limits: a loop of creates by one member would meet them at
	// once (counting against them is a few rows, db's BenchmarkThrottle).
	unlimited := models.PostingLimits{Unlimited: true}
	srv := boardtest.New(b, boardtest.Options{PostingLimits: unlimited})
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

// loop runs request b.N times and also reports the process's CPU time per
// request (all threads, the GC's included): on a busy machine it moves far
// less than the wall clock that ns/op measures.
func loop(b *testing.B, request func()) {
	start := cpuTime()
	for b.Loop() {
		request()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
			loop(b, func() { bb.serve(b, http.MethodGet, "/posts", nil, http.StatusOK) })
		})
	}
}

// BenchmarkPostPage is one post with 20 comments.
func BenchmarkPostPage(b *testing.B) {
	bb := newBenchBoard(b, 20, 20)
	path := "/posts/" + itoa(bb.newest.ID)
	loop(b, func() { bb.serve(b, http.MethodGet, path, nil, http.StatusOK) })
}

// BenchmarkCreatePost is publishing a post: CSRF check, insert, flash, 303.
func BenchmarkCreatePost(b *testing.B) {
	bb := newBenchBoard(b, 20, 0)
	form := url.Values{"_csrf": {bb.csrf}, "title": {"A benchmarked post"}, "body": {"Written in a loop."}}
	loop(b, func() { bb.serve(b, http.MethodPost, "/posts", form, http.StatusSeeOther) })
}

// BenchmarkSignedInRequest is the cost of being signed in: the lightest
// member page (the new-post form), so nearly all of it is the middleware.
func BenchmarkSignedInRequest(b *testing.B) {
	bb := newBenchBoard(b, 0, 0)
	loop(b, func() { bb.serve(b, http.MethodGet, "/posts/new", nil, http.StatusOK) })
}

// BenchmarkAPIPosts is GET /api/v1/posts (the first page of 100 posts) with
// each of the API's credentials: a bearer token (a signature check, then one
// indexed read of its family and member) against HTTP Basic (an argon2id
// password check and the sign-in throttle's writes on every request). The
// seed's cost argument, in figures.
func BenchmarkAPIPosts(b *testing.B) {
	srv := boardtest.New(b, boardtest.Options{})
	u := srv.CreateUser(b, "bench@example.com", "Bench", "bench-password-ok", models.RoleMember)
	for i := 1; i <= 100; i++ {
		srv.CreatePost(b, u, fmt.Sprintf("Post %d", i), fmt.Sprintf("Body of post %d", i))
	}
	pair, err := srv.Tokens.Issue(context.Background(), u, tokens.Grant{ClientID: tokens.FirstPartyClient, Scope: models.FullScope})
	if err != nil {
		b.Fatal(err)
	}
	for _, cred := range []struct{ name, authorization string }{
		{"bearer", "Bearer " + pair.AccessToken},
		{"basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("bench@example.com:bench-password-ok"))},
	} {
		b.Run(cred.name, func(b *testing.B) {
			c := srv.Client(b)
			for b.Loop() {
				req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/posts", nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", cred.authorization)
				if res := c.Do(req); res.Status != http.StatusOK {
					b.Fatalf("GET /api/v1/posts: %d %s", res.Status, res.Body)
				}
			}
		})
	}
}
