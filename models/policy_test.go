package models_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"board/models"
)

// These tests walk DESIGN.md's "who may do what" table row by row. Outcomes
// map to HTTP statuses in handlers/errors.go: DenyAnonymous → 401,
// DenyForbidden → 403, DenyNotFound → 404, DenyUnavailable → 403 (suspended).
//
// The first row ("see landing, register, sign in": anonymous only) has no
// policy function: it is a routing concern, covered by the handler tests.

const (
	allow       = models.Allow
	deny401     = models.DenyAnonymous
	deny403     = models.DenyForbidden
	deny404     = models.DenyNotFound
	unavailable = models.DenyUnavailable
)

func outcomeName(o models.Outcome) string {
	switch o {
	case models.Allow:
		return "Allow"
	case models.DenyAnonymous:
		return "DenyAnonymous(401)"
	case models.DenyForbidden:
		return "DenyForbidden(403)"
	case models.DenyNotFound:
		return "DenyNotFound(404)"
	case models.DenyUnavailable:
		return "DenyUnavailable(403, suspended)"
	case models.DenyScope:
		return "DenyScope(403, insufficient scope)"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

var (
	policyTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	admin           = mkUser(1, "Alice Admin", models.RoleAdmin, false)
	member          = mkUser(2, "Mo Member", models.RoleMember, false)
	author          = mkUser(3, "Ada Author", models.RoleMember, false)
	adminAuthor     = mkUser(4, "Root Writer", models.RoleAdmin, false)
	suspended       = mkUser(5, "Sid Suspended", models.RoleMember, true)
	suspendedAuthor = mkUser(6, "Sue Author", models.RoleMember, true)
	suspendedAdmin  = mkUser(7, "Sam Admin", models.RoleAdmin, true)
	// owner writes every post and comment that is not the actor's own.
	owner = mkUser(9, "Olive Owner", models.RoleMember, false)
)

func mkUser(id int64, name string, role models.Role, isSuspended bool) *models.User {
	u := &models.User{ID: id, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com",
		DisplayName: name, Role: role, CreatedAt: policyTime}
	if isSuspended {
		at := policyTime
		u.SuspendedAt, u.SuspendReason = &at, "spam"
	}
	return u
}

// actorKind is one column of the table (plus the suspended variants); owns
// says whether the post or comment under test is the actor's own.
type actorKind struct {
	name string
	u    *models.User
	owns bool
}

var actorKinds = []actorKind{
	{"anonymous", nil, false},
	{"member", member, false},
	{"author", author, true},
	{"admin", admin, false},
	{"admin-who-is-author", adminAuthor, true},
	{"suspended member", suspended, false},
	{"suspended author", suspendedAuthor, true},
	{"suspended admin", suspendedAdmin, false},
}

// expect lists the wanted outcome for every actor kind; a missing kind is a
// bug in the test, not a pass.
type expect map[string]models.Outcome

func ownerOf(a actorKind) *models.User {
	if a.owns {
		return a.u
	}
	return owner
}

func mkPost(by *models.User, hidden bool) *models.Post {
	p := &models.Post{ID: 100, AuthorID: by.ID, AuthorName: by.DisplayName, Title: "A post", Body: "text",
		CreatedAt: policyTime, UpdatedAt: policyTime}
	if hidden {
		at := policyTime
		p.HiddenAt, p.HiddenReason = &at, "off-topic"
	}
	return p
}

func mkComment(p *models.Post, by *models.User, hidden bool) *models.Comment {
	c := &models.Comment{ID: 200, PostID: p.ID, AuthorID: by.ID, AuthorName: by.DisplayName, Body: "reply",
		CreatedAt: policyTime, UpdatedAt: policyTime}
	if hidden {
		at := policyTime
		c.HiddenAt, c.HiddenReason = &at, "rude"
	}
	return c
}

// check runs fn for every actor kind and compares with want; it also checks
// that each denial's rule says which kind of denial it is.
func check(t *testing.T, label string, want expect, fn func(a actorKind) models.Decision) {
	t.Helper()
	for _, a := range actorKinds {
		w, ok := want[a.name]
		if !ok {
			t.Fatalf("%s: test table has no expectation for %q", label, a.name)
		}
		t.Run(label+"/"+a.name, func(t *testing.T) {
			d := fn(a)
			if d.Outcome != w {
				t.Fatalf("outcome = %s (rule %q), want %s", outcomeName(d.Outcome), d.Rule, outcomeName(w))
			}
			if d.Allowed() != (w == allow) {
				t.Errorf("Allowed() = %v for outcome %s", d.Allowed(), outcomeName(d.Outcome))
			}
			if w != allow && d.Rule == "" {
				t.Errorf("denial %s carries no rule for people to read", outcomeName(d.Outcome))
			}
			switch w {
			case deny401:
				if !strings.Contains(d.Rule, "signed-in") {
					t.Errorf("401 rule %q should say that signing in is required", d.Rule)
				}
			case unavailable:
				if !strings.Contains(d.Rule, "suspended") {
					t.Errorf("suspended rule %q should say the account is suspended", d.Rule)
				}
			}
			// 403 pages add "You are signed in as …" themselves (handlers/errors.go);
			// the edit/delete and moderation rules also name people, checked below.
		})
	}
}

// activeOnly: anonymous 401, suspended accounts 403-unavailable, everyone else allowed.
var activeOnly = expect{
	"anonymous": deny401, "member": allow, "author": allow, "admin": allow, "admin-who-is-author": allow,
	"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
}

// Row: list / read posts and comments — 401 | yes | yes | yes.
func TestPolicyListAndRead(t *testing.T) {
	check(t, "CanReadBoard", activeOnly, func(a actorKind) models.Decision { return models.CanReadBoard(a.u) })
	check(t, "CanSeePost/visible", activeOnly, func(a actorKind) models.Decision {
		return models.CanSeePost(a.u, mkPost(ownerOf(a), false))
	})
	check(t, "CanSeeComment/visible", activeOnly, func(a actorKind) models.Decision {
		p := mkPost(owner, false)
		return models.CanSeeComment(a.u, p, mkComment(p, ownerOf(a), false))
	})
}

// Row: create post / comment — 401 | yes (not suspended) | – | yes.
func TestPolicyCreate(t *testing.T) {
	check(t, "CanCreatePost", activeOnly, func(a actorKind) models.Decision { return models.CanCreatePost(a.u) })
	check(t, "CanComment/visible post", activeOnly, func(a actorKind) models.Decision {
		return models.CanComment(a.u, mkPost(ownerOf(a), false))
	})
	// Commenting needs sight of the post: a hidden post is 404 to other members.
	check(t, "CanComment/hidden post", expect{
		"anonymous": deny401, "member": deny404, "author": allow, "admin": allow, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision {
		return models.CanComment(a.u, mkPost(ownerOf(a), true))
	})
}

// Row: edit / delete own post or comment — 401 | 403 unless author | yes | only their own.
func TestPolicyEditDeleteOwn(t *testing.T) {
	visible := expect{
		"anonymous": deny401, "member": deny403, "author": allow, "admin": deny403, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}
	// A hidden target is 404 to members who are not its author (they may not
	// know it exists); an admin sees it but may still only edit their own.
	hidden := expect{
		"anonymous": deny401, "member": deny404, "author": allow, "admin": deny403, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}
	for _, h := range []struct {
		state  string
		hidden bool
		want   expect
	}{{"visible", false, visible}, {"hidden", true, hidden}} {
		check(t, "CanEditPost/"+h.state, h.want, func(a actorKind) models.Decision {
			return models.CanEditPost(a.u, mkPost(ownerOf(a), h.hidden))
		})
		check(t, "CanDeletePost/"+h.state, h.want, func(a actorKind) models.Decision {
			return models.CanDeletePost(a.u, mkPost(ownerOf(a), h.hidden))
		})
		// The comment is the actor's own (or not); the post is always someone else's.
		check(t, "CanEditComment/"+h.state, h.want, func(a actorKind) models.Decision {
			p := mkPost(owner, false)
			return models.CanEditComment(a.u, p, mkComment(p, ownerOf(a), h.hidden))
		})
		check(t, "CanDeleteComment/"+h.state, h.want, func(a actorKind) models.Decision {
			p := mkPost(owner, false)
			return models.CanDeleteComment(a.u, p, mkComment(p, ownerOf(a), h.hidden))
		})
	}

	// Your own visible comment under someone else's hidden post: the post is
	// gone for you, so is the comment.
	p := mkPost(owner, true)
	c := mkComment(p, author, false)
	for name, d := range map[string]models.Decision{
		"CanSeeComment":    models.CanSeeComment(author, p, c),
		"CanEditComment":   models.CanEditComment(author, p, c),
		"CanDeleteComment": models.CanDeleteComment(author, p, c),
	} {
		if d.Outcome != deny404 {
			t.Errorf("%s(own comment under another's hidden post) = %s, want %s", name, outcomeName(d.Outcome), outcomeName(deny404))
		}
	}
	// Being the post's author does not give power over other people's comments.
	mine := mkPost(author, false)
	theirs := mkComment(mine, owner, false)
	if d := models.CanEditComment(author, mine, theirs); d.Outcome != deny403 {
		t.Errorf("CanEditComment(post author, another's comment) = %s, want 403", outcomeName(d.Outcome))
	}
}

// The 403 for edit/delete names who you are and whose it is.
func TestPolicyEditDeleteForbiddenNamesBothPeople(t *testing.T) {
	for _, actor := range []*models.User{member, admin} {
		for _, tc := range []struct {
			thing, verb string
			decide      func() models.Decision
		}{
			{"post", "edit", func() models.Decision { return models.CanEditPost(actor, mkPost(owner, false)) }},
			{"post", "delete", func() models.Decision { return models.CanDeletePost(actor, mkPost(owner, false)) }},
			{"comment", "edit", func() models.Decision {
				p := mkPost(owner, false)
				return models.CanEditComment(actor, p, mkComment(p, owner, false))
			}},
			{"comment", "delete", func() models.Decision {
				p := mkPost(owner, false)
				return models.CanDeleteComment(actor, p, mkComment(p, owner, false))
			}},
		} {
			d := tc.decide()
			want := fmt.Sprintf("You are signed in as %s. This %s belongs to %s. Only its author may %s it.",
				actor.DisplayName, tc.thing, owner.DisplayName, tc.verb)
			if d.Outcome != deny403 || d.Rule != want {
				t.Errorf("%s %s %s of %s: got %s %q, want 403 %q", actor.DisplayName, tc.verb, tc.thing, owner.DisplayName,
					outcomeName(d.Outcome), d.Rule, want)
			}
		}
	}

	// The owner's account is gone (AuthorID 0, no name): the rule still reads.
	orphan := &models.Post{ID: 7, Title: "t", Body: "b", CreatedAt: policyTime, UpdatedAt: policyTime}
	d := models.CanEditPost(member, orphan)
	want := "You are signed in as Mo Member. This post belongs to a deleted member. Only its author may edit it."
	if d.Outcome != deny403 || d.Rule != want {
		t.Errorf("edit orphaned post: got %s %q, want 403 %q", outcomeName(d.Outcome), d.Rule, want)
	}
	oc := &models.Comment{ID: 8, PostID: 7, Body: "b", CreatedAt: policyTime, UpdatedAt: policyTime}
	d = models.CanDeleteComment(admin, mkPost(owner, false), oc)
	want = "You are signed in as Alice Admin. This comment belongs to a deleted member. Only its author may delete it."
	if d.Outcome != deny403 || d.Rule != want {
		t.Errorf("delete orphaned comment: got %s %q, want 403 %q", outcomeName(d.Outcome), d.Rule, want)
	}
}

// Row: hide / restore anyone's post or comment — 401 | 403 | 403 | yes.
func TestPolicyModerate(t *testing.T) {
	check(t, "CanModerate", expect{
		"anonymous": deny401, "member": deny403, "author": deny403, "admin": allow, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision { return models.CanModerate(a.u) })

	d := models.CanModerate(member)
	if !strings.Contains(d.Rule, "Mo Member") || !strings.Contains(d.Rule, "Only admins") {
		t.Errorf("CanModerate(member) rule %q should name the member and the admin-only rule", d.Rule)
	}
}

// Row: suspend / reinstate a member, grant admin — 401 | 403 | 403 | yes (not themselves).
func TestPolicyManageUser(t *testing.T) {
	check(t, "CanManageUser/other member", expect{
		"anonymous": deny401, "member": deny403, "author": deny403, "admin": allow, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision { return models.CanManageUser(a.u, owner) })

	check(t, "CanManageUser/self", expect{
		"anonymous": deny401, "member": deny403, "author": deny403, "admin": deny403, "admin-who-is-author": deny403,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision {
		if a.u == nil {
			return models.CanManageUser(nil, owner)
		}
		self := *a.u // a different pointer to the same account still counts as yourself
		return models.CanManageUser(a.u, &self)
	})

	if d := models.CanManageUser(admin, admin); !strings.Contains(d.Rule, "own account") {
		t.Errorf("CanManageUser(self) rule %q should say admins may not change their own account", d.Rule)
	}
	if d := models.CanManageUser(admin, adminAuthor); !d.Allowed() {
		t.Errorf("admin managing another admin: %s %q, want Allow", outcomeName(d.Outcome), d.Rule)
	}
	if d := models.CanManageUser(admin, suspended); !d.Allowed() {
		t.Errorf("admin reinstating a suspended member: %s %q, want Allow", outcomeName(d.Outcome), d.Rule)
	}
}

// Row: see a hidden post — 404 | 404 | yes, with the moderator's reason | yes.
//
// Anonymous gets 401, not the table's 404: every member-only page answers an
// anonymous request with the sign-in page, whatever the post, so 401 leaks
// nothing (asserted below: same decision as for a visible post).
func TestPolicySeeHidden(t *testing.T) {
	want := expect{
		"anonymous": deny401, "member": deny404, "author": allow, "admin": allow, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}
	check(t, "CanSeePost/hidden", want, func(a actorKind) models.Decision {
		return models.CanSeePost(a.u, mkPost(ownerOf(a), true))
	})
	check(t, "CanSeeComment/hidden comment", want, func(a actorKind) models.Decision {
		p := mkPost(owner, false)
		return models.CanSeeComment(a.u, p, mkComment(p, ownerOf(a), true))
	})

	if h, v := models.CanSeePost(nil, mkPost(owner, true)), models.CanSeePost(nil, mkPost(owner, false)); h != v {
		t.Errorf("anonymous: hidden post decision %+v differs from visible post decision %+v (leaks existence)", h, v)
	}
	// A post author does not see others' hidden comments under their post.
	mine := mkPost(author, false)
	if d := models.CanSeeComment(author, mine, mkComment(mine, owner, true)); d.Outcome != deny404 {
		t.Errorf("post author seeing another's hidden comment: %s, want 404", outcomeName(d.Outcome))
	}
	// A hidden post whose author's account is gone is no member's own.
	orphan := &models.Post{ID: 5, HiddenAt: &policyTime, CreatedAt: policyTime, UpdatedAt: policyTime}
	if d := models.CanSeePost(member, orphan); d.Outcome != deny404 {
		t.Errorf("member seeing an orphaned hidden post: %s, want 404", outcomeName(d.Outcome))
	}
	if d := models.CanSeePost(admin, orphan); !d.Allowed() {
		t.Errorf("admin seeing an orphaned hidden post: %s, want Allow", outcomeName(d.Outcome))
	}
}

// CanSeePost over every combination of viewer, owner and hidden state (the
// list's SQL filter is held to the same rule in TestPostListFilterMatchesPolicy).
func TestCanSeePostHiddenMatrix(t *testing.T) {
	deleted := &models.User{ID: 0}
	for _, tc := range []struct {
		actor            *models.User
		by               *models.User
		hidden           bool
		wantVisible      bool
		actorKind, whose string
	}{
		{member, member, false, true, "member", "own"},
		{member, member, true, true, "member", "own"},
		{member, owner, false, true, "member", "other"},
		{member, owner, true, false, "member", "other"},
		{member, deleted, false, true, "member", "deleted member's"},
		{member, deleted, true, false, "member", "deleted member's"},
		{admin, admin, false, true, "admin", "own"},
		{admin, admin, true, true, "admin", "own"},
		{admin, owner, false, true, "admin", "other"},
		{admin, owner, true, true, "admin", "other"},
		{admin, deleted, true, true, "admin", "deleted member's"},
	} {
		p := mkPost(tc.by, tc.hidden)
		p.AuthorID = tc.by.ID
		name := fmt.Sprintf("%s/%s/hidden=%v", tc.actorKind, tc.whose, tc.hidden)
		sees := models.CanSeePost(tc.actor, p).Allowed()
		if sees != tc.wantVisible {
			t.Errorf("%s: CanSeePost allowed = %v, want %v", name, sees, tc.wantVisible)
		}
	}
}

func TestDecisionErr(t *testing.T) {
	if err := models.CanReadBoard(member).Err(); err != nil {
		t.Errorf("allowed decision Err() = %v, want nil", err)
	}
	d := models.CanModerate(member)
	err := d.Err()
	var denied *models.Denied
	if !errors.As(err, &denied) {
		t.Fatalf("denied decision Err() = %T %v, want *models.Denied", err, err)
	}
	if denied.Decision != d {
		t.Errorf("Denied carries %+v, want %+v", denied.Decision, d)
	}
	if !strings.Contains(err.Error(), d.Rule) {
		t.Errorf("error text %q should contain the rule %q", err.Error(), d.Rule)
	}
}

// A credential's scope narrows the policy: the scope it needs must be among
// the scopes it was granted, word for word.
func TestCanUseScope(t *testing.T) {
	for _, tc := range []struct {
		granted, need string
		want          models.Outcome
	}{
		{models.FullScope, models.ScopePostsRead, allow},
		{models.FullScope, models.ScopePostsWrite, allow},
		{"posts:read", models.ScopePostsRead, allow},
		{"posts:read", models.ScopePostsWrite, models.DenyScope},
		{"posts:write", models.ScopePostsRead, models.DenyScope},
		{"", models.ScopePostsRead, models.DenyScope},
		{"posts:readwrite", models.ScopePostsRead, models.DenyScope},
		{"posts", models.ScopePostsRead, models.DenyScope},
		{"  email   posts:write ", models.ScopePostsWrite, allow},
	} {
		d := models.CanUseScope(tc.granted, tc.need)
		if d.Outcome != tc.want {
			t.Errorf("CanUseScope(%q, %q) = %s, want %s", tc.granted, tc.need, outcomeName(d.Outcome), outcomeName(tc.want))
		}
		if !d.Allowed() && (!strings.Contains(d.Rule, tc.need) || d.Err() == nil) {
			t.Errorf("CanUseScope(%q, %q): rule %q does not name the scope needed", tc.granted, tc.need, d.Rule)
		}
	}
	if models.HasScope(models.FullScope, models.ScopeEmail) != true || models.HasScope("posts:read", models.ScopeEmail) {
		t.Error("HasScope: email")
	}
}
