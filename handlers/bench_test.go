package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	"board/models"
)

// BenchmarkPostsPage is a whole signed-in request for the first page of
// posts: session load and save, the session index check, the user re-read,
// the list query and rendering, at two board sizes.
func BenchmarkPostsPage(b *testing.B) {
	for _, posts := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("posts=%d", posts), func(b *testing.B) {
			srv := newBoard(b, boardOpts{})
			hash, err := models.HashPassword("bench-password-ok")
			if err != nil {
				b.Fatal(err)
			}
			u, err := srv.Users.Create(context.Background(), models.NewUser{Email: "bench@example.com", DisplayName: "Bench", PasswordHash: hash})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := srv.DB.Write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ?)
				INSERT INTO posts (author_id, title, body, created_at, updated_at)
				SELECT ?, 'Post ' || i, 'Body of post ' || i, ?, ? FROM n`, posts, u.ID, time.Now().UTC().Format(time.RFC3339Nano), time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
				b.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			hc := &http.Client{Jar: jar, Transport: socialLoopbackTransport(),
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			page := get(b, hc, srv.URL+"/login")
			m := csrfInput.FindStringSubmatch(page)
			if m == nil {
				b.Fatal("no _csrf on /login")
			}
			res, err := hc.PostForm(srv.URL+"/login", url.Values{"_csrf": {m[1]}, "email": {"bench@example.com"}, "password": {"bench-password-ok"}})
			if err != nil || res.StatusCode != http.StatusSeeOther {
				b.Fatalf("sign in: %v %v", err, res)
			}
			res.Body.Close()
			b.ResetTimer()
			for b.Loop() {
				get(b, hc, srv.URL+"/posts")
			}
		})
	}
}

func get(b *testing.B, hc *http.Client, target string) string {
	res, err := hc.Get(target)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", target, res.StatusCode)
	}
	return string(body)
}
