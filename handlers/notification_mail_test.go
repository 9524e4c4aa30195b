package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
	"board/models/mail"
	"board/views"
)

// verifiedMember is a member whose address is confirmed, signed in.
func verifiedMember(t *testing.T, b *boardtest.Board, email, name, password string) (*models.User, *boardtest.Client) {
	t.Helper()
	u, err := b.Users.Create(context.Background(), models.NewUser{Email: email, EmailVerified: true, DisplayName: name,
		PasswordHash: boardtest.Hash(t, password)}, "seeded", models.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return u, b.SignedIn(t, email, password)
}

// mailNotifications runs the notification mailer once and returns what is
// in the outbox.
func mailNotifications(t *testing.T, b *boardtest.Board) []*models.Mail {
	t.Helper()
	composer := mail.NewComposer(views.Letters{}, b.URL, b.Clock.Now)
	if _, err := mail.NewNotificationMailer(b.Stores, composer, slog.New(slog.NewTextHandler(b.Logs, nil))).MailDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, err := b.Outbox.Recent(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Members choose per kind which notifications also come by mail; a mail
// goes only to a confirmed address, and says only what its recipient may
// still see when it is sent.
func TestNotificationsByMail(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	writer, wc := verifiedMember(t, b, "wren@example.com", "Wren Writer", "wren-password-1")
	_, tc := verifiedMember(t, b, "tom@example.com", "Tom Thread", "tom-password-1")
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	bob := b.SignedIn(t, "bob@example.com", bobPW) // unconfirmed address

	page := wc.Get("/notifications/settings")
	boardtest.WantPage(t, "settings", page, http.StatusOK, "Notifications by mail", "wren@example.com", "Someone replies to your post")
	boardtest.MustNotContain(t, "a confirmed address", page.Body, `data-testid="unverified"`)
	boardtest.WantPage(t, "bob's settings", bob.Get("/notifications/settings"), http.StatusOK, "not confirmed yet")
	boardtest.WantStatus(t, "an unknown kind", wc.Post("/notifications/settings", url.Values{"mail": {"everything"}}), http.StatusUnprocessableEntity)
	boardtest.WantStatus(t, "settings without a token", wc.PostRaw("/notifications/settings", url.Values{"mail": {"reply_to_post"}}), http.StatusForbidden)
	for _, c := range []struct {
		who  *boardtest.Client
		kind models.NotificationKind
	}{{wc, models.NotifyReplyToPost}, {tc, models.NotifyReplyInThread}, {bob, models.NotifyReplyInThread}} {
		boardtest.WantStatus(t, "choose mail", c.who.Post("/notifications/settings", url.Values{"mail": {string(c.kind)}}), http.StatusSeeOther)
	}
	boardtest.MustContain(t, "the choice is kept", wc.Get("/notifications/settings").Body, `value="reply_to_post" checked`)

	// A reply to Wren's post: she is mailed, with a link on the configured board.
	p := b.CreatePost(t, writer, "Wren's garden zq31", "Tomatoes")
	boardtest.WantStatus(t, "tom replies", tc.Post("/posts/"+itoa(p.ID)+"/comments", url.Values{"body": {"Lovely tomatoes zq32"}}), http.StatusSeeOther)
	boardtest.WantStatus(t, "bob replies", bob.Post("/posts/"+itoa(p.ID)+"/comments", url.Values{"body": {"Mine too"}}), http.StatusSeeOther)
	sent := mailNotifications(t, b)
	if len(sent) != 3 {
		t.Fatalf("%d mails, want 3: both replies to wren, bob's reply after tom's to tom", len(sent))
	}
	if m := sent[0]; m.To != "tom@example.com" || m.Subject != "New reply in a thread you wrote in" ||
		!strings.Contains(m.Text, "Bob Bystander replied after you in “Wren's garden zq31”.") {
		t.Errorf("tom's mail: %+v", m)
	}
	m := sent[len(sent)-1] // oldest
	if m.To != "wren@example.com" || m.Subject != "New reply to your post" ||
		!strings.Contains(m.Text, "Tom Thread replied to your post “Wren's garden zq31”.") || !strings.Contains(m.Text, "Lovely tomatoes zq32") ||
		!strings.Contains(m.Text, b.URL+"/posts/"+itoa(p.ID)+"#comment-") || !strings.Contains(m.Text, b.URL+"/notifications/settings") {
		t.Errorf("wren's mail: %+v", m)
	}
	if again := mailNotifications(t, b); len(again) != 3 {
		t.Errorf("a second run mailed again: %d mails", len(again))
	}

	// Wren replies after Tom and Bob, then a moderator hides the thread
	// before the mailer runs: Tom may no longer see it, so nothing is mailed;
	// Bob's address is unconfirmed, so nothing is mailed to him either.
	boardtest.WantStatus(t, "wren replies", wc.Post("/posts/"+itoa(p.ID)+"/comments", url.Values{"body": {"Secret compost recipe zq33"}}), http.StatusSeeOther)
	boardtest.WantStatus(t, "hide", ada.Post("/admin/posts/"+itoa(p.ID)+"/hide", url.Values{"reason": {"off topic"}}), http.StatusSeeOther)
	sent = mailNotifications(t, b)
	if len(sent) != 3 {
		t.Errorf("%d mails after the thread was hidden, want still 3", len(sent))
	}
	for _, m := range sent {
		if strings.Contains(m.Text+m.HTML, "Secret compost recipe zq33") {
			t.Errorf("a mail quotes a reply in a hidden thread: %+v", m)
		}
	}
	list, err := b.Notifications.MailDue(context.Background(), 10)
	if err != nil || len(list) != 0 {
		t.Errorf("notifications still waiting for mail: %v %v", list, err)
	}
}
