package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// The reproduction was 4,000 comments in 19 s. Now each member may
// write a limited number of posts and comments: over it, 429 with
// Retry-After and the form again with what they wrote.
func TestPostingIsLimitedPerMember(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	cast := seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	newPost := func(c *boardtest.Client, i int) *boardtest.Response {
		return c.Post("/posts", url.Values{"title": {"Post " + strconv.Itoa(i)}, "body": {"body"}})
	}
	for i := 1; i <= models.PostsPerWindow; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("post %d", i), newPost(alice, i), http.StatusSeeOther)
	}
	res := alice.Post("/posts", url.Values{"title": {"One too many"}, "body": {"Text worth keeping"}})
	boardtest.WantPage(t, "one post over the limit", res, http.StatusTooManyRequests,
		"You have reached the limit for new posts", "Try again in 10 minutes", "Text worth keeping", "One too many")
	if ra := res.Header.Get("Retry-After"); ra != "600" {
		t.Errorf("Retry-After %q, want 600", ra)
	}
	if n := len(b.AllPosts(t)); n != models.PostsPerWindow+1 {
		t.Errorf("%d posts exist, want the seeded one and %d of alice's", n, models.PostsPerWindow)
	}
	// Another member is not affected; time lets Alice post again.
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	boardtest.WantStatus(t, "bob's post", newPost(bob, 1), http.StatusSeeOther)
	b.Clock.Advance(models.PostingWindow)
	boardtest.WantStatus(t, "alice after the window", newPost(alice, 99), http.StatusSeeOther)

	// Comments: the same, on the post's page.
	p := b.CreatePost(t, cast.Bob, "Busy thread", "body")
	comment := func(i int) *boardtest.Response {
		return alice.Post("/posts/"+itoa(p.ID)+"/comments", url.Values{"body": {"comment " + strconv.Itoa(i)}})
	}
	for i := 1; i <= models.CommentsPerWindow; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("comment %d", i), comment(i), http.StatusSeeOther)
	}
	res = alice.Post("/posts/"+itoa(p.ID)+"/comments", url.Values{"body": {"my unsent reply"}})
	boardtest.WantPage(t, "one comment over the limit", res, http.StatusTooManyRequests,
		"You have reached the limit for new comments", "my unsent reply", "Busy thread")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if n := len(b.CommentsOn(t, p.ID)); n != models.CommentsPerWindow {
		t.Errorf("%d comments, want %d", n, models.CommentsPerWindow)
	}
}

// Parallel requests cannot slip past the limit: each is counted in the
// same transaction that checks it.
func TestPostingLimitHoldsUnderParallelRequests(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	cast := seedCast(t, b)
	p := b.CreatePost(t, cast.Bob, "Flooded", "body")
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	token := alice.CSRF()
	const n = 60
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			form := url.Values{"_csrf": {token}, "body": {strings.Repeat("flood ", 100)}}
			res, err := alice.TryDo(alice.FormRequest("/posts/"+itoa(p.ID)+"/comments", form.Encode()))
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = res.Status
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[http.StatusSeeOther] != models.CommentsPerWindow || count[http.StatusTooManyRequests] != n-models.CommentsPerWindow {
		t.Errorf("statuses %v, want %d × 303 and the rest 429", count, models.CommentsPerWindow)
	}
	if got := len(b.CommentsOn(t, p.ID)); got != models.CommentsPerWindow {
		t.Errorf("%d comments stored, want %d", got, models.CommentsPerWindow)
	}
}

// The API counts against the same per-member limits as the pages: a member
// cannot post past them with a token instead of a form.
func TestAPIPostingSharesTheLimits(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	for i := 1; i < models.PostsPerWindow; i++ {
		boardtest.WantStatus(t, fmt.Sprintf("page post %d", i), alice.Post("/posts", url.Values{"title": {"Post " + strconv.Itoa(i)}, "body": {"body"}}), http.StatusSeeOther)
	}
	token := bearer(signInForTokens(t, b, "alice@example.com", alicePW).AccessToken)
	post := map[string]string{"title": "Through the API", "body": "body"}
	boardtest.WantStatus(t, "the last post allowed, through the API", call(t, b, http.MethodPost, "/api/v1/posts", token, post), http.StatusCreated)
	res := call(t, b, http.MethodPost, "/api/v1/posts", token, post)
	if p := wantProblem(t, "one post over the limit, through the API", b, res, http.StatusTooManyRequests, "too-many-attempts"); !strings.Contains(p.Detail, "new posts by this member") {
		t.Errorf("problem detail %q, want it to name the limit on new posts by this member", p.Detail)
	}
	if ra := res.Header.Get("Retry-After"); ra != "600" {
		t.Errorf("Retry-After %q, want 600", ra)
	}
	if n := len(b.AllPosts(t)); n != models.PostsPerWindow+1 {
		t.Errorf("%d posts exist, want the seeded one and %d of alice's", n, models.PostsPerWindow)
	}
}
