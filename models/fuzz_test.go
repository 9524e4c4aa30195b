package models_test

import (
	"net/mail"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"board/models"
)

// Fuzz targets for the validators: whatever the input, they do not panic,
// and what they accept is what the board promises to store. Seed corpora
// live in testdata/fuzz; `go test` runs them, `go test -fuzz=Name` explores.

// acceptedText checks the promises every accepted free-text field keeps.
func acceptedText(t *testing.T, what, s string, maxLen int, multiline bool) {
	t.Helper()
	if !utf8.ValidString(s) || strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > maxLen {
		t.Fatalf("%s %q accepted: invalid UTF-8, blank or too long", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			t.Fatalf("%s %q accepted with control character %U", what, s, r)
		}
	}
}

func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", "A.B+c@sub.example.org", "a@b", "\"a b\"@example.com", "a@example.com\n", "<a@example.com>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, email string) {
		if models.ValidateEmail(email) != "" {
			return
		}
		acceptedText(t, "email", email, models.MaxEmail, false)
		addr, err := mail.ParseAddress(email)
		if err != nil || addr.Address != email || addr.Name != "" {
			t.Fatalf("email %q accepted but parses as %v, %v", email, addr, err)
		}
		domain := email[strings.LastIndexByte(email, '@')+1:]
		if !strings.Contains(strings.Trim(domain, "."), ".") {
			t.Fatalf("email %q accepted with a domain that cannot receive mail", email)
		}
	})
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"Ada", "Ada (admin)", "Ada\u202e", "\u200bAda", "名前", "  ", "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for what, errs := range map[string]string{
			"display name": models.ValidateDisplayName(name),
			"title":        models.ValidatePost(name, "body")["title"],
		} {
			if errs != "" {
				continue
			}
			limit := models.MaxDisplayName
			if what == "title" {
				limit = models.MaxTitle
			}
			acceptedText(t, what, name, limit, false)
			for _, r := range name {
				if unicode.Is(unicode.Cf, r) {
					t.Fatalf("%s %q accepted with format character %U", what, name, r)
				}
			}
		}
	})
}

func FuzzValidateBody(f *testing.F) {
	for _, s := range []string{"Hello\n\nWorld", "\U0001F468\u200d\U0001F469", "\x00", "\r\n\t", strings.Repeat("x", models.MaxCommentBody+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if models.ValidatePost("Title", body)["body"] == "" {
			acceptedText(t, "post body", body, models.MaxPostBody, true)
		}
		if models.ValidateComment(body)["body"] == "" {
			acceptedText(t, "comment", body, models.MaxCommentBody, true)
		}
		if models.ValidateReason(body)["reason"] == "" {
			acceptedText(t, "reason", body, models.MaxReason, false)
		}
	})
}

func FuzzValidatePassword(f *testing.F) {
	for _, s := range []string{"password", "correct horse battery staple", "short", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", strings.Repeat("é", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, password string) {
		if models.ValidatePassword(password) != "" {
			return
		}
		n := utf8.RuneCountInString(password)
		if !utf8.ValidString(password) || n < models.MinPassword || n > models.MaxPassword || models.IsCommonPassword(password) {
			t.Fatalf("password %q accepted", password)
		}
	})
}
