package views

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"board/models"
	"board/models/mail"
)

func TestMailTextFollowsTheMarkup(t *testing.T) {
	got := mailText(`<p>Hello  Ann &amp; <strong>Bob</strong>,
	welcome.</p><p><a href="https://b.example/x?token=a&amp;b=c">Confirm my address</a></p>` +
		`<ul><li>Device: Firefox</li><li>Address:<br>192.0.2.1</li></ul><p><a href="https://b.example">https://b.example</a></p>`)
	want := "Hello Ann & Bob, welcome.\n\nConfirm my address:\nhttps://b.example/x?token=a&b=c\n\n- Device: Firefox\n- Address:\n192.0.2.1\n\nhttps://b.example"
	if got != want {
		t.Errorf("mailText =\n%q\nwant\n%q", got, want)
	}
}

var hrefRe = regexp.MustCompile(`href="([^"]+)"`)

// Every letter renders, and its two parts carry the same links.
func TestLettersTextAndHTMLSayTheSame(t *testing.T) {
	g := mail.Greeting{Name: `Ann "<b>" O'Neil`, Board: "https://board.example.org"}
	when := time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC)
	l := Letters{}
	letters := map[string]func() (mail.Content, error){
		"Verify": func() (mail.Content, error) {
			return l.Verify(mail.Verify{Greeting: g, Address: "ann@example.com", Link: g.Board + "/email/confirm?token=v1", Valid: 24 * time.Hour})
		},
		"ChangeEmail": func() (mail.Content, error) {
			return l.ChangeEmail(mail.ChangeEmail{Greeting: g, Address: "new@example.com", Link: g.Board + "/email/confirm?token=c1", Valid: 24 * time.Hour})
		},
		"EmailChangeNotice": func() (mail.Content, error) {
			return l.EmailChangeNotice(mail.EmailChangeNotice{Greeting: g, Old: "ann@example.com", New: "new@example.com", AccountURL: g.Board + "/account"})
		},
		"ResetPassword": func() (mail.Content, error) {
			return l.ResetPassword(mail.ResetPassword{Greeting: g, Link: g.Board + "/password/reset?token=r1", Valid: 30 * time.Minute})
		},
		"SignInHelp": func() (mail.Content, error) {
			return l.SignInHelp(mail.SignInHelp{Greeting: g, Providers: []string{"google", "facebook"}, LoginURL: g.Board + "/login"})
		},
		"PasswordChanged": func() (mail.Content, error) {
			return l.PasswordChanged(mail.PasswordChanged{Greeting: g, When: when, ForgotURL: g.Board + "/password/forgot"})
		},
		"NewSignIn": func() (mail.Content, error) {
			return l.NewSignIn(mail.NewSignIn{Greeting: g, UserAgent: "curl/8.5.0", Address: "192.0.2.1", When: when, SessionsURL: g.Board + "/account#sessions"})
		},
		"Notification": func() (mail.Content, error) {
			return l.Notification(mail.Notification{Greeting: g, ShownNotification: models.ShownNotification{Kind: models.NotifyReplyToPost,
				Actor: "Bob", What: "comment", Title: "Hello", Excerpt: "A reply", Path: "/posts/1#comment-2"},
				Link: g.Board + "/posts/1#comment-2", SettingsURL: g.Board + "/notifications/settings"})
		},
		"FailedSignIn": func() (mail.Content, error) {
			return l.FailedSignIn(mail.FailedSignIn{Greeting: g, Address: "192.0.2.7", When: when, AccountURL: g.Board + "/account"})
		},
	}
	if n := reflect.TypeFor[mail.Letters]().NumMethod(); n != len(letters) {
		t.Fatalf("mail.Letters has %d kinds, the test covers %d", n, len(letters))
	}
	for name, render := range letters {
		c, err := render()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Subject == "" || !strings.HasPrefix(c.Text, `Hello Ann "<b>" O'Neil,`) || strings.Contains(c.Text, "<p>") {
			t.Errorf("%s: subject %q, text:\n%s", name, c.Subject, c.Text)
		}
		if strings.Contains(c.HTML, `"<b>"`) || !strings.Contains(c.HTML, "Ann &#34;&lt;b&gt;&#34; O&#39;Neil") {
			t.Errorf("%s: the name is not escaped in the HTML part", name)
		}
		var htmlLinks, textLinks []string
		for _, m := range hrefRe.FindAllStringSubmatch(c.HTML, -1) {
			htmlLinks = append(htmlLinks, strings.ReplaceAll(m[1], "&amp;", "&"))
		}
		for _, f := range strings.Fields(c.Text) {
			if strings.HasPrefix(f, "https://") {
				textLinks = append(textLinks, f)
			}
		}
		slices.Sort(htmlLinks)
		slices.Sort(textLinks)
		if len(htmlLinks) < 2 || !slices.Equal(htmlLinks, textLinks) {
			t.Errorf("%s: links differ between the parts:\nHTML %q\ntext %q", name, htmlLinks, textLinks)
		}
	}
}

func TestLinkify(t *testing.T) {
	got := linkify("Open:\nhttps://b.example/x?token=1 or http://b.example/y\nDone")
	want := []textPart{{Text: "Open:\n"}, {Text: "https://b.example/x?token=1", URL: true}, {Text: " or "},
		{Text: "http://b.example/y", URL: true}, {Text: "\nDone"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("linkify = %+v", got)
	}
}
