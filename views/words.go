package views

import (
	"net/url"
	"strconv"
	"strings"

	"board/models"
)

// link is text that may lead somewhere ("" Href: plain text).
type link struct{ Text, Href string }

// eventSentence is an audit event in words: "Ada hid Bob's post “Hi”".
type eventSentence struct {
	Actor  link
	Verb   string
	Target link // empty when the event is about the actor themselves
	After  string
}

// phrasing is how one kind of event reads: Verb before a target that is
// someone or something else, Self when the actor acted on their own account.
type phrasing struct{ Verb, After, Self string }

var phrasings = map[models.AuditKind]phrasing{
	models.AuditSignIn:                 {Verb: "signed in as", Self: "signed in"},
	models.AuditSignInFailed:           {Verb: "failed to sign in as", Self: "failed to sign in"},
	models.AuditSignOut:                {Verb: "signed out", Self: "signed out"},
	models.AuditRegister:               {Verb: "registered", Self: "registered"},
	models.AuditPostHidden:             {Verb: "hid"},
	models.AuditPostRestored:           {Verb: "restored"},
	models.AuditCommentHidden:          {Verb: "hid"},
	models.AuditCommentRestored:        {Verb: "restored"},
	models.AuditUserSuspended:          {Verb: "suspended"},
	models.AuditUserReinstated:         {Verb: "reinstated"},
	models.AuditRoleGranted:            {Verb: "made", After: " an admin"},
	models.AuditRoleRevoked:            {Verb: "took the admin role from"},
	models.AuditIdentityLinked:         {Verb: "connected a sign-in provider to the account of", Self: "connected a sign-in provider"},
	models.AuditIdentityUnlinked:       {Verb: "disconnected a sign-in provider from the account of", Self: "disconnected a sign-in provider"},
	models.AuditSessionRevoked:         {Verb: "signed out a session of", Self: "signed out one of their sessions"},
	models.AuditSessionsEnded:          {Verb: "ended the sessions of", Self: "ended their sessions"},
	models.AuditPasswordChanged:        {Verb: "set the password of", Self: "changed their password"},
	models.AuditEmailChanged:           {Verb: "changed the email address of", Self: "changed their email address"},
	models.AuditNameChanged:            {Verb: "changed the display name of", Self: "changed their display name"},
	models.AuditAccountDeleted:         {Verb: "deleted the account of", Self: "deleted their account"},
	models.AuditReauthFailed:           {Verb: "failed to confirm the identity of", Self: "failed to confirm their identity"},
	models.AuditVerificationSent:       {Verb: "sent a verification link to", Self: "asked for a verification link"},
	models.AuditEmailVerified:          {Verb: "verified the email address of", Self: "verified their email address"},
	models.AuditEmailChangeRequested:   {Verb: "asked to change the email address of", Self: "asked to change their email address"},
	models.AuditEmailReleased:          {Verb: "released the unverified email address of", Self: "gave up their unverified email address"},
	models.AuditPasswordResetRequested: {Verb: "asked for a password reset for", Self: "asked for a password reset"},
	models.AuditPasswordReset:          {Verb: "reset the password of", Self: "reset their password by mail"},
	models.AuditMailFailed:             {Verb: "could not deliver"},
	models.AuditTokenIssued:            {Verb: "issued tokens to", Self: "was issued tokens"},
	models.AuditTokenReused:            {Verb: "reused a spent refresh token of", Self: "reused a spent refresh token"},
	models.AuditTokenRevoked:           {Verb: "revoked tokens of", Self: "revoked their tokens"},
	models.AuditKeyRotated:             {Verb: "rotated"},
	models.AuditReportFiled:            {Verb: "reported"},
	models.AuditReportsDismissed:       {Verb: "dismissed the reports on"},
	models.AuditPostDeleted:            {Verb: "deleted"},
	models.AuditCommentDeleted:         {Verb: "deleted"},
}

// kindLabel is a kind in words, for the audit filter.
func kindLabel(k models.AuditKind) string { return strings.ReplaceAll(string(k), "_", " ") }

// describeEvent puts an audit event into words, with links to the members
// and content it names while they exist.
func describeEvent(e *models.AuditEvent) eventSentence {
	ph, ok := phrasings[e.Kind]
	if !ok {
		ph = phrasing{Verb: kindLabel(e.Kind) + ":", Self: kindLabel(e.Kind)}
	}
	s := eventSentence{Actor: eventActor(e)}
	self := e.TargetType == "" || (e.TargetType == "user" && (e.TargetID == e.ActorID || e.TargetID == 0))
	if self && ph.Self != "" {
		s.Verb = ph.Self
		return s
	}
	s.Verb, s.After, s.Target = ph.Verb, ph.After, eventTarget(e)
	return s
}

func eventActor(e *models.AuditEvent) link {
	switch {
	case e.ActorID != 0 && e.ActorName != "":
		return link{e.ActorName, "/admin/users/" + itoa(e.ActorID)}
	case e.ActorID != 0:
		return link{Text: "A deleted member"}
	case e.ClientIP == "command line":
		return link{Text: "The operator (command line)"}
	case e.ClientIP == "demo seed":
		return link{Text: "The demo setup"}
	case e.ClientIP == "":
		return link{Text: "The board"} // its own work, such as sending mail
	}
	return link{Text: "Someone not signed in"}
}

func eventTarget(e *models.AuditEvent) link {
	a := e.About
	id := itoa(e.TargetID)
	switch e.TargetType {
	case "user":
		if !a.Exists {
			return link{Text: "a deleted member"}
		}
		return link{a.Name, "/admin/users/" + id}
	case "post":
		if !a.Exists {
			return link{Text: "a post that is gone (#" + id + ")"}
		}
		return link{possessive(a.Owner) + " post “" + a.Name + "”", "/posts/" + id}
	case "comment":
		if !a.Exists {
			return link{Text: "a comment that is gone (#" + id + ")"}
		}
		return link{possessive(a.Owner) + " comment on “" + a.Name + "”", "/posts/" + itoa(a.PostID) + "#comment-" + id}
	case "mail":
		return link{Text: "message #" + id}
	case "signing_key":
		return link{Text: "the token signing key"}
	}
	return link{Text: strings.ReplaceAll(e.TargetType, "_", " ") + " #" + id}
}

func possessive(name string) string {
	if name == "" {
		return "a deleted member's"
	}
	return name + "'s"
}

// memberPageURL is page n of the admin's member search.
func memberPageURL(search string, n int) string {
	q := url.Values{}
	if search != "" {
		q.Set("q", search)
	}
	q.Set("page", strconv.Itoa(n))
	return "/admin?" + q.Encode() + "#members"
}

// memberRange says which members a page shows, so the list never stops
// without saying so.
func memberRange(m *models.MemberPage, search string) string {
	switch {
	case m.Total == 0 && search != "":
		return "No member's name or email contains “" + search + "”."
	case m.Total == 0:
		return "No members yet."
	}
	first := (m.Page-1)*m.PerPage + 1
	s := "Members " + strconv.Itoa(first) + "–" + strconv.Itoa(first+len(m.Members)-1) + " of " + strconv.Itoa(m.Total)
	if len(m.Members) == 0 {
		s = "No members on page " + strconv.Itoa(m.Page) + "; there are " + strconv.Itoa(m.Total)
	}
	if search != "" {
		s += " whose name or email contains “" + search + "”"
	}
	return s + ", newest first."
}
