package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// Fixtures shared by the HTTP test files, on top of boardtest's board and
// browser.

// cast is the usual set of people: an author, a second member and an admin,
// with one post and one comment by the author.
type cast struct {
	Alice, Bob, Admin *models.User
	Post              *models.Post
	Comment           *models.Comment
}

const (
	alicePW = "alice-password-1"
	bobPW   = "bob-password-22"
	adminPW = "admin-password-333"
)

func seedCast(t *testing.T, b *boardtest.Board) cast {
	t.Helper()
	var c cast
	c.Alice = b.CreateUser(t, "alice@example.com", "Alice Author", alicePW, models.RoleMember)
	c.Bob = b.CreateUser(t, "bob@example.com", "Bob Bystander", bobPW, models.RoleMember)
	c.Admin = b.CreateUser(t, "ada@example.com", "Ada Admin", adminPW, models.RoleAdmin)
	c.Post = b.CreatePost(t, c.Alice, "Seeded post title zq1", "Seeded post body zq2")
	c.Comment = b.CreateComment(t, c.Post, c.Alice, "Seeded comment text zq3")
	return c
}

// signInAtOnce makes n browsers, each holding its own sign-in form, and
// submits all the forms at the same moment. A request that got no answer
// fails the test and leaves its response nil.
func signInAtOnce(t *testing.T, b *boardtest.Board, n int, email, password string) ([]*boardtest.Client, []*boardtest.Response) {
	t.Helper()
	browsers := make([]*boardtest.Client, n)
	forms := make([]*http.Request, n)
	for i := range browsers {
		browsers[i] = b.Client(t)
		form := url.Values{"_csrf": {browsers[i].CSRF()}, "email": {email}, "password": {password}}
		forms[i] = browsers[i].FormRequest("/login", form.Encode())
	}
	answers := make([]*boardtest.Response, n)
	var wg sync.WaitGroup
	for i, c := range browsers {
		wg.Go(func() {
			res, err := c.TryDo(forms[i])
			if err != nil {
				t.Errorf("sign-in %d: %v", i, err)
			}
			answers[i] = res
		})
	}
	wg.Wait()
	return browsers, answers
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
