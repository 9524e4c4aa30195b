package models

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Every authorization rule of the board lives in this file, as pure
// functions of who is asking and what they ask about.

// Outcome says how a request ends: allowed, or denied in one of three ways
// that people must be able to tell apart.
type Outcome int

const (
	Allow           Outcome = iota
	DenyAnonymous           // 401: we do not know who you are (authentication)
	DenyForbidden           // 403: we know you, and the rule says no (authorization)
	DenyNotFound            // 404: you may not know this exists
	DenyUnavailable         // 403: your account is suspended
	DenyScope               // 403: the token's scope does not cover this
)

// Decision is an outcome plus the rule, in words, that produced it.
type Decision struct {
	Outcome Outcome
	Rule    string
}

func (d Decision) Allowed() bool { return d.Outcome == Allow }

// Err turns a denial into an error the handlers map to a page; nil if allowed.
func (d Decision) Err() error {
	if d.Allowed() {
		return nil
	}
	return &Denied{Decision: d}
}

// Denied is the error form of a denial.
type Denied struct{ Decision }

func (e *Denied) Error() string { return fmt.Sprintf("denied (%d): %s", e.Outcome, e.Rule) }

var allow = Decision{Outcome: Allow}

func signInRequired(what string) Decision {
	return Decision{DenyAnonymous, "Only signed-in members may " + what + "."}
}

// member is the gate before every member-only action.
func member(actor *User, what string) (Decision, bool) {
	switch {
	case actor == nil:
		return signInRequired(what), false
	case actor.IsSuspended():
		return Decision{DenyUnavailable, "Your account is suspended, so you may not " + what + "."}, false
	}
	return allow, true
}

// CanReadBoard: only signed-in, non-suspended members see posts and comments.
func CanReadBoard(actor *User) Decision {
	d, _ := member(actor, "read the board")
	return d
}

// CanSeePost: hidden posts exist only for their author and for admins.
func CanSeePost(actor *User, p *Post) Decision {
	if d, ok := member(actor, "read posts"); !ok {
		return d
	}
	if p.Hidden() && !actor.IsAdmin() && p.AuthorID != actor.ID {
		return Decision{DenyNotFound, "This post does not exist or was removed by a moderator."}
	}
	return allow
}

// CanSeeComment: a comment is visible where its post is, and a hidden
// comment only to its author and admins.
func CanSeeComment(actor *User, p *Post, c *Comment) Decision {
	if d := CanSeePost(actor, p); !d.Allowed() {
		return d
	}
	if c.Hidden() && !actor.IsAdmin() && c.AuthorID != actor.ID {
		return Decision{DenyNotFound, "This comment does not exist or was removed by a moderator."}
	}
	return allow
}

// PostListFilter is CanSeePost expressed as a query filter, so lists apply the
// same rule in SQL instead of fetching rows and dropping them.
type PostListFilter struct {
	IncludeAllHidden bool  // admins see every hidden post
	HiddenOfAuthor   int64 // members see their own hidden posts
}

// ListFilter returns the filter for actor, who must already pass CanReadBoard.
func ListFilter(actor *User) PostListFilter {
	if actor.IsAdmin() {
		return PostListFilter{IncludeAllHidden: true}
	}
	return PostListFilter{HiddenOfAuthor: actor.ID}
}

// CanCreatePost: any active member.
func CanCreatePost(actor *User) Decision {
	d, _ := member(actor, "write posts")
	return d
}

// CanComment: any active member who can see the post.
func CanComment(actor *User, p *Post) Decision {
	if d, ok := member(actor, "write comments"); !ok {
		return d
	}
	return CanSeePost(actor, p)
}

func onlyAuthor(actor *User, authorID int64, authorName, thing, verb string) Decision {
	if d, ok := member(actor, verb+" "+thing+"s"); !ok {
		return d
	}
	if authorID != actor.ID {
		owner := authorName
		if owner == "" {
			owner = "a deleted member"
		}
		return Decision{DenyForbidden, fmt.Sprintf(
			"You are signed in as %s. This %s belongs to %s. Only its author may %s it.", actor.DisplayName, thing, owner, verb)}
	}
	return allow
}

// CanEditPost: the author only; admins moderate by hiding, not by rewriting.
func CanEditPost(actor *User, p *Post) Decision {
	if d := CanSeePost(actor, p); !d.Allowed() {
		return d
	}
	return onlyAuthor(actor, p.AuthorID, p.AuthorName, "post", "edit")
}

// CanDeletePost: the author only.
func CanDeletePost(actor *User, p *Post) Decision {
	if d := CanSeePost(actor, p); !d.Allowed() {
		return d
	}
	return onlyAuthor(actor, p.AuthorID, p.AuthorName, "post", "delete")
}

// CanEditComment: the author only.
func CanEditComment(actor *User, p *Post, c *Comment) Decision {
	if d := CanSeeComment(actor, p, c); !d.Allowed() {
		return d
	}
	return onlyAuthor(actor, c.AuthorID, c.AuthorName, "comment", "edit")
}

// CanDeleteComment: the author only.
func CanDeleteComment(actor *User, p *Post, c *Comment) Decision {
	if d := CanSeeComment(actor, p, c); !d.Allowed() {
		return d
	}
	return onlyAuthor(actor, c.AuthorID, c.AuthorName, "comment", "delete")
}

func adminOnly(actor *User, what string) Decision {
	if d, ok := member(actor, what); !ok {
		return d
	}
	if !actor.IsAdmin() {
		return Decision{DenyForbidden, fmt.Sprintf("You are signed in as %s, a member. Only admins may %s.", actor.DisplayName, what)}
	}
	return allow
}

// CanModerate: hide and restore anyone's posts and comments, see the admin page.
func CanModerate(actor *User) Decision { return adminOnly(actor, "moderate the board") }

// CanManageUser: suspend, reinstate, grant or revoke admin, never on yourself
// (so an admin cannot lock the board out of its last admin by accident).
func CanManageUser(actor, target *User) Decision {
	if d := adminOnly(actor, "manage members"); !d.Allowed() {
		return d
	}
	if actor.ID == target.ID {
		return Decision{DenyForbidden, "Admins may not suspend, reinstate or change the role of their own account."}
	}
	return allow
}

// CanReleaseEmail: an admin may take an unverified address off another
// member's account (someone registered an address that is not theirs), so
// its real owner can use it. A verified address proved its owner: it stays.
func CanReleaseEmail(actor, target *User) Decision {
	if d := CanManageUser(actor, target); !d.Allowed() {
		return d
	}
	if target.EmailVerified {
		return Decision{DenyForbidden, "This address was verified by its owner, so it cannot be released."}
	}
	if target.EmailReleased() {
		return Decision{DenyForbidden, "This account's address was released already: it holds only a placeholder."}
	}
	return allow
}

// ErrRefusedAtWrite is what a store answers when, inside the write's own
// transaction, the actor no longer passes the rule the handler checked
// (suspended, no longer an admin, not the author) a moment earlier.
var ErrRefusedAtWrite = &Denied{Decision{DenyForbidden,
	"By the time this was saved, your account was no longer allowed to do it (it was suspended, lost admin, or this is not yours). Nothing was changed."}}

// Scopes an API credential may carry. A scope narrows what the rules in
// this file allow a member; it never widens it.
const (
	ScopeEmail      = "email"
	ScopePostsRead  = "posts:read"
	ScopePostsWrite = "posts:write"
)

// FullScope is what a member's own credentials carry: their password (HTTP
// Basic) or a token from the board's own token endpoint.
const FullScope = ScopeEmail + " " + ScopePostsRead + " " + ScopePostsWrite

// HasScope reports whether the space-separated scope grants s.
func HasScope(scope, s string) bool { return slices.Contains(strings.Fields(scope), s) }

// CanUseScope: a request made with a credential needs its scope to cover
// what the request does.
func CanUseScope(scope, need string) Decision {
	if HasScope(scope, need) {
		return allow
	}
	return Decision{DenyScope, fmt.Sprintf("This credential was granted the scope %q; this request needs %q. A scope narrows what a member may do, it never widens it.", scope, need)}
}

// CanSignIn: a suspended member may not start a session by any method.
// via names the method for the explanation, e.g. "Google" ("" for a password).
func CanSignIn(u *User, via string) Decision {
	if !u.IsSuspended() {
		return allow
	}
	rule := "Your account is suspended: " + u.SuspendReason + "."
	if via != "" {
		rule += " Signing in through " + via + " does not change that."
	}
	return Decision{DenyUnavailable, rule + " Ask an admin if you think this is a mistake."}
}

// CanRemoveSignInMethod: removing one of an account's identities must leave
// a password or another identity, so nobody locks themselves out.
func CanRemoveSignInMethod(hasPassword bool, identities int) bool {
	return hasPassword || identities > 1
}

// MayLinkByEmail: a social identity is attached to an existing account found
// by email only when the provider vouches for the address and the account's
// own address is verified too. Anything less is how pre-account-hijacking
// works (an attacker registers the victim's email first), so the person must
// sign in and link explicitly instead.
func MayLinkByEmail(providerVerified bool, account *User) bool {
	return providerVerified && account.EmailVerified
}

// Limits: how often anyone may try, create or guess. Counted by the
// throttle store over sliding windows.

// Sign-in limits follow OWASP's device cookies: a browser that has signed
// in to an account before (and holds its signed device cookie) has its own
// allowance, so strangers failing cannot lock the member out; everyone else
// is limited per account and address, per address, and per account with
// growing delays, which bound guessing without a fixed lockout.
const (
	SignInWindow            = 15 * time.Minute
	DeviceFailures          = 10 // per device cookie and window
	AccountAddressFailures  = 5  // per account and client address and window
	AddressFailures         = 20 // per client address (all accounts) and window
	AccountFreeFailures     = 10 // per account from untrusted browsers in AccountBackoffWindow before delays start
	AccountBackoffWindow    = 24 * time.Hour
	AccountFirstDelay       = time.Second
	AccountMaxDelay         = 30 * time.Minute
	ReauthFailures          = 5  // wrong current passwords per session and window
	RegistrationsPerAddress = 10 // per window
	NewSessionsPerAddress   = 60 // sessions stored per client address and window
	PostsPerWindow          = 5
	PostsPerDay             = 50
	CommentsPerWindow       = 20
	CommentsPerDay          = 300
	PostingWindow           = 10 * time.Minute
	postingDay              = 24 * time.Hour
)

func normalizedLogin(email string) string { return strings.ToLower(Truncate(email, MaxEmail)) }

// SignInKeys is what a password sign-in counts against. device is the
// verified device cookie the browser holds for this account ("" if none).
func SignInKeys(email, clientIP, device string) []ThrottleKey {
	if device != "" {
		return []ThrottleKey{{Key: "device:" + device, Limit: DeviceFailures, Window: SignInWindow}}
	}
	login, network := normalizedLogin(email), ClientNetwork(clientIP)
	return []ThrottleKey{
		{Key: "account-addr:" + login + "|" + network, Limit: AccountAddressFailures, Window: SignInWindow},
		{Key: "addr:" + network, Limit: AddressFailures, Window: SignInWindow},
		{Key: "account:" + login, Window: AccountBackoffWindow,
			Free: AccountFreeFailures, Backoff: AccountFirstDelay, MaxDelay: AccountMaxDelay},
	}
}

// SignInResets is what a successful sign-in clears: the failures of its own
// browser, and the account's count of failures from strangers (the owner
// got in, so the delays start over).
func SignInResets(keys []ThrottleKey) []string {
	var reset []string
	for _, k := range keys {
		if !strings.HasPrefix(k.Key, "addr:") {
			reset = append(reset, k.Key)
		}
	}
	return reset
}

// ReauthKey limits wrong current passwords on the account page per
// session, apart from sign-in: a stranger (or a scanner holding the
// member's own session) cannot lock the member out of signing in.
func ReauthKey(session string) ThrottleKey {
	return ThrottleKey{Key: "reauth:" + session, Limit: ReauthFailures, Window: SignInWindow}
}

// RegisterKey limits registrations per client address.
func RegisterKey(clientIP string) ThrottleKey {
	return ThrottleKey{Key: "register:" + ClientNetwork(clientIP), Limit: RegistrationsPerAddress, Window: SignInWindow}
}

// NewSessionKey limits how many sessions one client address can make the
// board store: a visitor gets none until they sign in or start a social
// sign-in, and nobody can fill the database with them.
func NewSessionKey(clientIP string) ThrottleKey {
	return ThrottleKey{Key: "new-session:" + ClientNetwork(clientIP), Limit: NewSessionsPerAddress, Window: SignInWindow}
}

// PostingLimits bound how much one member may publish: posts and comments
// per PostingWindow and per day.
type PostingLimits struct {
	PostsPerWindow, PostsPerDay, CommentsPerWindow, CommentsPerDay int
	// Unlimited turns the limits off: only for load tests of writing itself.
	Unlimited bool
}

// DefaultPostingLimits are the board's own: enough for any conversation,
// too few to flood one.
func DefaultPostingLimits() PostingLimits {
	return PostingLimits{PostsPerWindow: PostsPerWindow, PostsPerDay: PostsPerDay,
		CommentsPerWindow: CommentsPerWindow, CommentsPerDay: CommentsPerDay}
}

// PostKeys limits how many posts one member may publish (none: unlimited).
func (l PostingLimits) PostKeys(userID int64) []ThrottleKey {
	if l.Unlimited {
		return nil
	}
	return postingKeys("post", userID, l.PostsPerWindow, l.PostsPerDay)
}

// CommentKeys limits how many comments one member may write (none: unlimited).
func (l PostingLimits) CommentKeys(userID int64) []ThrottleKey {
	if l.Unlimited {
		return nil
	}
	return postingKeys("comment", userID, l.CommentsPerWindow, l.CommentsPerDay)
}

func postingKeys(kind string, userID int64, perWindow, perDay int) []ThrottleKey {
	id := strconv.FormatInt(userID, 10)
	return []ThrottleKey{
		{Key: kind + ":" + id, Limit: perWindow, Window: PostingWindow},
		{Key: kind + "-day:" + id, Limit: perDay, Window: postingDay},
	}
}

// MayTakeOverEmail: an account that never proved its address gives it up
// to someone who does (a provider vouching for it, or a link mailed to it).
// Otherwise anyone could squat a person's address by registering it first
// and lock them out of the board for good. The squatting account keeps its
// content and loses only the address.
func MayTakeOverEmail(proven bool, holder *User) bool {
	return proven && !holder.EmailVerified
}

// CanSendVerification: members ask for a new link to their own address;
// admins may send one to any member (who perhaps lost the first).
func CanSendVerification(actor, target *User) Decision {
	if d, ok := member(actor, "ask for verification links"); !ok {
		return d
	}
	if actor.ID != target.ID && !actor.IsAdmin() {
		return Decision{DenyForbidden, fmt.Sprintf("You are signed in as %s, a member. Only admins may send a verification link to another member.", actor.DisplayName)}
	}
	return allow
}

// CanReport: an active member reports a post (c nil) or comment that they
// can see and did not write, and that no moderator has hidden yet. Once
// per item is the store's to enforce (ErrAlreadyReported).
func CanReport(actor *User, p *Post, c *Comment) Decision {
	if d, ok := member(actor, "report posts and comments"); !ok {
		return d
	}
	thing, authorID, hidden := "post", p.AuthorID, p.Hidden()
	d := CanSeePost(actor, p)
	if c != nil {
		thing, authorID, hidden = "comment", c.AuthorID, c.Hidden()
		d = CanSeeComment(actor, p, c)
	}
	switch {
	case !d.Allowed():
		return d
	case authorID == actor.ID:
		return Decision{DenyForbidden, "This " + thing + " is your own. Edit or delete it instead of reporting it."}
	case hidden:
		return Decision{DenyForbidden, "A moderator has already hidden this " + thing + ", so there is nothing left to report."}
	}
	return allow
}

// CanWorkReports: admins see the report queue and settle reports.
func CanWorkReports(actor *User) Decision { return adminOnly(actor, "work the report queue") }

// CanRemoveContent: admins delete anyone's posts and comments, with a
// reason the author is told. Authors delete their own through CanDeletePost.
func CanRemoveContent(actor *User) Decision {
	return adminOnly(actor, "delete other members' posts and comments")
}

// CanSeeNotification: members see only their own notifications, and one
// about someone's comment only while they may see that comment (a thread
// hidden since, or a comment hidden or deleted since, takes it away).
func CanSeeNotification(actor *User, n *Notification) Decision {
	if d, ok := member(actor, "read notifications"); !ok {
		return d
	}
	gone := Decision{DenyNotFound, "This notification does not exist."}
	if n.UserID != actor.ID {
		return gone
	}
	if n.Kind.AboutReply() {
		if n.Post == nil || n.Comment == nil {
			return gone
		}
		if d := CanSeeComment(actor, n.Post, n.Comment); !d.Allowed() {
			return gone
		}
	}
	return allow
}

// NotificationReveal is what a visible notification may quote of what it is
// about: the post's title, the comment's text.
type NotificationReveal struct {
	PostTitle   bool
	CommentText bool
}

// NotificationReveals applies the visibility rules at the time of showing,
// so a notification never carries text its recipient may no longer see.
func NotificationReveals(actor *User, n *Notification) NotificationReveal {
	var r NotificationReveal
	if !CanSeeNotification(actor, n).Allowed() || n.Post == nil {
		return r
	}
	r.PostTitle = CanSeePost(actor, n.Post).Allowed()
	r.CommentText = n.Comment != nil && CanSeeComment(actor, n.Post, n.Comment).Allowed()
	return r
}
