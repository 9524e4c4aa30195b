package views

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"board/models"
)

func TestParagraphsKeepLineBreaks(t *testing.T) {
	got := paragraphs("first line\nsecond line\r\n\r\nnew paragraph\n\n\n\n  \n\nlast")
	want := []string{"first line\nsecond line", "new paragraph", "last"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("paragraphs = %q, want %q", got, want)
	}
}

func TestDescribeDevice(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                    "Firefox on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0":     "Edge on Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1": "Safari on iPhone",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36":                  "Chrome on Android",
		"curl/8.5.0": "curl",
		"":           "Unknown device",
	} {
		if got := DescribeDevice(ua); got != want {
			t.Errorf("DescribeDevice(%q) = %q, want %q", ua, got, want)
		}
	}
}

// User text reaches the page only through templ's escaping.
func TestPostBodyIsEscaped(t *testing.T) {
	var b strings.Builder
	p := &models.Post{ID: 1, Title: `<img src=x onerror=alert(1)>`, Body: "<script>alert(1)</script>\n\"quoted\"", AuthorName: "<b>Eve</b>"}
	if err := ShowPost(Page{Title: p.Title, Viewer: &models.User{ID: 2, DisplayName: "Viewer"}}, PostDetail{Post: p}).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, raw := range []string{"<script>alert(1)", "<img src=x", "<b>Eve</b>"} {
		if strings.Contains(html, raw) {
			t.Errorf("page contains unescaped %q", raw)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped body text missing from the page")
	}
}
