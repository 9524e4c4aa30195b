package views

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"board/models"
	"board/models/mail"
)

// Letters renders the board's mail (mail.Letters). The HTML part is a
// letter's template in the mail layout; the text part is the same template
// turned into plain text, so the two parts always say the same thing.
type Letters struct{}

var _ mail.Letters = Letters{}

func (Letters) Verify(v mail.Verify) (mail.Content, error) {
	return letter("Confirm your email address", v.Board, verifyLetter(v))
}

func (Letters) ChangeEmail(v mail.ChangeEmail) (mail.Content, error) {
	return letter("Confirm your new email address", v.Board, changeEmailLetter(v))
}

func (Letters) EmailChangeNotice(v mail.EmailChangeNotice) (mail.Content, error) {
	return letter("Your email address is being changed", v.Board, emailChangeNoticeLetter(v))
}

func (Letters) ResetPassword(v mail.ResetPassword) (mail.Content, error) {
	return letter("Reset your password", v.Board, resetPasswordLetter(v))
}

func (Letters) FailedSignIn(v mail.FailedSignIn) (mail.Content, error) {
	return letter("Someone failed to sign in to your account", v.Board, failedSignInLetter(v))
}

func (Letters) SignInHelp(v mail.SignInHelp) (mail.Content, error) {
	return letter("How to sign in to the board", v.Board, signInHelpLetter(v))
}

func (Letters) PasswordChanged(v mail.PasswordChanged) (mail.Content, error) {
	subject := "Your password was changed"
	if v.Reset {
		subject = "Your password was reset"
	}
	return letter(subject, v.Board, passwordChangedLetter(v))
}

func (Letters) NewSignIn(v mail.NewSignIn) (mail.Content, error) {
	return letter("New sign-in to your account", v.Board, newSignInLetter(v))
}

func (Letters) Notification(v mail.Notification) (mail.Content, error) {
	return letter(notificationSubject(v.ShownNotification), v.Board, notificationLetter(v))
}

// notificationSubject names what happened, quoting nothing of anyone's text.
func notificationSubject(n models.ShownNotification) string {
	switch n.Kind {
	case models.NotifyReplyToPost:
		return "New reply to your post"
	case models.NotifyReplyInThread:
		return "New reply in a thread you wrote in"
	case models.NotifyContentHidden:
		return "A moderator hid your " + n.What
	case models.NotifyContentRestored:
		return "A moderator restored your " + n.What
	case models.NotifyContentDeleted:
		return "A moderator deleted your " + n.What
	case models.NotifyReportResolved:
		return "Your report was settled"
	}
	return "News from the board"
}

func letter(subject, board string, body templ.Component) (mail.Content, error) {
	var page, text strings.Builder
	if err := mailLayout(subject, board, body).Render(context.Background(), &page); err != nil {
		return mail.Content{}, err
	}
	if err := body.Render(context.Background(), &text); err != nil {
		return mail.Content{}, err
	}
	footer := "\n\nThis message was sent by the board at:\n" + board + "\n"
	return mail.Content{Subject: subject, Text: mailText(text.String()) + footer, HTML: page.String()}, nil
}

// mailText turns a rendered letter into plain text: paragraphs and lists
// become lines with blank lines between, list items start with "- ", and
// a link becomes its words, a colon, and its address on a line of its own
// (so mail programs do not break it). Entities are decoded: this is text.
func mailText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var t textBuilder
	var href string
	var label strings.Builder
	inLink := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(t.buf.String())
		case html.TextToken:
			if inLink {
				label.Write(z.Text())
			} else {
				t.words(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch tag := string(name); {
			case tag == "a":
				inLink, href = true, attr(z, "href")
				label.Reset()
			case tag == "li":
				t.lineBreak(1)
				t.words("- ")
			case tag == "br":
				t.lineBreak(1)
			case blockTags[tag]:
				t.lineBreak(2)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch tag := string(name); {
			case tag == "a":
				inLink = false
				if words := collapseSpace(strings.TrimSpace(label.String())); words != "" && words != href {
					t.words(words + ":")
					t.lineBreak(1)
				}
				t.words(href)
			case blockTags[tag]:
				t.lineBreak(2)
			}
		}
	}
}

var blockTags = map[string]bool{"p": true, "div": true, "ul": true, "ol": true, "h1": true, "h2": true, "h3": true, "table": true, "tr": true}

// textBuilder writes words with HTML's whitespace rules: runs of spaces
// count as one, and none start or end a line.
type textBuilder struct {
	buf    strings.Builder
	breaks int // newlines owed before the next words
	space  bool
}

func (t *textBuilder) lineBreak(n int) { t.breaks, t.space = max(t.breaks, n), false }

func (t *textBuilder) words(s string) {
	s = collapseSpace(s)
	if strings.TrimSpace(s) == "" {
		t.space = t.space || s != ""
		return
	}
	if t.buf.Len() > 0 && t.breaks > 0 {
		t.buf.WriteString(strings.Repeat("\n", t.breaks))
	} else if t.buf.Len() > 0 && (t.space || strings.HasPrefix(s, " ")) {
		t.buf.WriteByte(' ')
	}
	t.breaks = 0
	t.space = strings.HasSuffix(s, " ")
	t.buf.WriteString(strings.TrimSpace(s))
}

// collapseSpace turns every run of whitespace into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	inSpace := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !inSpace {
				b.WriteByte(' ')
			}
			inSpace = true
			continue
		}
		inSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// attr is the value of the current tag's attribute key, or "".
func attr(z *html.Tokenizer, key string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == key {
			return string(v)
		}
		if !more {
			return ""
		}
	}
}

// duration says a link's lifetime in words: "30 minutes", "24 hours".
func duration(d time.Duration) string {
	if d%time.Hour == 0 {
		return plural(int(d/time.Hour), "1 hour", strconv.Itoa(int(d/time.Hour))+" hours")
	}
	return plural(int(d/time.Minute), "1 minute", strconv.Itoa(int(d/time.Minute))+" minutes")
}

func mailTime(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") }

// providerList names providers for people: "Google", "Google or Facebook".
func providerList(names []string) string {
	labels := make([]string, len(names))
	for i, n := range names {
		labels[i] = strings.ToUpper(n[:1]) + n[1:]
	}
	if len(labels) == 0 {
		return "a provider you connected"
	}
	return strings.Join(labels, " or ")
}

// textPart is a run of plain text, or a web address to show as a link.
type textPart struct {
	Text string
	URL  bool
}

// linkify splits text so the demo mailbox can make its links clickable.
func linkify(text string) []textPart {
	var parts []textPart
	for text != "" {
		i := strings.Index(text, "http://")
		if j := strings.Index(text, "https://"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			return append(parts, textPart{Text: text})
		}
		end := strings.IndexAny(text[i:], " \n\t")
		if end < 0 {
			end = len(text) - i
		}
		if i > 0 {
			parts = append(parts, textPart{Text: text[:i]})
		}
		parts = append(parts, textPart{Text: text[i : i+end], URL: true})
		text = text[i+end:]
	}
	return parts
}
