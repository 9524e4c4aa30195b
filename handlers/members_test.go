package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

var memberRowRe = regexp.MustCompile(`data-testid="user-(\d+)"`)

// The admin's member list pages through everyone (it no longer stops at 200
// without a word) and searches names and emails.
func TestAdminMemberSearchAndPaging(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	ctx := context.Background()
	for i := range 247 {
		_, err := b.Users.Create(ctx, models.NewUser{Email: fmt.Sprintf("m%03d@example.org", i), DisplayName: fmt.Sprintf("Member %03d", i)},
			"seeded", models.Actor{})
		if err != nil {
			t.Fatal(err)
		}
	}
	b.CreateUser(t, "odd_one@example.com", "Percy 100% Sure", "percy-password-1", models.RoleMember)
	ada := b.SignedIn(t, "ada@example.com", adminPW)

	seen := map[string]bool{}
	for page := 1; page <= 6; page++ {
		res := ada.Get(fmt.Sprintf("/admin?page=%d", page))
		boardtest.WantStatus(t, "admin page", res, http.StatusOK)
		rows := memberRowRe.FindAllStringSubmatch(res.Body, -1)
		want := 50
		if page == 6 {
			want = 1 // 3 + 247 + 1 = 251 members
		}
		if len(rows) != want {
			t.Errorf("page %d: %d members, want %d", page, len(rows), want)
		}
		for _, r := range rows {
			if seen[r[1]] {
				t.Errorf("member %s on two pages", r[1])
			}
			seen[r[1]] = true
		}
		if !strings.Contains(text(res.Body), fmt.Sprintf("Page %d of 6", page)) {
			t.Errorf("page %d does not say where it is", page)
		}
	}
	if len(seen) != 251 {
		t.Errorf("paging showed %d members, want all 251", len(seen))
	}
	boardtest.WantPage(t, "first page", ada.Get("/admin"), http.StatusOK, "Members 1–50 of 251, newest first.", "Next →")
	boardtest.WantPage(t, "last page", ada.Get("/admin?page=6"), http.StatusOK, "Members 251–251 of 251")

	for _, c := range []struct{ q, want string }{
		{"member 10", "Members 1–10 of 10 whose name or email contains “member 10”"}, // Member 100–109, any case
		{"ALICE@EXAMPLE", "Members 1–1 of 1"},
		{"100%", "Members 1–1 of 1"}, // % is a character, not a wildcard
		{"_one", "Members 1–1 of 1"},
		{"nobody-like-this", "No member's name or email contains “nobody-like-this”."},
	} {
		res := ada.Get("/admin?q=" + url.QueryEscape(c.q))
		boardtest.WantPage(t, "search "+c.q, res, http.StatusOK, c.want)
	}
	boardtest.WantStatus(t, "a bad page number", ada.Get("/admin?page=0"), http.StatusBadRequest)
	boardtest.WantStatus(t, "a member searches", b.SignedIn(t, "bob@example.com", bobPW).Get("/admin?q=a"), http.StatusForbidden)
}
