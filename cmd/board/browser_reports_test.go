package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReportJourney is the journey, at desktop width and on
// a 360 px phone: a member posts (in Markdown), another reports it, an admin
// hides it from the report queue, and both members are notified. Every page
// on the way is checked with axe-core at both widths (see audit).
func TestBrowserReportJourney(t *testing.T) {
	for _, phone := range []bool{false, true} {
		name := "desktop"
		if phone {
			name = "360px"
		}
		t.Run(name, func(t *testing.T) { reportJourney(t, phone) })
	}
}

func reportJourney(t *testing.T, phone bool) {
	begin := time.Now()
	board := startBoard(t, "-demo")
	browser := newBrowser(t)
	join := newPerson
	if phone {
		join = newPhonePerson
	}
	alice := join(t, browser, board, "Alice")
	bob := join(t, browser, board, "Bob")
	ada := join(t, browser, board, "Ada")
	alice.signIn(aliceEmail, alicePassword)
	bob.signIn(bobEmail, bobPassword)
	ada.signIn(adaEmail, adaPassword)

	// Alice posts, in Markdown.
	const (
		title  = "Cheap watches, **today only**"
		body   = "Buy *now* at [our shop](https://shop.example/) — limited stock!\n\n> Best prices anywhere"
		reason = "Advertising for a shop, not a board topic"
		hideAs = "Spam: advertising"
	)
	if st := alice.open("/posts/new"); st != http.StatusOK {
		t.Fatalf("GET /posts/new: %d", st)
	}
	alice.fill("#title", title)
	alice.fill("#body", body)
	if st := alice.click("[data-testid=post-submit]"); st != http.StatusOK {
		t.Fatalf("publishing: status %d%s", st, alice.where())
	}
	postPath := alice.path()
	alice.expectContains("[data-testid=post]", "Best prices anywhere")

	// Bob reads it and reports it, on a page of its own.
	if st := bob.open(postPath); st != http.StatusOK {
		t.Fatalf("bob GET %s: %d", postPath, st)
	}
	if st := bob.click("[data-testid=report-post]"); st != http.StatusOK || bob.path() != postPath+"/report" {
		t.Fatalf("report link: ended on %s with status %d%s", bob.path(), st, bob.where())
	}
	bob.expectContains("[data-testid=report-quote]", "Cheap watches")
	// Sent empty, the form comes back with the error at the field, focused.
	if st := bob.click("[data-testid=report-submit]"); st != http.StatusUnprocessableEntity || bob.path() != postPath+"/report" {
		t.Fatalf("an empty report: ended on %s with status %d, want the form again with 422", bob.path(), st)
	}
	bob.expectContains("[data-testid=error-reason]", "Reason is required")
	if focused := step(bob, "read the focus", chromedp.Evaluate[string](`document.activeElement.id`)); focused != "reason" {
		t.Errorf("after a refused report the focus is on %q, want the reason field", focused)
	}
	bob.fill("#reason", reason)
	if st := bob.click("[data-testid=report-submit]"); st != http.StatusOK || bob.path() != postPath {
		t.Fatalf("reporting: ended on %s with status %d%s", bob.path(), st, bob.where())
	}
	bob.expectContains("[data-testid=flash]", "with the moderators")
	bob.expectContains("[data-testid=reported-post]", "You reported this post")
	if bob.has("[data-testid=report-post]") {
		t.Errorf("the post still offers bob a report he already made")
	}

	// Ada finds it in the queue and hides it there.
	if st := ada.open("/admin"); st != http.StatusOK {
		t.Fatalf("ada GET /admin: %d", st)
	}
	if st := ada.click("[data-testid=queue-link]"); st != http.StatusOK || ada.path() != "/admin/reports" {
		t.Fatalf("queue link: ended on %s with status %d", ada.path(), st)
	}
	ada.expectContains("[data-testid=open-reports]", "1 open report")
	ada.expectContains("[data-testid=queue-item]", "Cheap watches", "Alice", "Bob", reason)
	ada.screenshot("report-queue")
	ada.fill("[data-testid=hide-reason-post]", hideAs)
	if st := ada.click("[data-testid=hide-post]"); st != http.StatusOK || ada.path() != "/admin/reports" {
		t.Fatalf("hiding from the queue: ended on %s with status %d%s", ada.path(), st, ada.where())
	}
	ada.expectContains("[data-testid=flash]", "hidden")
	ada.expectContains("[data-testid=queue-empty]", "No open reports")

	// Bob is told, without the title of a post he may no longer see.
	if st := bob.open("/posts"); st != http.StatusOK {
		t.Fatalf("bob GET /posts: %d", st)
	}
	bob.expectContains("[data-testid=unread-count]", "1")
	if st := bob.click("[data-testid=notifications-link]"); st != http.StatusOK || bob.path() != "/notifications" {
		t.Fatalf("notifications link: ended on %s with status %d", bob.path(), st)
	}
	bob.expectContains("[data-testid=notification-text]", "Your report about a post was settled: a moderator hid it.", reason)
	bob.expectNotContains("[data-testid=notifications]", "Cheap watches")
	bob.screenshot("notifications")
	if st := bob.click("[data-testid=mark-read]"); st != http.StatusOK || bob.path() != "/notifications" {
		t.Fatalf("mark read: ended on %s with status %d", bob.path(), st)
	}
	if bob.has("[data-testid=unread-count]") || bob.has("[data-testid=mark-read]") {
		t.Errorf("the notification is still unread after marking it read")
	}

	// Alice is told with the moderator's reason, and can open her hidden post.
	if st := alice.open("/notifications"); st != http.StatusOK {
		t.Fatalf("alice GET /notifications: %d", st)
	}
	alice.expectContains("[data-testid=notification-text]", "A moderator hid your post", "Cheap watches", hideAs)
	if st := alice.click("[data-testid=notification-open]"); st != http.StatusOK || alice.path() != postPath {
		t.Fatalf("opening the notification: ended on %s with status %d", alice.path(), st)
	}
	alice.expectContains("[data-testid=hidden-notice]", hideAs)

	// The rest of the pages a member and an admin see, each checked.
	for _, path := range []string{"/account", "/posts/1", "/posts/1/report", "/notifications/settings", "/comments/1/edit", "/comments/1/delete"} {
		if st := bob.open(path); st != http.StatusOK {
			t.Errorf("bob GET %s: %d", path, st)
		}
	}
	for _, path := range []string{"/admin?q=a", "/admin/users/2", "/admin/users/2/role?role=admin", "/admin/posts/1/delete",
		"/admin/comments/1/delete", "/admin/reports", postPath} {
		if st := ada.open(path); st != http.StatusOK {
			t.Errorf("ada GET %s: %d", path, st)
		}
	}
	ada.screenshot("hidden-post-as-admin")

	// A form sent with mistakes: the errors are tied to their fields and the
	// first one has the focus.
	visitor := join(t, browser, board, "visitor")
	if st := visitor.open("/register"); st != http.StatusOK {
		t.Fatalf("GET /register: %d", st)
	}
	visitor.fill("#email", "vera@example.com") // no display name, no password
	if st := visitor.click("[data-testid=register-submit]"); st != http.StatusUnprocessableEntity {
		t.Fatalf("registering with mistakes: status %d, want 422", st)
	}
	if focused := step(visitor, "read the focus", chromedp.Evaluate[string](`document.activeElement.id`)); focused != "display_name" {
		t.Errorf("after a refused registration the focus is on %q, want the first field in error, display_name", focused)
	}
	visitor.expectContains("#display_name-error", "required")
	if st := ada.open("/admin?kind=post_hidden"); st != http.StatusOK {
		t.Fatalf("ada GET /admin?kind=post_hidden: %d", st)
	}
	ada.expectContains("[data-testid=audit-log]", "hid Alice's post “"+title+"”")
	ada.screenshot("audit-in-words")
	t.Logf("report journey took %v", time.Since(begin).Round(time.Millisecond))
}
