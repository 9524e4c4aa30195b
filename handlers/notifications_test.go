package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// Replies notify the post's author and everyone who commented before, never
// the replier; the nav counts what is unread; marking read is a POST.
func TestReplyNotifications(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b) // Alice wrote the post and the first comment
	carol := b.CreateUser(t, "carol@example.com", "Carol Commenter", "carol-password-1", models.RoleMember)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	carolC := b.SignedIn(t, "carol@example.com", "carol-password-1")
	pid := itoa(w.Post.ID)

	if n := unread(alice.Get("/posts").Body); n != "" {
		t.Fatalf("alice starts with %s unread", n)
	}
	boardtest.WantStatus(t, "bob replies", bob.Post("/posts/"+pid+"/comments", url.Values{"body": {"Bob's reply zq11"}}), http.StatusSeeOther)
	boardtest.WantStatus(t, "carol replies", carolC.Post("/posts/"+pid+"/comments", url.Values{"body": {"Carol's reply zq12"}}), http.StatusSeeOther)

	// Alice (the post's author, who also commented first) hears of both as
	// replies to her post, once each.
	page := alice.Get("/posts")
	if n := unread(page.Body); n != "2" {
		t.Errorf("alice's unread count %q, want 2", n)
	}
	got := notificationTexts(t, alice)
	if len(got) != 2 || !strings.Contains(got[0], "Carol Commenter replied to your post “"+w.Post.Title+"”.") || !strings.Contains(got[0], "Carol's reply zq12") ||
		!strings.Contains(got[1], "Bob Bystander replied to your post") || !strings.Contains(got[1], "Bob's reply zq11") {
		t.Errorf("alice's notifications: %q", got)
	}
	// Bob commented before Carol: he hears of hers as a reply after his.
	got = notificationTexts(t, bob)
	if len(got) != 1 || !strings.Contains(got[0], "Carol Commenter replied after you in “"+w.Post.Title+"”.") {
		t.Errorf("bob's notifications: %q", got)
	}
	if got := notificationTexts(t, carolC); len(got) != 0 {
		t.Errorf("carol was notified of her own reply: %q", got)
	}
	_ = carol

	// Marking read: one, then all; only the owner can; GET changes nothing.
	list, err := b.Notifications.List(t.Context(), w.Alice.ID, false, 0, 10)
	if err != nil || len(list.Notifications) != 2 {
		t.Fatalf("alice's notifications in the store: %v %v", list, err)
	}
	newest, older := list.Notifications[0], list.Notifications[1]
	boardtest.WantStatus(t, "bob marks alice's notification", bob.Post("/notifications/"+itoa(newest.ID)+"/read", nil), http.StatusNotFound)
	boardtest.WantStatus(t, "mark read without a token", alice.PostRaw("/notifications/"+itoa(newest.ID)+"/read", nil), http.StatusForbidden)
	boardtest.WantStatus(t, "mark read", alice.Post("/notifications/"+itoa(older.ID)+"/read", nil), http.StatusSeeOther)
	if n := unread(alice.Get("/posts").Body); n != "1" {
		t.Errorf("after marking one read: unread %q, want 1", n)
	}
	// A reply arriving after the page was loaded stays unread.
	boardtest.WantStatus(t, "bob again", bob.Post("/posts/"+pid+"/comments", url.Values{"body": {"late zq13"}}), http.StatusSeeOther)
	res := alice.Post("/notifications/read-all", url.Values{"up_to": {itoa(newest.ID)}})
	boardtest.WantStatus(t, "mark all read", res, http.StatusSeeOther)
	page = alice.Get("/notifications")
	boardtest.WantPage(t, "after marking all read", page, http.StatusOK, "1 notification marked as read.")
	if n := unread(page.Body); n != "1" {
		t.Errorf("the late reply: unread %q, want 1", n)
	}
	boardtest.WantStatus(t, "mark all without up_to", alice.Post("/notifications/read-all", nil), http.StatusBadRequest)
}

// Notifications never show hidden or deleted text: a reply notification
// goes away with the thread or the reply, and the unread count with it.
func TestNotificationsFollowThePolicy(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	pid := itoa(w.Post.ID)

	// Bob comments, then Alice replies after him: Bob is told.
	boardtest.WantStatus(t, "bob comments", bob.Post("/posts/"+pid+"/comments", url.Values{"body": {"Bob was here"}}), http.StatusSeeOther)
	boardtest.WantStatus(t, "alice replies", alice.Post("/posts/"+pid+"/comments", url.Values{"body": {"Secret-ish reply zq21"}}), http.StatusSeeOther)
	if got := notificationTexts(t, bob); len(got) != 1 || !strings.Contains(got[0], "Secret-ish reply zq21") {
		t.Fatalf("bob's notification: %q", got)
	}
	// A moderator hides the thread: Bob may no longer see it, so the
	// notification is gone, and so is its count.
	boardtest.WantStatus(t, "hide the post", ada.Post("/admin/posts/"+pid+"/hide", url.Values{"reason": {"off"}}), http.StatusSeeOther)
	res := bob.Get("/notifications")
	boardtest.MustNotContain(t, "bob's notifications of a hidden thread", res.Body, "Secret-ish reply zq21", w.Post.Title, `data-testid="notification"`)
	if n := unread(res.Body); n != "" {
		t.Errorf("bob's unread count for a hidden thread: %q", n)
	}
	// Alice, the post's author, still sees her own hidden thread, and hears it was hidden.
	got := notificationTexts(t, alice)
	if len(got) != 2 || !strings.Contains(got[0], "A moderator hid your post “"+w.Post.Title+"”.") {
		t.Errorf("alice's notifications: %q", got)
	}
	// Restored: Bob's notification is back; then his reply is hidden: Alice's
	// notification of it goes.
	boardtest.WantStatus(t, "restore", ada.Post("/admin/posts/"+pid+"/restore", nil), http.StatusSeeOther)
	if got := notificationTexts(t, bob); len(got) != 1 {
		t.Errorf("bob's notification after the restore: %q", got)
	}
	if n := unread(bob.Get("/posts").Body); n != "1" {
		t.Errorf("bob's unread after the restore: %q", n)
	}
	var bobsComment *models.Comment
	for _, cm := range b.CommentsOn(t, w.Post.ID) {
		if cm.AuthorID == w.Bob.ID {
			bobsComment = cm
		}
	}
	boardtest.WantStatus(t, "hide bob's comment", ada.Post("/admin/comments/"+itoa(bobsComment.ID)+"/hide", url.Values{"reason": {"rude"}}), http.StatusSeeOther)
	res = alice.Get("/notifications")
	boardtest.MustNotContain(t, "alice's notifications", res.Body, "Bob was here", "Bob Bystander replied")
	boardtest.WantPage(t, "alice still sees the moderation notices", res, http.StatusOK, "A moderator restored your post")
	// Bob hears his comment was hidden, with the reason, quoting nothing of anyone else.
	got = notificationTexts(t, bob)
	if len(got) != 2 || !strings.Contains(got[0], "A moderator hid your comment on “"+w.Post.Title+"”. Reason: rude. Only you") {
		t.Errorf("bob's notifications after his comment was hidden: %q", got)
	}
	// Nobody reads another member's notifications, admins included.
	boardtest.MustNotContain(t, "ada's notifications", ada.Get("/notifications").Body, "Secret-ish reply zq21", "Bob was here")
}
