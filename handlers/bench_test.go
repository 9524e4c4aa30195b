package handlers_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"board/handlers/boardtest"
	"board/models"
	"board/models/tokens"
)

// BenchmarkPostsPage is a whole signed-in request for the first page of
// posts: session load and save, the session index check, the user re-read,
// the list query and rendering, at two board sizes.
func BenchmarkPostsPage(b *testing.B) {
	for _, posts := range []int{100, 100_000} {
		b.Run(fmt.Sprintf("posts=%d", posts), func(b *testing.B) {
			srv := boardtest.New(b, boardtest.Options{})
			u := srv.CreateUser(b, "bench@example.com", "Bench", "bench-password-ok", models.RoleMember)
			for i := 1; i <= posts; i++ {
				srv.CreatePost(b, u, fmt.Sprintf("Post %d", i), fmt.Sprintf("Body of post %d", i))
			}
			c := srv.SignedIn(b, "bench@example.com", "bench-password-ok")
			for b.Loop() {
				if res := c.Get("/posts"); res.Status != http.StatusOK {
					b.Fatalf("GET /posts: %d", res.Status)
				}
			}
		})
	}
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
