package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"board/handlers/boardtest"
)

var (
	inputRe     = regexp.MustCompile(`<(?:input|textarea)\b[^>]*>`)
	attrRe      = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
	timeRe      = regexp.MustCompile(`<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">[^<]+</time>`)
	ariaCurrent = regexp.MustCompile(`<a href="([^"]+)"[^>]*aria-current="page"`)
)

// inputs maps each named input of a page to its attributes.
func inputs(body string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, tag := range inputRe.FindAllString(body, -1) {
		attrs := map[string]string{}
		for _, m := range attrRe.FindAllStringSubmatch(tag[1:], -1) {
			attrs[m[1]] = m[2]
		}
		if id := attrs["id"]; id != "" {
			out[id] = attrs
		}
	}
	return out
}

// Errors are tied to their fields, the first invalid field takes the focus
// (autofocus: no script), and fields carry autocomplete hints.
func TestFormAccessibility(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	visitor := b.Client(t)

	res := visitor.Post("/register", url.Values{"email": {"not-an-address"}, "display_name": {""}, "password": {"short"}})
	boardtest.WantStatus(t, "register with errors", res, http.StatusUnprocessableEntity)
	in := inputs(res.Body)
	for _, id := range []string{"email", "display_name", "password"} {
		if got := in[id]["aria-describedby"]; !strings.HasPrefix(got, id+"-error") {
			t.Errorf("%s: aria-describedby %q, want it to start with %s-error", id, got, id)
		}
		if !strings.Contains(res.Body, `id="`+id+`-error"`) {
			t.Errorf("no element with id %s-error", id)
		}
		if in[id]["aria-invalid"] != "true" {
			t.Errorf("%s: aria-invalid %q", id, in[id]["aria-invalid"])
		}
	}
	if _, ok := in["email"]["autofocus"]; !ok || strings.Count(res.Body, "autofocus") != 1 {
		t.Errorf("the first invalid field (email) must be the only one with autofocus: %d autofocus in the page", strings.Count(res.Body, "autofocus"))
	}
	if in["password"]["autocomplete"] != "new-password" || in["email"]["autocomplete"] != "email" {
		t.Errorf("register autocomplete: email %q, password %q", in["email"]["autocomplete"], in["password"]["autocomplete"])
	}
	// Only the second field is wrong: it alone takes the focus.
	res = visitor.Post("/register", url.Values{"email": {"new@example.com"}, "display_name": {""}, "password": {"a long enough password"}})
	in = inputs(res.Body)
	if _, ok := in["display_name"]["autofocus"]; !ok || strings.Count(res.Body, "autofocus") != 1 {
		t.Errorf("display_name should be the only autofocus field")
	}
	if _, ok := in["password"]["aria-describedby"]; ok && strings.Contains(in["password"]["aria-describedby"], "error") {
		t.Errorf("a valid field points at an error: %v", in["password"])
	}

	// A refused sign-in says so at the email field, which takes the focus.
	res = visitor.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {"wrong password here"}})
	boardtest.MustNotContain(t, "refused sign-in", res.Body, "A refused sign-in is about")
	in = inputs(res.Body)
	if _, ok := in["email"]["autofocus"]; !ok || in["email"]["aria-describedby"] != "login-error" || !strings.Contains(res.Body, `id="login-error"`) {
		t.Errorf("refused sign-in: email field %v", in["email"])
	}
	in = inputs(visitor.Get("/login").Body)
	if _, ok := in["email"]["autofocus"]; ok {
		t.Errorf("the sign-in form takes the focus without an error")
	}
	if in["email"]["autocomplete"] != "username" || in["password"]["autocomplete"] != "current-password" {
		t.Errorf("login autocomplete: email %q, password %q", in["email"]["autocomplete"], in["password"]["autocomplete"])
	}
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	in = inputs(alice.Get("/account").Body)
	if in["password-current_password"]["autocomplete"] != "current-password" || in["new_password"]["autocomplete"] != "new-password" {
		t.Errorf("account autocomplete: %v / %v", in["password-current_password"], in["new_password"])
	}
}

// Every page has a skip link to its main content, marks the current nav
// link, and gives times as <time datetime>.
func TestPageLandmarks(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	for _, c := range []struct{ path, current string }{
		{"/posts", "/posts"}, {"/account", "/account"}, {"/notifications", "/notifications"}, {"/posts/" + itoa(w.Post.ID), ""},
	} {
		res := alice.Get(c.path)
		boardtest.WantStatus(t, c.path, res, http.StatusOK)
		boardtest.MustContain(t, c.path, res.Body, `<a class="skip" href="#main">`, `<main id="main"`)
		got := ariaCurrent.FindAllStringSubmatch(res.Body, -1)
		switch {
		case c.current == "" && len(got) != 0:
			t.Errorf("%s: nav marks %q as current", c.path, got[0][1])
		case c.current != "" && (len(got) != 1 || got[0][1] != c.current):
			t.Errorf("%s: aria-current on %v, want only %s", c.path, got, c.current)
		}
	}
	for _, path := range []string{"/posts", "/posts/" + itoa(w.Post.ID), "/account"} {
		if !timeRe.MatchString(alice.Get(path).Body) {
			t.Errorf("%s shows no <time datetime> element", path)
		}
	}
}
