package handlers_test

import (
	"fmt"
	"net/http"
	"testing"

	"board/handlers/boardtest"
	"board/models"
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
