package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// Fuzz targets for what the board reads from a URL: the post-sign-in
// destination and resource ids. Seed corpora live in testdata/fuzz.

// FuzzSafeNext: a kept destination is always a path on this site, however
// a browser resolves it.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/posts", "/posts?x=1#c", "//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)",
		"/%2F%2Fevil.example", "/\t/evil.example", "/..//evil.example", "", "posts"} {
		f.Add(s)
	}
	board, _ := url.Parse("https://board.example/account")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "" {
			return
		}
		if got != next {
			t.Fatalf("safeNext(%q) = %q: a kept destination is kept as given", next, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\x00\r\n\t") {
			t.Fatalf("safeNext kept %q", got)
		}
		ref, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeNext kept %q, which does not parse: %v", got, err)
		}
		if to := board.ResolveReference(ref); to.Scheme != "https" || to.Host != "board.example" || to.User != nil {
			t.Fatalf("safeNext kept %q, which leads to %s", got, to)
		}
	})
}

// FuzzParseID: an id is accepted only in its one canonical form.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "42", "+1", "00001", "1e0", "-1", "0", " 1", "9223372036854775807", "9223372036854775808", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := parseID(s)
		canonical := false
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 && strconv.FormatInt(n, 10) == s {
			canonical = true
		}
		if ok != canonical {
			t.Fatalf("parseID(%q) ok = %v, want %v", s, ok, canonical)
		}
		if ok && (id <= 0 || strconv.FormatInt(id, 10) != s) {
			t.Fatalf("parseID(%q) = %d", s, id)
		}
	})
}
