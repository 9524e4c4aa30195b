package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The targets the load command points wrk at answer as a signed-in member's
// browser would get them, so a change to the board cannot quietly turn the
// figures into measurements of an error page. (wrk itself is not needed.)
func TestTargetsAnswerLikeTheBoard(t *testing.T) {
	targets, stop, err := startBoard(t.TempDir(), options{posts: 3}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	want := map[string]int{"hello": http.StatusOK, "list": http.StatusOK, "post": http.StatusOK, "create": http.StatusSeeOther}
	method := regexp.MustCompile(`wrk\.method = "(\w+)"`)
	body := regexp.MustCompile(`wrk\.body = "([^"]*)"`)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tg := range targets {
		m, payload := http.MethodGet, ""
		if x := method.FindStringSubmatch(tg.script); x != nil {
			m, payload = x[1], body.FindStringSubmatch(tg.script)[1]
		}
		req, err := http.NewRequest(m, tg.url, strings.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range tg.header {
			name, value, _ := strings.Cut(h, ": ")
			req.Header.Set(name, value)
		}
		if payload != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tg.name, err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want[tg.name] {
			t.Errorf("%s (%s %s): status %d, want %d\n%.400s", tg.name, m, tg.url, res.StatusCode, want[tg.name], page)
		}
		if tg.name == "list" && !strings.Contains(string(page), "Post number 3") {
			t.Errorf("list: the page does not show the newest post:\n%.400s", page)
		}
		if tg.check != nil {
			if err := tg.check(1); err != nil {
				t.Errorf("%s: %v", tg.name, err)
			}
		}
	}
}
