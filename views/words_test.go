package views

import (
	"strings"
	"testing"

	"board/models"
)

// Every kind of audit event reads as words, never as its code.
func TestEveryAuditKindHasWords(t *testing.T) {
	for _, k := range models.AuditKinds() {
		if _, ok := phrasings[k]; !ok {
			t.Errorf("audit kind %q has no phrasing in views/words.go", k)
		}
	}
}

func sentence(s eventSentence) string {
	out := s.Actor.Text + " " + s.Verb
	if s.Target.Text != "" {
		out += " " + s.Target.Text
	}
	return out + s.After
}

func TestDescribeEvent(t *testing.T) {
	post := models.AuditTarget{Exists: true, Name: "Hello", Owner: "Bob"}
	cases := []struct {
		e        models.AuditEvent
		want     string
		wantHref string // the target's link
	}{
		{models.AuditEvent{ActorID: 1, ActorName: "Ada", Kind: models.AuditPostHidden, TargetType: "post", TargetID: 7, About: post},
			"Ada hid Bob's post “Hello”", "/posts/7"},
		{models.AuditEvent{ActorID: 1, ActorName: "Ada", Kind: models.AuditCommentHidden, TargetType: "comment", TargetID: 9,
			About: models.AuditTarget{Exists: true, Name: "Hello", Owner: "Cy", PostID: 7}},
			"Ada hid Cy's comment on “Hello”", "/posts/7#comment-9"},
		{models.AuditEvent{ActorID: 1, ActorName: "Ada", Kind: models.AuditRoleGranted, TargetType: "user", TargetID: 2,
			About: models.AuditTarget{Exists: true, Name: "Bob"}}, "Ada made Bob an admin", "/admin/users/2"},
		{models.AuditEvent{ActorID: 2, ActorName: "Bob", Kind: models.AuditPasswordChanged, TargetType: "user", TargetID: 2,
			About: models.AuditTarget{Exists: true, Name: "Bob"}}, "Bob changed their password", ""},
		{models.AuditEvent{ClientIP: "192.0.2.1", Kind: models.AuditSignInFailed, TargetType: "user", TargetID: 2,
			About: models.AuditTarget{Exists: true, Name: "Bob"}}, "Someone not signed in failed to sign in as Bob", "/admin/users/2"},
		{models.AuditEvent{ClientIP: "192.0.2.1", Kind: models.AuditSignInFailed, TargetType: "user"},
			"Someone not signed in failed to sign in", ""},
		{models.AuditEvent{ClientIP: "command line", Kind: models.AuditUserSuspended, TargetType: "user", TargetID: 5},
			"The operator (command line) suspended a deleted member", ""},
		{models.AuditEvent{ActorID: 1, ActorName: "Ada", Kind: models.AuditPostDeleted, TargetType: "post", TargetID: 7},
			"Ada deleted a post that is gone (#7)", ""},
		{models.AuditEvent{ActorID: 9, Kind: models.AuditSignOut, TargetType: "user", TargetID: 9}, "A deleted member signed out", ""},
		{models.AuditEvent{Kind: models.AuditMailFailed, TargetType: "mail", TargetID: 3}, "The board could not deliver message #3", ""},
	}
	for _, c := range cases {
		s := describeEvent(&c.e)
		if got := sentence(s); got != c.want {
			t.Errorf("%s: %q, want %q", c.e.Kind, got, c.want)
		}
		if s.Target.Href != c.wantHref {
			t.Errorf("%s: target link %q, want %q", c.e.Kind, s.Target.Href, c.wantHref)
		}
		if strings.Contains(sentence(s), "_") || strings.Contains(sentence(s), "user 0") {
			t.Errorf("%s: %q reads like a code", c.e.Kind, sentence(s))
		}
	}
}
