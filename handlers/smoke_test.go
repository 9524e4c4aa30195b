package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"board/models"
)

func TestSignInAndReadPosts(t *testing.T) {
	ts := newTestServer(t)
	ts.createUser("alice@example.com", "Alice", "correct horse battery", models.RoleMember)
	c := ts.newClient()
	if res := c.get("/posts"); res.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous /posts: %d", res.Status)
	}
	c.login("alice@example.com", "correct horse battery")
	res := c.post("/posts", url.Values{"title": {"Hello"}, "body": {"First line\nsecond line\n\nNew para"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	page := c.get(res.Location())
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Hello") {
		t.Fatalf("show: %d", page.Status)
	}
}
