package boardtest

import (
	"board/models/tokens"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// WantStatus reports whether res has the status, failing the test if not.
func WantStatus(t testing.TB, what string, res *Response, want int) bool {
	t.Helper()
	if res.Status != want {
		t.Errorf("%s: status %d, want %d\n--- body ---\n%s", what, res.Status, want, Clip(res.Body))
		return false
	}
	return true
}

// WantPage checks the status and that the page, read as text (entities
// decoded), says each of texts.
func WantPage(t testing.TB, what string, res *Response, status int, texts ...string) {
	t.Helper()
	if !WantStatus(t, what, res, status) {
		return
	}
	body := html.UnescapeString(res.Body)
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q\n%s", what, s, Clip(res.Body))
		}
	}
}

// MustContain checks the raw body holds each of subs.
func MustContain(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body does not contain %q\n--- body ---\n%s", what, s, Clip(body))
		}
	}
}

// MustNotContain checks the raw body holds none of subs.
func MustNotContain(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("%s: body must not contain %q\n--- body ---\n%s", what, s, Clip(body))
		}
	}
}

// Clip keeps failure output readable: the <main> part of a page if it has
// one, cut to a few thousand characters.
func Clip(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

var whoamiRe = regexp.MustCompile(`(?s)data-testid="whoami">(.*?)</div>`)

// Whoami is the "Signed in as …" line of a page, as HTML ("" if none).
func Whoami(body string) string {
	if m := whoamiRe.FindStringSubmatch(body); m != nil {
		return strings.TrimSpace(m[1])
	}
	return ""
}

// WantSignedIn checks c is signed in (a member page answers 200) and, if
// name is not "", that the page names that member.
func WantSignedIn(t testing.TB, what string, c *Client, name string) {
	t.Helper()
	res := c.Bind(t).Get("/posts")
	if !WantStatus(t, what+": GET /posts", res, http.StatusOK) || name == "" {
		return
	}
	if w := Whoami(res.Body); !strings.Contains(w, "<strong>"+html.EscapeString(name)+"</strong>") {
		t.Errorf("%s: whoami = %q, want it to name %q", what, w, name)
	}
}

// WantSignedOut checks c's next request is refused as anonymous with the
// sign-in page, which says why when why is not "".
func WantSignedOut(t testing.TB, what string, c *Client, why string) {
	t.Helper()
	res := c.Bind(t).Get("/posts")
	if !WantStatus(t, what+": GET /posts", res, http.StatusUnauthorized) {
		return
	}
	MustContain(t, what, res.Body, `data-testid="login-form"`)
	if why != "" {
		MustContain(t, what, html.UnescapeString(res.Body), why)
	}
}

// TokenParts decodes a JWT's header and claims, verifying nothing, or fails
// the test if it is not one.
func TokenParts(t testing.TB, raw string) (header, claims map[string]any) {
	t.Helper()
	h, c := tokens.Inspect(raw)
	if err := json.Unmarshal([]byte(h), &header); err != nil {
		t.Fatalf("token header: %v (token %.20s…)", err, raw)
	}
	if err := json.Unmarshal([]byte(c), &claims); err != nil {
		t.Fatalf("token claims: %v (token %.20s…)", err, raw)
	}
	return header, claims
}
