package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

var unreadRe = regexp.MustCompile(`data-testid="unread-count">(\d+\+?)<`)

// unread is the nav's unread count on a page ("" when it shows none).
func unread(body string) string {
	if m := unreadRe.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// notificationTexts are the notifications a member's page shows, as text.
func notificationTexts(t *testing.T, c *boardtest.Client) []string {
	t.Helper()
	res := c.Bind(t).Get("/notifications")
	boardtest.WantStatus(t, "GET /notifications", res, http.StatusOK)
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<li class="card[^"]*" data-testid="notification".*?</li>`).FindAllString(res.Body, -1) {
		out = append(out, text(m))
	}
	return out
}

// wantAudit checks the admin page's log of one kind reads, as text, each
// of wants, and returns the page.
func wantAudit(t *testing.T, admin *boardtest.Client, kind models.AuditKind, wants ...string) string {
	t.Helper()
	res := admin.Bind(t).Get("/admin?kind=" + string(kind))
	boardtest.WantStatus(t, "audit of "+string(kind), res, http.StatusOK)
	log := text(res.Body[strings.Index(res.Body, `data-testid="audit-log"`):])
	for _, w := range wants {
		if !strings.Contains(log, w) {
			t.Errorf("audit of %s lacks %q:\n%s", kind, w, log)
		}
	}
	return res.Body
}

func reportsOn(t *testing.T, b *boardtest.Board) *models.ReportQueue {
	t.Helper()
	q, err := b.Reports.Queue(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A member reports a post once, with a reason; a second try is refused with
// a clear message; the admin's queue lists it; hiding it from the queue
// settles it, tells the reporter and the author, and is audited in words.
func TestReportPostThroughQueue(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	pid := itoa(w.Post.ID)

	page := bob.Get("/posts/" + pid)
	boardtest.MustContain(t, "post page offers a report", page.Body, `href="/posts/`+pid+`/report"`)
	boardtest.MustNotContain(t, "the author's page offers no report", alice.Get("/posts/"+pid).Body, `data-testid="report-post"`)
	form := bob.Get("/posts/" + pid + "/report")
	boardtest.WantPage(t, "report form", form, http.StatusOK, "Report this post", w.Post.Title)

	empty := bob.Post("/posts/"+pid+"/report", url.Values{"reason": {"  "}})
	boardtest.WantPage(t, "report without a reason", empty, http.StatusUnprocessableEntity, "Reason is required.")
	if q := reportsOn(t, b); q.Open != 0 {
		t.Fatalf("a refused report was stored: %d open", q.Open)
	}

	const reason = "Spam link farm zq7"
	res := bob.Post("/posts/"+pid+"/report", url.Values{"reason": {reason}})
	if boardtest.WantStatus(t, "report", res, http.StatusSeeOther) && res.Location() != "/posts/"+pid {
		t.Errorf("report redirected to %q", res.Location())
	}
	boardtest.WantPage(t, "after reporting", bob.Get("/posts/"+pid), http.StatusOK, "with the moderators", "You reported this post on")

	again := bob.Post("/posts/"+pid+"/report", url.Values{"reason": {"again"}})
	boardtest.WantPage(t, "second report", again, http.StatusConflict, "You already reported this post on", "Each member reports an item once")
	if q := reportsOn(t, b); q.Open != 1 || len(q.Items) != 1 || q.Items[0].Reports[0].Reason != reason {
		t.Fatalf("queue after two tries: %+v", q)
	}
	boardtest.WantStatus(t, "author reports own post", alice.Post("/posts/"+pid+"/report", url.Values{"reason": {"mine"}}), http.StatusForbidden)
	boardtest.WantStatus(t, "member opens the queue", bob.Get("/admin/reports"), http.StatusForbidden)

	queue := ada.Get("/admin/reports")
	boardtest.WantPage(t, "queue", queue, http.StatusOK, "1 open report", w.Post.Title, "Bob Bystander", reason)
	res = ada.Post("/admin/posts/"+pid+"/hide", url.Values{"reason": {""}, "from": {"reports"}})
	boardtest.WantPage(t, "hide from the queue without a reason", res, http.StatusUnprocessableEntity, "Reports", "Reason is required.")
	boardtest.MustContain(t, "the refused reason input takes the focus", res.Body, `autofocus`)
	res = ada.Post("/admin/posts/"+pid+"/hide", url.Values{"reason": {"Spam zq8"}, "from": {"reports"}})
	if boardtest.WantStatus(t, "hide from the queue", res, http.StatusSeeOther) && res.Location() != "/admin/reports" {
		t.Errorf("hide from the queue returned to %q", res.Location())
	}
	if p := b.Post(t, w.Post.ID); !p.Hidden() {
		t.Errorf("the post is not hidden")
	}
	boardtest.WantPage(t, "empty queue", ada.Get("/admin/reports"), http.StatusOK, "0 open reports", "No open reports")

	// The reporter hears the outcome, without the title of a post they may no longer see.
	got := notificationTexts(t, bob)
	if len(got) != 1 || !strings.Contains(got[0], "Your report about a post was settled: a moderator hid it.") ||
		!strings.Contains(got[0], reason) || strings.Contains(got[0], w.Post.Title) {
		t.Errorf("bob's notifications: %q", got)
	}
	// The author hears it with the reason, and may open it.
	got = notificationTexts(t, alice)
	if len(got) != 1 || !strings.Contains(got[0], "A moderator hid your post “"+w.Post.Title+"”.") || !strings.Contains(got[0], "Spam zq8") {
		t.Errorf("alice's notifications: %q", got)
	}
	// Audited, in words, with links.
	wantAudit(t, ada, models.AuditReportFiled, "Bob Bystander reported Alice Author's post “"+w.Post.Title+"”")
	body := wantAudit(t, ada, models.AuditPostHidden, "Ada Admin hid Alice Author's post “"+w.Post.Title+"”")
	boardtest.MustContain(t, "audit links", html.UnescapeString(body), `<a href="/posts/`+pid+`">Alice Author's post`,
		`<a href="/admin/users/`+itoa(w.Admin.ID)+`">Ada Admin</a>`)
	boardtest.MustNotContain(t, "audit in words", body, ">post_hidden<", "user 0")
}

// Dismissing settles every open report on the item and leaves it alone;
// deleting as a moderator needs a confirmation with a reason, and tells the
// author and the reporters.
func TestDismissAndDeleteFromQueue(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	b.CreateUser(t, "carol@example.com", "Carol Critic", "carol-password-1", models.RoleMember)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	carolC := b.SignedIn(t, "carol@example.com", "carol-password-1")
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	cid := itoa(w.Comment.ID)

	for _, c := range []*boardtest.Client{bob, carolC} {
		boardtest.WantStatus(t, "report the comment", c.Post("/comments/"+cid+"/report", url.Values{"reason": {"rude zq5"}}), http.StatusSeeOther)
	}
	q := reportsOn(t, b)
	if q.Open != 2 || len(q.Items) != 1 || len(q.Items[0].Reports) != 2 {
		t.Fatalf("two reports on one comment should be one item with two reports: %+v", q)
	}
	boardtest.WantStatus(t, "member dismisses", bob.Post("/admin/reports/"+itoa(q.Items[0].First().ID)+"/dismiss", nil), http.StatusForbidden)
	res := ada.Post("/admin/reports/"+itoa(q.Items[0].First().ID)+"/dismiss", nil)
	boardtest.WantStatus(t, "dismiss", res, http.StatusSeeOther)
	if q := reportsOn(t, b); q.Open != 0 {
		t.Errorf("%d reports still open after dismissing", q.Open)
	}
	if cm := b.Comment(t, w.Comment.ID); cm == nil || cm.Hidden() {
		t.Errorf("dismissing changed the comment: %+v", cm)
	}
	for _, c := range []*boardtest.Client{bob, carolC} {
		if got := notificationTexts(t, c); len(got) != 1 || !strings.Contains(got[0], "a moderator looked and left it as it is") ||
			!strings.Contains(got[0], "on “"+w.Post.Title+"”") {
			t.Errorf("reporter's notifications after dismissal: %q", got)
		}
	}
	if e := b.AuditEvents(t, models.AuditReportsDismissed); len(e) != 1 || e[0].Detail != "2 reports" || e[0].ActorID != w.Admin.ID {
		t.Errorf("dismissal audit: %+v", e)
	}

	// Carol reports the post itself; the admin deletes it from the queue.
	pid := itoa(w.Post.ID)
	boardtest.WantStatus(t, "report the post", carolC.Post("/posts/"+pid+"/report", url.Values{"reason": {"off topic zq6"}}), http.StatusSeeOther)
	confirm := ada.Get("/admin/posts/" + pid + "/delete?from=reports")
	boardtest.WantPage(t, "moderator's delete confirmation", confirm, http.StatusOK, "Delete this post as a moderator?", w.Post.Title,
		"Its author is told", "Its 1 comment goes with it.")
	boardtest.MustContain(t, "the confirmation returns to the queue", confirm.Body, `name="from" value="reports"`, `href="/admin/reports"`)
	boardtest.WantStatus(t, "member's delete confirmation", bob.Get("/admin/posts/"+pid+"/delete"), http.StatusForbidden)
	boardtest.WantStatus(t, "member deletes", bob.Post("/admin/posts/"+pid+"/delete", url.Values{"reason": {"x"}}), http.StatusForbidden)
	res = ada.Post("/admin/posts/"+pid+"/delete", url.Values{"reason": {""}, "from": {"reports"}})
	boardtest.WantPage(t, "delete without a reason", res, http.StatusUnprocessableEntity, "Reason is required.")
	if b.Post(t, w.Post.ID) == nil {
		t.Fatalf("a refused deletion deleted the post")
	}
	res = ada.Post("/admin/posts/"+pid+"/delete", url.Values{"reason": {"Not for this board zq4"}, "from": {"reports"}})
	if boardtest.WantStatus(t, "delete", res, http.StatusSeeOther) && res.Location() != "/admin/reports" {
		t.Errorf("delete from the queue returned to %q", res.Location())
	}
	if b.Post(t, w.Post.ID) != nil || b.Comment(t, w.Comment.ID) != nil {
		t.Errorf("the post or its comment survived the deletion")
	}
	if got := notificationTexts(t, carolC); len(got) != 2 || !strings.Contains(got[0], "a moderator deleted it") || strings.Contains(got[0], w.Post.Title) {
		t.Errorf("carol's notifications after the deletion: %q", got)
	}
	if got := notificationTexts(t, alice); len(got) != 1 ||
		!strings.Contains(got[0], "A moderator deleted your post “"+w.Post.Title+"”. Reason: Not for this board zq4") {
		t.Errorf("alice's notifications after the deletion: %q", got)
	}
	// Bob and Carol no longer hear of a thread that is gone, even their dismissed report's.
	if got := notificationTexts(t, bob); len(got) != 1 || strings.Contains(got[0], w.Post.Title) {
		t.Errorf("bob's notifications about a deleted thread: %q", got)
	}
	e := b.AuditEvents(t, models.AuditPostDeleted)
	if len(e) != 1 || e[0].TargetID != w.Post.ID || !strings.Contains(e[0].Detail, "Not for this board zq4") {
		t.Fatalf("deletion audit: %+v", e)
	}
	wantAudit(t, ada, models.AuditPostDeleted, "Ada Admin deleted a post that is gone (#"+pid+")", "by Alice Author: “"+w.Post.Title+"”")
}

// A reported item that its author deletes leaves the queue; content nobody
// may see cannot be reported.
func TestReportEdges(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	cid := itoa(w.Comment.ID)

	boardtest.WantStatus(t, "report", bob.Post("/comments/"+cid+"/report", url.Values{"reason": {"meh"}}), http.StatusSeeOther)
	boardtest.WantStatus(t, "author deletes", alice.Post("/comments/"+cid+"/delete", nil), http.StatusSeeOther)
	if q := reportsOn(t, b); q.Open != 0 || len(q.Items) != 0 {
		t.Errorf("a deleted comment's report stays in the queue: %+v", q)
	}
	boardtest.WantStatus(t, "report a deleted comment", bob.Post("/comments/"+cid+"/report", url.Values{"reason": {"x"}}), http.StatusNotFound)
	boardtest.WantStatus(t, "report a missing post", bob.Post("/posts/99999/report", url.Values{"reason": {"x"}}), http.StatusNotFound)

	pid := itoa(w.Post.ID)
	boardtest.WantStatus(t, "hide", ada.Post("/admin/posts/"+pid+"/hide", url.Values{"reason": {"quiet"}}), http.StatusSeeOther)
	boardtest.WantStatus(t, "member reports a hidden post", bob.Get("/posts/"+pid+"/report"), http.StatusNotFound)
	boardtest.WantStatus(t, "member reports a hidden post", bob.Post("/posts/"+pid+"/report", url.Values{"reason": {"x"}}), http.StatusNotFound)
	res := ada.Post("/posts/"+pid+"/report", url.Values{"reason": {"x"}})
	boardtest.WantPage(t, "admin reports a hidden post", res, http.StatusForbidden, "already hidden")
	if q := reportsOn(t, b); q.Open != 0 {
		t.Errorf("refused reports were stored: %+v", q)
	}
}
