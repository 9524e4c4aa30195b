package models_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"board/models"
)

// wantFields compares the fields that carry a message with want (nil: valid).
func wantFields(t *testing.T, label string, errs models.FieldErrors, want ...string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(errs))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: fields with errors %v (%v), want %v", label, got, errs, want)
	}
	for f, msg := range errs {
		if strings.TrimSpace(msg) == "" {
			t.Errorf("%s: field %s has an empty message", label, f)
		}
	}
}

// rep repeats a multibyte rune: n characters, 3n bytes.
func rep(n int) string { return strings.Repeat("語", n) }

const invalidUTF8 = "ab\xffcd"

type textCase struct {
	name  string
	value string
	ok    bool
}

// textCases builds the shared limit cases for a free-text field.
func textCases(max int, multiline bool) []textCase {
	return []textCase{
		{"empty", "", false},
		{"whitespace only", " \t  ", false},
		{"newlines only", "\n\n", false},
		{"one character", "x", true},
		{"exactly at the limit (multibyte)", rep(max), true},
		{"one over the limit (multibyte)", rep(max + 1), false},
		{"at the limit in bytes but not runes", strings.Repeat("a", max-1) + "é", true},
		{"invalid UTF-8", invalidUTF8, false},
		{"NUL", "a\x00b", false},
		{"escape", "a\x1b[31mred", false},
		{"DEL", "a\x7fb", false},
		{"C1 control", "a\u0085b", false},
		{"newline", "line one\nline two", multiline},
		{"CRLF", "line one\r\nline two", multiline},
		{"tab", "a\tb", multiline},
		{"emoji", "hi 👋🏽", true},
	}
}

func TestValidatePost(t *testing.T) {
	for _, tc := range textCases(models.MaxTitle, false) {
		var want []string
		if !tc.ok {
			want = []string{"title"}
		}
		wantFields(t, "title "+tc.name, models.ValidatePost(tc.value, "a fine body"), want...)
	}
	for _, tc := range textCases(models.MaxPostBody, true) {
		var want []string
		if !tc.ok {
			want = []string{"body"}
		}
		wantFields(t, "body "+tc.name, models.ValidatePost("A fine title", tc.value), want...)
	}
	wantFields(t, "both empty", models.ValidatePost("", ""), "title", "body")
	if models.MaxTitle != 200 || models.MaxPostBody != 20000 {
		t.Errorf("limits changed: title %d, body %d", models.MaxTitle, models.MaxPostBody)
	}
	if msg := models.ValidatePost(rep(201), "b")["title"]; !strings.Contains(msg, "200") {
		t.Errorf("too-long title message %q should state the limit", msg)
	}
}

func TestValidateComment(t *testing.T) {
	for _, tc := range textCases(models.MaxCommentBody, true) {
		var want []string
		if !tc.ok {
			want = []string{"body"}
		}
		wantFields(t, "comment "+tc.name, models.ValidateComment(tc.value), want...)
	}
	if models.MaxCommentBody != 5000 {
		t.Errorf("comment limit changed: %d", models.MaxCommentBody)
	}
}

func TestValidateReason(t *testing.T) {
	for _, tc := range textCases(models.MaxReason, false) {
		var want []string
		if !tc.ok {
			want = []string{"reason"}
		}
		wantFields(t, "reason "+tc.name, models.ValidateReason(tc.value), want...)
	}
	if models.MaxReason != 500 {
		t.Errorf("reason limit changed: %d", models.MaxReason)
	}
}

func TestValidateRegistrationDisplayName(t *testing.T) {
	for _, tc := range textCases(models.MaxDisplayName, false) {
		var want []string
		if !tc.ok {
			want = []string{"display_name"}
		}
		wantFields(t, "display name "+tc.name, models.ValidateRegistration("ann@example.com", tc.value, "long enough pw"), want...)
	}
}

func TestValidateRegistrationPassword(t *testing.T) {
	for _, tc := range []textCase{
		{"empty", "", false},
		{"seven characters", "abcdefg", false},
		{"seven multibyte characters (21 bytes)", rep(7), false},
		{"eight characters", "k3#vQ9!z", true},
		{"eight spaces (no composition rules)", "        ", true},
		{"128 multibyte characters", rep(128), true},
		{"129 multibyte characters", rep(129), false},
		{"129 ASCII characters", strings.Repeat("a", 129), false},
		{"invalid UTF-8", "k3#vQ9!z\xff", false},
	} {
		var want []string
		if !tc.ok {
			want = []string{"password"}
		}
		wantFields(t, "password "+tc.name, models.ValidateRegistration("ann@example.com", "Ann", tc.value), want...)
	}
}

// DESIGN.md, security baseline: "common-password list rejected".
func TestValidateRegistrationRejectsCommonPasswords(t *testing.T) {
	for _, pw := range []string{"password", "12345678", "123456789", "qwertyuiop", "iloveyou", "password1"} {
		wantFields(t, "common password "+pw, models.ValidateRegistration("ann@example.com", "Ann", pw), "password")
	}
}

func TestValidateRegistrationEmail(t *testing.T) {
	local := strings.Repeat("a", 64)
	domain := strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".com" // 189
	atLimit := local + "@" + domain
	if len(atLimit) != 254 {
		t.Fatalf("fixture: %d characters, want 254", len(atLimit))
	}
	for _, tc := range []textCase{
		{"plain", "ann@example.com", true},
		{"plus and subdomain", "ann.lee+board@mail.example.co.uk", true},
		{"exactly 254 characters", atLimit, true},
		{"255 characters", "a" + atLimit, false},
		{"empty", "", false},
		{"whitespace only", "   ", false},
		{"no at sign", "ann.example.com", false},
		{"no domain", "ann@", false},
		{"no local part", "@example.com", false},
		{"domain without a dot", "a@b", false},
		{"display-name form", "Name <a@b.com>", false},
		{"angle brackets only", "<a@b.com>", false},
		{"two addresses", "a@b.com, c@d.com", false},
		{"surrounding spaces", " ann@example.com ", false},
		{"newline", "ann@example.com\n", false},
		{"invalid UTF-8", "ann\xff@example.com", false},
		{"comment", "ann@example.com (Ann)", false},
		{"reserved .invalid domain", "ann@address.invalid", false},
		{"a released address's placeholder", models.ReleasedEmail(7), false},
		{".invalid in other letters", "ann@mail.INVALID.", false},
		{"invalid only inside a name", "ann@invalid.example.com", true},
	} {
		var want []string
		if !tc.ok {
			want = []string{"email"}
		}
		wantFields(t, "email "+tc.name+" "+tc.value, models.ValidateRegistration(tc.value, "Ann", "long enough pw"), want...)
	}
}

func TestValidateRegistrationAllFields(t *testing.T) {
	wantFields(t, "valid", models.ValidateRegistration("ann@example.com", "Ann Lee", "a long passphrase"))
	wantFields(t, "all bad", models.ValidateRegistration("nope", " ", "short"), "email", "display_name", "password")
}
