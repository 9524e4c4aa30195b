package models

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldErrors maps a form field name to the message shown beside it.
type FieldErrors map[string]string

// Field limits, in characters (runes).
const (
	MaxEmail       = 254
	MaxDisplayName = 50
	MinPassword    = 8
	MaxPassword    = 128
	MaxTitle       = 200
	MaxPostBody    = 20000
	MaxCommentBody = 5000
	MaxReason      = 500
)

// checkText validates one free-text field and returns the message, or "".
func checkText(value, label string, maxLen int, multiline bool) string {
	return checkField(value, label, maxLen, multiline, false)
}

// checkName is checkText for names and titles, which must also be free of
// invisible format characters (Unicode category Cf: right-to-left
// overrides, zero-width spaces) that make one name look like another.
func checkName(value, label string, maxLen int) string {
	return checkField(value, label, maxLen, false, true)
}

func checkField(value, label string, maxLen int, multiline, noFormat bool) string {
	switch {
	case !utf8.ValidString(value):
		return label + " contains bytes that are not valid UTF-8 text."
	case strings.TrimSpace(value) == "":
		return label + " is required."
	case utf8.RuneCountInString(value) > maxLen:
		return label + " is too long (at most " + strconv.Itoa(maxLen) + " characters)."
	}
	for _, r := range value {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return label + " contains control characters."
		}
		if noFormat && unicode.Is(unicode.Cf, r) {
			return label + " contains invisible formatting characters (such as a zero-width space or a right-to-left override). Remove them."
		}
	}
	return ""
}

func (f FieldErrors) check(field, msg string) {
	if msg != "" {
		if _, seen := f[field]; !seen {
			f[field] = msg
		}
	}
}

// Truncate cuts s to at most n runes, replacing invalid UTF-8, for values
// the board stores or keys on but did not validate (user agents, names
// from providers).
func Truncate(s string, n int) string {
	r := []rune(strings.ToValidUTF8(s, "\uFFFD"))
	if len(r) > n {
		return string(r[:n])
	}
	return string(r)
}

// Excerpt is the start of a text on one line, at most n runes, for
// quoting it where the whole would not fit.
func Excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// ValidateEmail returns a message for a malformed address, or "".
func ValidateEmail(email string) string {
	if msg := checkText(email, "Email", MaxEmail, false); msg != "" {
		return msg
	}
	addr, err := mail.ParseAddress(email)
	// A board's members need a routable domain: "a@b" parses but cannot receive mail.
	domain := email[strings.LastIndexByte(email, '@')+1:]
	// .invalid is reserved (RFC 2606): no mail reaches it, and the board
	// uses it for the placeholders of addresses given up.
	if err != nil || addr.Address != email || addr.Name != "" || !strings.Contains(strings.Trim(domain, "."), ".") ||
		strings.HasSuffix(strings.ToLower(strings.TrimRight(domain, ".")), ".invalid") {
		return "Enter an email address like name@example.com."
	}
	return ""
}

// ValidatePassword checks length only: no composition rules (NIST 800-63B).
func ValidatePassword(password string) string {
	if !utf8.ValidString(password) {
		return "Password contains bytes that are not valid UTF-8 text."
	}
	n := utf8.RuneCountInString(password)
	if n < MinPassword {
		return "Password must be at least " + strconv.Itoa(MinPassword) + " characters."
	}
	if n > MaxPassword {
		return "Password must be at most " + strconv.Itoa(MaxPassword) + " characters."
	}
	if IsCommonPassword(password) {
		return "This password is on the list of the most common passwords, which attackers try first. Choose another: a few unrelated words make a strong one."
	}
	return ""
}

// ValidateDisplayName returns a message for an unusable display name, or "".
func ValidateDisplayName(name string) string {
	return checkName(name, "Display name", MaxDisplayName)
}

// ValidateRegistration checks the register form.
func ValidateRegistration(email, displayName, password string) FieldErrors {
	errs := FieldErrors{}
	errs.check("email", ValidateEmail(email))
	errs.check("display_name", ValidateDisplayName(displayName))
	errs.check("password", ValidatePassword(password))
	return errs
}

// ValidatePost checks a post's title and body.
func ValidatePost(title, body string) FieldErrors {
	errs := FieldErrors{}
	errs.check("title", checkName(title, "Title", MaxTitle))
	errs.check("body", checkText(body, "Body", MaxPostBody, true))
	return errs
}

// ValidateComment checks a comment's body.
func ValidateComment(body string) FieldErrors {
	errs := FieldErrors{}
	errs.check("body", checkText(body, "Comment", MaxCommentBody, true))
	return errs
}

// ValidateReason checks a moderator's reason.
func ValidateReason(reason string) FieldErrors {
	errs := FieldErrors{}
	errs.check("reason", checkText(reason, "Reason", MaxReason, false))
	return errs
}
