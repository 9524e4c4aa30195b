package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

var postIDFromLocation = regexp.MustCompile(`^/posts/(\d+)$`)

func TestPostAndCommentLifecycle(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice Author", alicePW, models.RoleMember)
	c := b.SignedIn(t, "alice@example.com", alicePW)

	// Create: a browser sends CRLF line endings.
	res := c.Post("/posts", url.Values{"title": {"  Spring meetup  "}, "body": {"First line\r\nsecond line\r\n\r\nNew para\r\n"}})
	if !boardtest.WantStatus(t, "create post", res, http.StatusSeeOther) {
		return
	}
	m := postIDFromLocation.FindStringSubmatch(res.Location())
	if m == nil {
		t.Fatalf("create post redirected to %q, want /posts/:id", res.Location())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	p := b.Post(t, id)
	if p == nil || p.Title != "Spring meetup" {
		t.Fatalf("stored post %+v, want title trimmed to %q", p, "Spring meetup")
	}

	page := c.Get(res.Location())
	boardtest.WantStatus(t, "show post", page, http.StatusOK)
	boardtest.MustContain(t, "show post", page.Body, `data-testid="post-title">Spring meetup<`, `data-testid="post-author">Alice Author<`,
		`data-testid="edit-post"`, `data-testid="delete-post"`, "Your post is published.")
	// Paragraphs become <p>s, and a single line break stays inside its paragraph.
	if !regexp.MustCompile(`<p>First line\r?\nsecond line</p>\s*<p>New para</p>`).MatchString(page.Body) {
		t.Errorf("body lost its paragraphs or line breaks:\n%s", boardtest.Clip(page.Body))
	}

	// Edit.
	form := c.Get(res.Location() + "/edit")
	boardtest.WantStatus(t, "edit form", form, http.StatusOK)
	boardtest.MustContain(t, "edit form", form.Body, `value="Spring meetup"`, "First line")
	res = c.Post(res.Location()+"/edit", url.Values{"title": {"Spring meetup (moved)"}, "body": {"Now on Friday."}})
	if boardtest.WantStatus(t, "edit post", res, http.StatusSeeOther) && res.Location() != "/posts/"+m[1] {
		t.Errorf("edit redirected to %q", res.Location())
	}
	if p := b.Post(t, id); p.Title != "Spring meetup (moved)" || p.Body != "Now on Friday." {
		t.Errorf("after edit: %q / %q", p.Title, p.Body)
	}
	page = c.Get("/posts/" + m[1])
	boardtest.MustContain(t, "after edit", page.Body, "Spring meetup (moved)", "Now on Friday.")

	// Comment: create, edit, delete.
	res = c.Post("/posts/"+m[1]+"/comments", url.Values{"body": {"Count me in.\n\nBringing snacks."}})
	if !boardtest.WantStatus(t, "create comment", res, http.StatusSeeOther) {
		return
	}
	cm := regexp.MustCompile(`^/posts/` + m[1] + `#comment-(\d+)$`).FindStringSubmatch(res.Location())
	if cm == nil {
		t.Fatalf("comment redirect %q, want /posts/%s#comment-N", res.Location(), m[1])
	}
	cid, _ := strconv.ParseInt(cm[1], 10, 64)
	page = c.Get("/posts/" + m[1])
	if !regexp.MustCompile(`<p>Count me in.</p>\s*<p>Bringing snacks.</p>`).MatchString(page.Body) {
		t.Errorf("comment not shown with its paragraphs:\n%s", boardtest.Clip(page.Body))
	}
	form = c.Get("/comments/" + cm[1] + "/edit")
	boardtest.WantStatus(t, "edit comment form", form, http.StatusOK)
	boardtest.MustContain(t, "edit comment form", form.Body, "Bringing snacks.")
	res = c.Post("/comments/"+cm[1]+"/edit", url.Values{"body": {"Count me in, edited."}})
	boardtest.WantStatus(t, "edit comment", res, http.StatusSeeOther)
	if got := b.Comment(t, cid); got == nil || got.Body != "Count me in, edited." {
		t.Errorf("comment after edit: %+v", got)
	}
	res = c.Post("/comments/"+cm[1]+"/delete", nil)
	if boardtest.WantStatus(t, "delete comment", res, http.StatusSeeOther) && res.Location() != "/posts/"+m[1] {
		t.Errorf("delete comment redirected to %q", res.Location())
	}
	if b.Comment(t, cid) != nil {
		t.Errorf("comment still stored after delete")
	}
	boardtest.MustNotContain(t, "post after comment delete", c.Get("/posts/"+m[1]).Body, "Count me in")

	// Delete the post.
	res = c.Post("/posts/"+m[1]+"/delete", nil)
	if boardtest.WantStatus(t, "delete post", res, http.StatusSeeOther) && res.Location() != "/posts" {
		t.Errorf("delete post redirected to %q", res.Location())
	}
	if b.Post(t, id) != nil {
		t.Errorf("post still stored after delete")
	}
	boardtest.WantStatus(t, "deleted post", c.Get("/posts/"+m[1]), http.StatusNotFound)
}

func TestPostValidation(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	alice := b.CreateUser(t, "alice@example.com", "Alice Author", alicePW, models.RoleMember)
	p := b.CreatePost(t, alice, "Original title", "Original body")
	c := b.SignedIn(t, "alice@example.com", alicePW)

	cases := []struct {
		name, title, body, field string
	}{
		{"empty title", "", "body", "title"},
		{"blank title", "   ", "body", "title"},
		{"empty body", "Title kept zq", "", "body"},
		{"blank body", "Title kept zq", " \r\n\t ", "body"},
		{"title too long", strings.Repeat("t", models.MaxTitle+1), "body", "title"},
		{"body too long", "Title kept zq", strings.Repeat("b", models.MaxPostBody+1), "body"},
		{"invalid UTF-8 title", "bad \xff title", "body", "title"},
		{"invalid UTF-8 body", "Title kept zq", "bad \xc3\x28 body", "body"},
		{"control character in title", "bell\x07", "body", "title"},
	}
	for _, tc := range cases {
		t.Run("create "+tc.name, func(t *testing.T) {
			c := c.Bind(t)
			posts := len(b.AllPosts(t))
			res := c.Post("/posts", url.Values{"title": {tc.title}, "body": {tc.body}})
			boardtest.WantStatus(t, "POST /posts", res, http.StatusUnprocessableEntity)
			boardtest.MustContain(t, "field error", res.Body, `data-testid="error-`+tc.field+`"`)
			if tc.title == "Title kept zq" {
				boardtest.MustContain(t, "typed title kept", res.Body, `value="Title kept zq"`)
			}
			if got := len(b.AllPosts(t)); got != posts {
				t.Errorf("posts: %d after a 422, want %d", got, posts)
			}
		})
		t.Run("edit "+tc.name, func(t *testing.T) {
			c := c.Bind(t)
			res := c.Post("/posts/"+itoa(p.ID)+"/edit", url.Values{"title": {tc.title}, "body": {tc.body}})
			boardtest.WantStatus(t, "POST edit", res, http.StatusUnprocessableEntity)
			if got := b.Post(t, p.ID); got.Title != "Original title" || got.Body != "Original body" {
				t.Errorf("post changed by a 422 edit: %q / %q", got.Title, got.Body)
			}
		})
	}
	t.Run("title and body at their limits are accepted", func(t *testing.T) {
		c := c.Bind(t)
		res := c.Post("/posts", url.Values{"title": {strings.Repeat("é", models.MaxTitle)}, "body": {strings.Repeat("ü", models.MaxPostBody)}})
		boardtest.WantStatus(t, "POST /posts at limits", res, http.StatusSeeOther)
	})
	for _, tc := range []struct{ name, body string }{
		{"empty", ""}, {"blank", "  \n "}, {"too long", strings.Repeat("c", models.MaxCommentBody+1)}, {"invalid UTF-8", "\xff\xfe"},
	} {
		t.Run("comment "+tc.name, func(t *testing.T) {
			c := c.Bind(t)
			comments := len(b.AllComments(t))
			res := c.Post("/posts/"+itoa(p.ID)+"/comments", url.Values{"body": {tc.body}})
			boardtest.WantStatus(t, "POST comment", res, http.StatusUnprocessableEntity)
			boardtest.MustContain(t, "comment error", res.Body, `data-testid="error-body"`)
			if got := len(b.AllComments(t)); got != comments {
				t.Errorf("comments: %d after a 422, want %d", got, comments)
			}
		})
	}
}

// Someone else's post or comment: a second member and an admin are both
// refused (403) on every edit and delete route, told who they are, who owns
// it, and the rule; nothing changes.
func TestOnlyAuthorMayEditOrDelete(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	pid, cid := itoa(w.Post.ID), itoa(w.Comment.ID)

	routes := []struct {
		method, path, thing, verb string
		form                      url.Values
	}{
		{"GET", "/posts/" + pid + "/edit", "post", "edit", nil},
		{"POST", "/posts/" + pid + "/edit", "post", "edit", url.Values{"title": {"pwned"}, "body": {"pwned"}}},
		{"POST", "/posts/" + pid + "/delete", "post", "delete", nil},
		{"GET", "/comments/" + cid + "/edit", "comment", "edit", nil},
		{"POST", "/comments/" + cid + "/edit", "comment", "edit", url.Values{"body": {"pwned"}}},
		{"POST", "/comments/" + cid + "/delete", "comment", "delete", nil},
	}
	for _, who := range []struct {
		name  string
		user  *models.User
		email string
		pw    string
	}{
		{"member", w.Bob, "bob@example.com", bobPW},
		{"admin", w.Admin, "ada@example.com", adminPW},
	} {
		c := b.SignedIn(t, who.email, who.pw)
		for _, r := range routes {
			t.Run(who.name+" "+r.method+" "+r.path, func(t *testing.T) {
				c := c.Bind(t)
				var res *boardtest.Response
				if r.method == "GET" {
					res = c.Get(r.path)
				} else {
					res = c.Post(r.path, r.form)
				}
				boardtest.WantStatus(t, r.method+" "+r.path, res, http.StatusForbidden)
				boardtest.MustContain(t, "403 page", res.Body,
					"Authorization",
					"signed in as "+who.user.DisplayName,
					"This "+r.thing+" belongs to Alice Author",
					"Only its author may "+r.verb+" it")
				boardtest.MustNotContain(t, "403 page", res.Body, "Authentication required")
			})
		}
		t.Run(who.name+" sees no edit controls", func(t *testing.T) {
			page := c.Bind(t).Get("/posts/" + pid)
			boardtest.WantStatus(t, "show post", page, http.StatusOK)
			boardtest.MustNotContain(t, "someone else's post", page.Body, `data-testid="edit-post"`, `data-testid="delete-post"`,
				`/comments/`+cid+`/edit`)
		})
	}
	p, cm := b.Post(t, w.Post.ID), b.Comment(t, w.Comment.ID)
	if p == nil || p.Title != w.Post.Title || p.Body != w.Post.Body {
		t.Errorf("post changed by refused requests: %+v", p)
	}
	if cm == nil || cm.Body != w.Comment.Body {
		t.Errorf("comment changed by refused requests: %+v", cm)
	}
}

func TestUnknownIDsAre404(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	c := b.SignedIn(t, "alice@example.com", alicePW)
	for _, r := range []struct{ method, path string }{
		{"GET", "/posts/abc"},
		{"GET", "/posts/99999"},
		{"GET", "/posts/0"},
		{"GET", "/posts/-1"},
		{"GET", "/posts/1.0"},
		{"GET", "/posts/0x1"},
		{"GET", "/posts/99999999999999999999999"},
		{"GET", "/posts/abc/edit"},
		{"GET", "/posts/99999/edit"},
		{"POST", "/posts/99999/edit"},
		{"POST", "/posts/abc/delete"},
		{"POST", "/posts/99999/delete"},
		{"POST", "/posts/99999/comments"},
		{"GET", "/comments/0/edit"},
		{"GET", "/comments/abc/edit"},
		{"GET", "/comments/99999/edit"},
		{"POST", "/comments/99999/edit"},
		{"POST", "/comments/abc/delete"},
		{"POST", "/comments/99999/delete"},
	} {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			c := c.Bind(t)
			var res *boardtest.Response
			if r.method == "GET" {
				res = c.Get(r.path)
			} else {
				res = c.Post(r.path, url.Values{"title": {"x"}, "body": {"x"}})
			}
			boardtest.WantStatus(t, r.method+" "+r.path, res, http.StatusNotFound)
			boardtest.MustContain(t, "404 page", res.Body, `data-testid="error"`)
		})
	}
	if n := len(b.AllPosts(t)); n != 1 {
		t.Errorf("posts: %d, want 1", n)
	}
	if n := len(b.AllComments(t)); n != 1 {
		t.Errorf("comments: %d, want 1", n)
	}
}

func TestAnonymousGets401(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	pid, cid := itoa(w.Post.ID), itoa(w.Comment.ID)
	for _, r := range []struct{ method, path string }{
		{"GET", "/posts"},
		{"GET", "/posts/new"},
		{"POST", "/posts"},
		{"GET", "/posts/" + pid},
		{"GET", "/posts/" + pid + "/edit"},
		{"POST", "/posts/" + pid + "/edit"},
		{"POST", "/posts/" + pid + "/delete"},
		{"POST", "/posts/" + pid + "/comments"},
		{"GET", "/comments/" + cid + "/edit"},
		{"POST", "/comments/" + cid + "/edit"},
		{"POST", "/comments/" + cid + "/delete"},
	} {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			c := b.Client(t)
			var res *boardtest.Response
			if r.method == "GET" {
				res = c.Get(r.path)
			} else {
				// A real anonymous browser session, so CSRF is not what refuses it.
				res = c.Post(r.path, url.Values{"title": {"anon"}, "body": {"anon"}})
			}
			boardtest.WantStatus(t, r.method+" "+r.path, res, http.StatusUnauthorized)
			boardtest.MustContain(t, "401 page", res.Body, "Authentication required", `data-testid="login-form"`)
			boardtest.MustNotContain(t, "401 page", res.Body, w.Post.Title, w.Post.Body, w.Comment.Body, "alice@example.com")
		})
	}
	if p := b.Post(t, w.Post.ID); p == nil || p.Title != w.Post.Title {
		t.Errorf("anonymous requests changed the post: %+v", p)
	}
	if b.Comment(t, w.Comment.ID) == nil || len(b.AllPosts(t)) != 1 || len(b.AllComments(t)) != 1 {
		t.Errorf("anonymous requests changed posts or comments")
	}
}

func TestUserContentIsEscaped(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "mallory@example.com", `Mal<img src=x onerror=alert(4)>`, "mallory-password", models.RoleMember)
	c := b.SignedIn(t, "mallory@example.com", "mallory-password")
	title := `<script>alert(1)</script>"><b onmouseover=alert(5)>`
	body := "<script>alert(2)</script>\n<iframe src=javascript:alert(6)>"
	res := c.Post("/posts", url.Values{"title": {title}, "body": {body}})
	if !boardtest.WantStatus(t, "create post", res, http.StatusSeeOther) {
		return
	}
	post := res.Location()
	res = c.Post(post+"/comments", url.Values{"body": {"<script>alert(3)</script>"}})
	boardtest.WantStatus(t, "create comment", res, http.StatusSeeOther)
	cm := regexp.MustCompile(`#comment-(\d+)$`).FindStringSubmatch(res.Location())

	pages := map[string]string{"post page": post, "post list": "/posts", "edit form": post + "/edit"}
	if cm != nil {
		pages["comment edit form"] = "/comments/" + cm[1] + "/edit"
	}
	for name, path := range pages {
		res := c.Get(path)
		boardtest.WantStatus(t, name, res, http.StatusOK)
		boardtest.MustNotContain(t, name, res.Body, "<script", "<iframe", "<img src=x", "<b onmouseover")
	}
	page := c.Get(post).Body
	boardtest.MustContain(t, "post page", page,
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"&lt;script&gt;alert(2)&lt;/script&gt;",
		"&lt;iframe src=javascript:alert(6)&gt;",
		"&lt;script&gt;alert(3)&lt;/script&gt;",
		"&lt;b onmouseover=alert(5)&gt;",
		"Mal&lt;img src=x onerror=alert(4)&gt;")
	boardtest.MustContain(t, "post list", c.Get("/posts").Body, "&lt;script&gt;alert(1)&lt;/script&gt;")
}

var listItemRe = regexp.MustCompile(`(?s)<li data-testid="post-item"><a class="title" href="/posts/(\d+)">([^<]*)</a>.*?by <span class="author">([^<]*)</span>\s*· .*?<span data-testid="comment-count">(\d+)</span>`)
var olderRe = regexp.MustCompile(`href="(/posts\?before=\d+)" data-testid="older"`)

func TestPostListOrderAndPaging(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	alice := b.CreateUser(t, "alice@example.com", "Alice Author", alicePW, models.RoleMember)
	bob := b.CreateUser(t, "bob@example.com", "Bob Bystander", bobPW, models.RoleMember)
	const total = 45
	type want struct {
		title, author string
		comments      int
	}
	wants := map[int64]want{}
	var ids []int64
	for i := 1; i <= total; i++ {
		author := alice
		if i%3 == 0 {
			author = bob
		}
		p := b.CreatePost(t, author, fmt.Sprintf("List post %02d", i), "body")
		w := want{p.Title, author.DisplayName, 0}
		switch i {
		case total: // the newest has three comments, one of them hidden
			for j := 0; j < 3; j++ {
				b.CreateComment(t, p, bob, "c")
			}
			hidden := b.CreateComment(t, p, bob, "hidden c")
			if err := b.Comments.SetHidden(t.Context(), hidden.ID, true, "spam", models.Actor{}); err != nil {
				t.Fatal(err)
			}
			w.comments = 3
		case 7:
			b.CreateComment(t, p, alice, "c")
			w.comments = 1
		}
		wants[p.ID] = w
		ids = append(ids, p.ID)
	}

	c := b.SignedIn(t, "bob@example.com", bobPW)
	var seen []int64
	var sizes []int
	path := "/posts"
	for page := 0; path != "" && page < 10; page++ {
		res := c.Get(path)
		if !boardtest.WantStatus(t, "GET "+path, res, http.StatusOK) {
			return
		}
		items := listItemRe.FindAllStringSubmatch(res.Body, -1)
		sizes = append(sizes, len(items))
		for _, it := range items {
			id, _ := strconv.ParseInt(it[1], 10, 64)
			w, ok := wants[id]
			if !ok {
				t.Errorf("unknown post %d listed", id)
				continue
			}
			if it[2] != w.title || it[3] != w.author {
				t.Errorf("post %d listed as %q by %q, want %q by %q", id, it[2], it[3], w.title, w.author)
			}
			if n, _ := strconv.Atoi(it[4]); n != w.comments {
				t.Errorf("post %d shows %d comments, want %d", id, n, w.comments)
			}
			seen = append(seen, id)
		}
		path = ""
		if m := olderRe.FindStringSubmatch(res.Body); m != nil {
			path = m[1]
		}
	}
	if fmt.Sprint(sizes) != "[20 20 5]" {
		t.Errorf("page sizes %v, want [20 20 5]", sizes)
	}
	if len(seen) != total {
		t.Fatalf("walked %d posts, want %d: %v", len(seen), total, seen)
	}
	for i, id := range seen {
		if want := ids[total-1-i]; id != want {
			t.Errorf("position %d: post %d, want %d (newest first)", i, id, want)
		}
	}

	for _, cursor := range []string{"abc", "0", "-1", "1.5", "1e3", "99999999999999999999"} {
		t.Run("bad cursor "+cursor, func(t *testing.T) {
			res := c.Bind(t).Get("/posts?before=" + url.QueryEscape(cursor))
			boardtest.WantStatus(t, "GET /posts?before="+cursor, res, http.StatusBadRequest)
			boardtest.MustNotContain(t, "400 page", res.Body, "List post")
		})
	}
	t.Run("cursor past the end is the first page", func(t *testing.T) {
		res := c.Bind(t).Get("/posts?before=999999")
		boardtest.WantStatus(t, "GET /posts?before=999999", res, http.StatusOK)
		if n := len(listItemRe.FindAllString(res.Body, -1)); n != 20 {
			t.Errorf("%d posts, want 20", n)
		}
	})
}

// The body limit answers 413 with a readable page and writes nothing, for a
// signed-in form and for an anonymous one alike.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice Author", alicePW, models.RoleMember)
	big := strings.Repeat("a", 300<<10) // 300 KiB > 256 KiB

	send := func(t *testing.T, c *boardtest.Client, path string, form url.Values) {
		t.Helper()
		res, err := c.Bind(t).TryDo(c.Bind(t).FormRequest(path, form.Encode()))
		if err != nil {
			t.Errorf("POST %s with a 300 KiB body: no HTTP response at all (%v); want 413 with a page", path, err)
			return
		}
		boardtest.WantStatus(t, "POST "+path+" 300 KiB", res, http.StatusRequestEntityTooLarge)
		boardtest.MustContain(t, "413 page", res.Body, "too large", "<html")
	}
	t.Run("signed-in new post", func(t *testing.T) {
		c := b.SignedIn(t, "alice@example.com", alicePW)
		posts := len(b.AllPosts(t))
		send(t, c, "/posts", url.Values{"title": {"Huge"}, "body": {big}, "_csrf": {c.CSRF()}})
		if got := len(b.AllPosts(t)); got != posts {
			t.Errorf("posts: %d after an oversized request, want %d", got, posts)
		}
		// Just under the limit the request reaches the handler (and fails validation instead).
		res := c.Post("/posts", url.Values{"title": {"Large"}, "body": {strings.Repeat("a", 200<<10)}})
		boardtest.WantStatus(t, "POST /posts 200 KiB", res, http.StatusUnprocessableEntity)
	})
	t.Run("anonymous registration", func(t *testing.T) {
		c := b.Client(t)
		users := len(b.AllUsers(t))
		send(t, c, "/register", url.Values{"email": {"big@example.com"}, "display_name": {big}, "password": {"long enough pw"}, "_csrf": {c.CSRF()}})
		if got := len(b.AllUsers(t)); got != users {
			t.Errorf("users: %d after an oversized request, want %d", got, users)
		}
	})
}
