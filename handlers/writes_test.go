package handlers_test

import (
	"testing"
	"time"

	"board/handlers/boardtest"
	"board/models"
)

// A signed-in member's page views write nothing to the database, yet the
// idle timeout still holds: the session index notes a session's use at most
// once a minute, and that one write is what keeps it alive.
func TestPageViewsWriteNothing(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	alice := b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	post := b.CreatePost(t, alice, "A post to read", "Its body.")
	b.CreateComment(t, post, alice, "A comment.")
	c := b.SignedIn(t, "alice@example.com", alicePW)
	pages := []string{"/posts", "/posts/" + itoa(post.ID), "/account", "/posts/new", "/"}

	before := b.Writes(t)
	for range 5 {
		for _, path := range pages {
			boardtest.WantStatus(t, "GET "+path, c.Get(path), 200)
		}
	}
	if n := b.Writes(t) - before; n != 0 {
		t.Errorf("%d page views by a signed-in member wrote %d rows, want 0", 5*len(pages), n)
	}

	// Nor do a visitor's: they get no session until they need one.
	visitor := b.Client(t)
	boardtest.WantStatus(t, "a first visit", visitor.Get("/login"), 200) // makes the server's signing key, once
	before = b.Writes(t)
	for range 5 {
		for _, path := range []string{"/", "/login", "/register", "/posts", "/no-such-page"} {
			visitor.Get(path)
		}
	}
	if n := b.Writes(t) - before; n != 0 {
		t.Errorf("25 page views by a visitor wrote %d rows, want 0", n)
	}

	// A minute later the first view notes the session's use, once.
	b.Clock.Advance(time.Minute + time.Second)
	before = b.Writes(t)
	for _, path := range pages {
		boardtest.WantStatus(t, "GET "+path+" a minute later", c.Get(path), 200)
	}
	if n := b.Writes(t) - before; n != 1 {
		t.Errorf("page views a minute later wrote %d rows, want 1 (the session's last use)", n)
	}
}
