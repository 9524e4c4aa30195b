package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// TestAdminRoutesByRole: anonymous 401, member 403 (authorization), admin allowed.
func TestAdminRoutesByRole(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	carol := b.CreateUser(t, "carol@example.com", "Carol Target", "carol-password-1", models.RoleMember)
	pid, cid, uid := itoa(w.Post.ID), itoa(w.Comment.ID), itoa(carol.ID)

	type route struct {
		method, path string
		form         url.Values
		check        func(t *testing.T) // state after the admin's request
	}
	routes := []route{
		{"GET", "/admin", nil, nil},
		{"POST", "/admin/posts/" + pid + "/hide", url.Values{"reason": {"Off topic"}}, func(t *testing.T) {
			if p := b.Post(t, w.Post.ID); !p.Hidden() || p.HiddenReason != "Off topic" {
				t.Errorf("post not hidden with its reason: %+v", p)
			}
		}},
		{"POST", "/admin/posts/" + pid + "/restore", nil, func(t *testing.T) {
			if p := b.Post(t, w.Post.ID); p.Hidden() {
				t.Errorf("post still hidden")
			}
		}},
		{"POST", "/admin/comments/" + cid + "/hide", url.Values{"reason": {"Rude"}}, func(t *testing.T) {
			if cm := b.Comment(t, w.Comment.ID); !cm.Hidden() || cm.HiddenReason != "Rude" {
				t.Errorf("comment not hidden with its reason: %+v", cm)
			}
		}},
		{"POST", "/admin/comments/" + cid + "/restore", nil, func(t *testing.T) {
			if cm := b.Comment(t, w.Comment.ID); cm.Hidden() {
				t.Errorf("comment still hidden")
			}
		}},
		{"POST", "/admin/users/" + uid + "/suspend", url.Values{"reason": {"Spam"}}, func(t *testing.T) {
			if u := b.User(t, carol.ID); !u.IsSuspended() || u.SuspendReason != "Spam" {
				t.Errorf("carol not suspended with the reason: %+v", u)
			}
		}},
		{"POST", "/admin/users/" + uid + "/reinstate", nil, func(t *testing.T) {
			if u := b.User(t, carol.ID); u.IsSuspended() {
				t.Errorf("carol still suspended")
			}
		}},
		{"POST", "/admin/users/" + uid + "/role", url.Values{"role": {"admin"}}, func(t *testing.T) {
			if u := b.User(t, carol.ID); u.Role != models.RoleAdmin {
				t.Errorf("carol role %q, want admin", u.Role)
			}
		}},
		{"POST", "/admin/users/" + uid + "/role", url.Values{"role": {"member"}}, func(t *testing.T) {
			if u := b.User(t, carol.ID); u.Role != models.RoleMember {
				t.Errorf("carol role %q, want member", u.Role)
			}
		}},
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		if p := b.Post(t, w.Post.ID); p.Hidden() {
			t.Errorf("refused request hid the post")
		}
		if cm := b.Comment(t, w.Comment.ID); cm.Hidden() {
			t.Errorf("refused request hid the comment")
		}
		if u := b.User(t, carol.ID); u.IsSuspended() || u.Role != models.RoleMember {
			t.Errorf("refused request changed carol: %+v", u)
		}
	}
	do := func(c *boardtest.Client, r route) *boardtest.Response {
		if r.method == "GET" {
			return c.Get(r.path)
		}
		return c.Post(r.path, r.form)
	}

	member := b.SignedIn(t, "bob@example.com", bobPW)
	admin := b.SignedIn(t, "ada@example.com", adminPW)
	for _, r := range routes {
		name := r.method + " " + r.path + " " + r.form.Encode()
		t.Run("anonymous "+name, func(t *testing.T) {
			c := b.Client(t)
			c.Get("/login") // a session with a CSRF token, so only authentication can refuse it
			res := do(c, r)
			boardtest.WantStatus(t, name, res, http.StatusUnauthorized)
			boardtest.MustContain(t, "401 page", res.Body, "Authentication required", `data-testid="login-form"`)
			boardtest.MustNotContain(t, "401 page", res.Body, "carol@example.com", "Audit log")
			unchanged(t)
		})
		t.Run("member "+name, func(t *testing.T) {
			res := do(member.Bind(t), r)
			boardtest.WantStatus(t, name, res, http.StatusForbidden)
			boardtest.MustContain(t, "403 page", res.Body, "Authorization", "Bob Bystander", "Only admins may")
			boardtest.MustNotContain(t, "403 page", res.Body, "Authentication required", "carol@example.com", "Audit log")
			unchanged(t)
		})
	}
	for _, r := range routes {
		name := r.method + " " + r.path + " " + r.form.Encode()
		t.Run("admin "+name, func(t *testing.T) {
			res := do(admin.Bind(t), r)
			if r.method == "GET" {
				boardtest.WantStatus(t, name, res, http.StatusOK)
				boardtest.MustContain(t, "admin page", res.Body, `data-testid="admin-users"`, "carol@example.com", `data-testid="audit-log"`)
				return
			}
			boardtest.WantStatus(t, name, res, http.StatusSeeOther)
			r.check(t)
		})
	}
}

func TestHiddenPostVisibility(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	pid := itoa(w.Post.ID)
	const reason = "Duplicate of an older thread zq8"
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	admin := b.SignedIn(t, "ada@example.com", adminPW)

	res := admin.Post("/admin/posts/"+pid+"/hide", url.Values{"reason": {reason}})
	if !boardtest.WantStatus(t, "hide", res, http.StatusSeeOther) {
		return
	}
	for _, v := range []struct {
		name string
		c    *boardtest.Client
	}{{"author", alice}, {"admin", admin}} {
		t.Run(v.name+" still sees the hidden post with the reason", func(t *testing.T) {
			c := v.c.Bind(t)
			res := c.Get("/posts/" + pid)
			boardtest.WantStatus(t, "show hidden post", res, http.StatusOK)
			boardtest.MustContain(t, "hidden post", res.Body, `data-testid="hidden-notice"`, reason, w.Post.Title)
			list := c.Get("/posts")
			boardtest.MustContain(t, "list", list.Body, w.Post.Title, `class="hidden-label"`)
		})
	}
	t.Run("another member gets 404 and an empty list", func(t *testing.T) {
		c := bob.Bind(t)
		for _, r := range []struct{ method, path string }{
			{"GET", "/posts/" + pid}, {"GET", "/posts/" + pid + "/edit"},
			{"POST", "/posts/" + pid + "/comments"}, {"GET", "/comments/" + itoa(w.Comment.ID) + "/edit"},
		} {
			var res *boardtest.Response
			if r.method == "GET" {
				res = c.Get(r.path)
			} else {
				res = c.Post(r.path, url.Values{"body": {"a comment on a hidden post"}})
			}
			boardtest.WantStatus(t, r.method+" "+r.path, res, http.StatusNotFound)
			boardtest.MustNotContain(t, r.path, res.Body, w.Post.Title, w.Post.Body, reason, w.Comment.Body)
		}
		list := c.Get("/posts")
		boardtest.WantStatus(t, "list", list, http.StatusOK)
		boardtest.MustNotContain(t, "list", list.Body, w.Post.Title, "/posts/"+pid+`"`)
		if n := len(b.AllComments(t)); n != 1 {
			t.Errorf("comments: %d, want 1 (no comment on a hidden post)", n)
		}
	})

	res = admin.Post("/admin/posts/"+pid+"/restore", nil)
	if !boardtest.WantStatus(t, "restore", res, http.StatusSeeOther) {
		return
	}
	t.Run("restore brings it back", func(t *testing.T) {
		c := bob.Bind(t)
		res := c.Get("/posts/" + pid)
		boardtest.WantStatus(t, "restored post", res, http.StatusOK)
		boardtest.MustContain(t, "restored post", res.Body, w.Post.Title, w.Comment.Body)
		boardtest.MustNotContain(t, "restored post", res.Body, `data-testid="hidden-notice"`, reason)
		boardtest.MustContain(t, "list", c.Get("/posts").Body, w.Post.Title)
		boardtest.MustNotContain(t, "author's view", alice.Bind(t).Get("/posts/"+pid).Body, `data-testid="hidden-notice"`)
	})
}

func TestHiddenCommentVisibility(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	pid, cid := itoa(w.Post.ID), itoa(w.Comment.ID)
	const reason = "Personal attack zq6"
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	admin := b.SignedIn(t, "ada@example.com", adminPW)

	res := admin.Post("/admin/comments/"+cid+"/hide", url.Values{"reason": {reason}})
	if !boardtest.WantStatus(t, "hide comment", res, http.StatusSeeOther) {
		return
	}
	for _, v := range []struct {
		name string
		c    *boardtest.Client
	}{{"author", alice}, {"admin", admin}} {
		t.Run(v.name+" sees the hidden comment with the reason", func(t *testing.T) {
			res := v.c.Bind(t).Get("/posts/" + pid)
			boardtest.WantStatus(t, "post", res, http.StatusOK)
			boardtest.MustContain(t, "post", res.Body, w.Comment.Body, `data-testid="hidden-notice"`, reason)
		})
	}
	t.Run("another member does not", func(t *testing.T) {
		c := bob.Bind(t)
		res := c.Get("/posts/" + pid)
		boardtest.WantStatus(t, "post", res, http.StatusOK)
		boardtest.MustContain(t, "post", res.Body, w.Post.Title)
		boardtest.MustNotContain(t, "post", res.Body, w.Comment.Body, reason, "comment-"+cid)
		res = c.Get("/comments/" + cid + "/edit")
		boardtest.WantStatus(t, "edit hidden comment", res, http.StatusNotFound)
		boardtest.MustNotContain(t, "404", res.Body, w.Comment.Body, reason)
		boardtest.MustContain(t, "list count", c.Get("/posts").Body, `data-testid="comment-count">0<`)
	})
	res = admin.Post("/admin/comments/"+cid+"/restore", nil)
	if !boardtest.WantStatus(t, "restore comment", res, http.StatusSeeOther) {
		return
	}
	t.Run("restore brings it back", func(t *testing.T) {
		res := bob.Bind(t).Get("/posts/" + pid)
		boardtest.MustContain(t, "post", res.Body, w.Comment.Body)
		boardtest.MustNotContain(t, "post", res.Body, reason)
		boardtest.MustContain(t, "list count", bob.Bind(t).Get("/posts").Body, `data-testid="comment-count">1<`)
	})
}

func TestModerationNeedsAReason(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	admin := b.SignedIn(t, "ada@example.com", adminPW)
	for _, target := range []struct{ name, path string }{
		{"post", "/admin/posts/" + itoa(w.Post.ID) + "/hide"},
		{"comment", "/admin/comments/" + itoa(w.Comment.ID) + "/hide"},
		{"user", "/admin/users/" + itoa(w.Bob.ID) + "/suspend"},
	} {
		for _, reason := range []struct {
			name string
			form url.Values
		}{
			{"missing", url.Values{}},
			{"empty", url.Values{"reason": {""}}},
			{"blank", url.Values{"reason": {"  \t "}}},
			{"too long", url.Values{"reason": {strings.Repeat("r", models.MaxReason+1)}}},
			{"invalid UTF-8", url.Values{"reason": {"bad\xff"}}},
		} {
			t.Run(target.name+" "+reason.name, func(t *testing.T) {
				audit := len(b.AuditEvents(t, ""))
				res := admin.Bind(t).Post(target.path, reason.form)
				boardtest.WantStatus(t, target.path, res, http.StatusUnprocessableEntity)
				boardtest.MustContain(t, "422 page", res.Body, "reason", "Nothing was changed")
				if p := b.Post(t, w.Post.ID); p.Hidden() {
					t.Errorf("post hidden without a valid reason")
				}
				if cm := b.Comment(t, w.Comment.ID); cm.Hidden() {
					t.Errorf("comment hidden without a valid reason")
				}
				if u := b.User(t, w.Bob.ID); u.IsSuspended() {
					t.Errorf("member suspended without a valid reason")
				}
				if got := len(b.AuditEvents(t, "")); got != audit {
					t.Errorf("audit rows %d, want %d", got, audit)
				}
			})
		}
	}
	t.Run("unknown role", func(t *testing.T) {
		res := admin.Bind(t).Post("/admin/users/"+itoa(w.Bob.ID)+"/role", url.Values{"role": {"superuser"}})
		boardtest.WantStatus(t, "role=superuser", res, http.StatusUnprocessableEntity)
		if u := b.User(t, w.Bob.ID); u.Role != models.RoleMember {
			t.Errorf("bob role %q", u.Role)
		}
	})
}

func TestAdminCannotManageThemselves(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	admin := b.SignedIn(t, "ada@example.com", adminPW)
	self := "/admin/users/" + itoa(w.Admin.ID)
	for _, r := range []struct {
		path string
		form url.Values
	}{
		{self + "/suspend", url.Values{"reason": {"testing"}}},
		{self + "/role", url.Values{"role": {"member"}}},
		{self + "/role", url.Values{"role": {"admin"}}},
		{self + "/reinstate", nil},
	} {
		t.Run(r.path+" "+r.form.Encode(), func(t *testing.T) {
			res := admin.Bind(t).Post(r.path, r.form)
			boardtest.WantStatus(t, r.path, res, http.StatusForbidden)
			boardtest.MustContain(t, "403 page", res.Body, "Authorization", "their own account")
		})
	}
	u := b.User(t, w.Admin.ID)
	if u.Role != models.RoleAdmin || u.IsSuspended() {
		t.Errorf("admin changed themselves: %+v", u)
	}
	if n := len(b.AuditEvents(t, models.AuditRoleRevoked)) + len(b.AuditEvents(t, models.AuditUserSuspended)); n != 0 {
		t.Errorf("%d audit rows for refused self-management", n)
	}
	boardtest.WantStatus(t, "admin still admin", admin.Get("/admin"), http.StatusOK)
}

func TestSuspensionEndsLiveSession(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	const reason = "Posting spam links zq7"
	a := b.SignedIn(t, "bob@example.com", bobPW)
	if res := a.Get("/posts"); res.Status != http.StatusOK {
		t.Fatalf("bob GET /posts: %d", res.Status)
	}
	oldCookie := a.SessionCookie()
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	res := ada.Post("/admin/users/"+itoa(w.Bob.ID)+"/suspend", url.Values{"reason": {reason}})
	if !boardtest.WantStatus(t, "suspend", res, http.StatusSeeOther) {
		return
	}

	res = a.Get("/posts")
	boardtest.WantStatus(t, "suspended member's next request", res, http.StatusUnauthorized)
	boardtest.MustContain(t, "sign-in page", res.Body, "suspended", `data-testid="login-form"`)
	boardtest.MustNotContain(t, "sign-in page", res.Body, w.Post.Title)
	boardtest.WantStatus(t, "and the one after", a.Get("/posts"), http.StatusUnauthorized)
	boardtest.WantStatus(t, "a post from the dead session", a.Post("/posts", url.Values{"title": {"x"}, "body": {"y"}}), http.StatusUnauthorized)
	replay := b.Client(t)
	replay.SetSessionCookie(oldCookie)
	boardtest.WantStatus(t, "replayed pre-suspension cookie", replay.Get("/posts"), http.StatusUnauthorized)

	res = a.Post("/login", url.Values{"email": {"bob@example.com"}, "password": {bobPW}})
	boardtest.WantStatus(t, "suspended sign-in", res, http.StatusForbidden)
	boardtest.MustContain(t, "suspended sign-in", res.Body, "suspended", reason)
	boardtest.WantStatus(t, "still signed out", a.Get("/posts"), http.StatusUnauthorized)

	res = ada.Post("/admin/users/"+itoa(w.Bob.ID)+"/reinstate", nil)
	if !boardtest.WantStatus(t, "reinstate", res, http.StatusSeeOther) {
		return
	}
	a.Login("bob@example.com", bobPW)
	boardtest.WantStatus(t, "reinstated member", a.Get("/posts"), http.StatusOK)
}

// A role change takes effect on the target's very next request: never does a
// request run with the old role. The board ends the target's sessions on a
// role change (models.Users.SetRole: "the new role starts with a fresh
// sign-in"), so the next request may also be the sign-in page (401); after
// signing in the new role applies.
func TestRoleChangeTakesEffectOnNextRequest(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	admin := b.SignedIn(t, "ada@example.com", adminPW)
	roleURL := "/admin/users/" + itoa(w.Bob.ID) + "/role"
	hideURL := "/admin/posts/" + itoa(w.Post.ID) + "/hide"

	boardtest.WantStatus(t, "member GET /admin", bob.Get("/admin"), http.StatusForbidden)

	boardtest.WantStatus(t, "grant", admin.Post(roleURL, url.Values{"role": {"admin"}}), http.StatusSeeOther)
	res := bob.Get("/admin")
	switch res.Status {
	case http.StatusOK:
	case http.StatusUnauthorized:
		boardtest.MustContain(t, "granted, session ended", res.Body, `data-testid="login-form"`)
		bob.Login("bob@example.com", bobPW)
		res = bob.Get("/admin")
		boardtest.WantStatus(t, "granted admin after signing in", res, http.StatusOK)
	default:
		t.Fatalf("granted member's next GET /admin: %d, want 200 (or 401 and a fresh sign-in); the old role is still in force", res.Status)
	}
	boardtest.MustContain(t, "whoami", res.Body, "Bob Bystander", "<strong>admin</strong>")
	boardtest.WantStatus(t, "new admin hides", bob.Post(hideURL, url.Values{"reason": {"test"}}), http.StatusSeeOther)
	boardtest.WantStatus(t, "new admin restores", bob.Post("/admin/posts/"+itoa(w.Post.ID)+"/restore", nil), http.StatusSeeOther)

	boardtest.WantStatus(t, "revoke", admin.Post(roleURL, url.Values{"role": {"member"}}), http.StatusSeeOther)
	res = bob.Get("/admin")
	switch res.Status {
	case http.StatusForbidden:
	case http.StatusUnauthorized:
		boardtest.MustContain(t, "revoked, session ended", res.Body, `data-testid="login-form"`)
		bob.Login("bob@example.com", bobPW)
		res = bob.Get("/admin")
		boardtest.WantStatus(t, "revoked admin after signing in", res, http.StatusForbidden)
	default:
		t.Fatalf("revoked admin's next GET /admin: %d, want 403 (or 401); the old role is still in force", res.Status)
	}
	boardtest.MustContain(t, "revoked", res.Body, "Authorization", "Only admins may")
	res = bob.Post(hideURL, url.Values{"reason": {"test"}})
	boardtest.WantStatus(t, "revoked admin hides", res, http.StatusForbidden)
	if b.Post(t, w.Post.ID).Hidden() {
		t.Errorf("post hidden by a revoked admin")
	}
	if u := b.User(t, w.Bob.ID); u.Role != models.RoleMember {
		t.Errorf("bob's role %q, want member", u.Role)
	}
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	carol := b.CreateUser(t, "carol@example.com", "Carol Target", "carol-password-1", models.RoleMember)

	// Sign-in failures (unknown email, wrong password), success, sign out.
	anon := b.Client(t)
	anon.Post("/login", url.Values{"email": {"ghost@example.com"}, "password": {"ghost-secret-pw"}})
	anon.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {"wrong-secret-pw"}})
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	boardtest.WantStatus(t, "logout", alice.Post("/logout", nil), http.StatusSeeOther)

	admin := b.SignedIn(t, "ada@example.com", adminPW)
	pid, cid, uid := itoa(w.Post.ID), itoa(w.Comment.ID), itoa(carol.ID)
	for _, r := range []struct {
		path string
		form url.Values
	}{
		{"/admin/posts/" + pid + "/hide", url.Values{"reason": {"post reason zq"}}},
		{"/admin/posts/" + pid + "/restore", nil},
		{"/admin/comments/" + cid + "/hide", url.Values{"reason": {"comment reason zq"}}},
		{"/admin/comments/" + cid + "/restore", nil},
		{"/admin/users/" + uid + "/suspend", url.Values{"reason": {"suspend reason zq"}}},
		{"/admin/users/" + uid + "/reinstate", nil},
		{"/admin/users/" + uid + "/role", url.Values{"role": {"admin"}}},
		{"/admin/users/" + uid + "/role", url.Values{"role": {"member"}}},
	} {
		boardtest.WantStatus(t, r.path, admin.Post(r.path, r.form), http.StatusSeeOther)
	}

	expect := []struct {
		kind       models.AuditKind
		n          int
		actor      int64
		targetType string
		target     int64
		detail     string
	}{
		{models.AuditSignIn, 2, w.Alice.ID, "user", w.Alice.ID, ""}, // newest is the admin's; checked below
		{models.AuditSignOut, 1, w.Alice.ID, "user", w.Alice.ID, ""},
		{models.AuditPostHidden, 1, w.Admin.ID, "post", w.Post.ID, "post reason zq"},
		{models.AuditPostRestored, 1, w.Admin.ID, "post", w.Post.ID, ""},
		{models.AuditCommentHidden, 1, w.Admin.ID, "comment", w.Comment.ID, "comment reason zq"},
		{models.AuditCommentRestored, 1, w.Admin.ID, "comment", w.Comment.ID, ""},
		{models.AuditUserSuspended, 1, w.Admin.ID, "user", carol.ID, "suspend reason zq"},
		{models.AuditUserReinstated, 1, w.Admin.ID, "user", carol.ID, ""},
		{models.AuditRoleRevoked, 1, w.Admin.ID, "user", carol.ID, ""},
	}
	for _, e := range expect {
		t.Run(string(e.kind), func(t *testing.T) {
			rows := b.AuditEvents(t, e.kind)
			if len(rows) != e.n {
				t.Fatalf("%d %s rows, want %d", len(rows), e.kind, e.n)
			}
			got := rows[len(rows)-1] // the oldest of that kind
			if got.ActorID != e.actor || got.TargetType != e.targetType || got.TargetID != e.target ||
				(e.detail != "" && got.Detail != e.detail) {
				t.Errorf("%s row: actor %d target %s %d detail %q; want actor %d target %s %d detail %q",
					e.kind, got.ActorID, got.TargetType, got.TargetID, got.Detail, e.actor, e.targetType, e.target, e.detail)
			}
			if got.ClientIP != "127.0.0.1" {
				t.Errorf("%s row client address %q, want 127.0.0.1", e.kind, got.ClientIP)
			}
		})
	}
	t.Run("role granted", func(t *testing.T) {
		// boardtest.CreateUser grants through the store too (actor 0): pick the admin's grant.
		var found bool
		for _, e := range b.AuditEvents(t, models.AuditRoleGranted) {
			if e.ActorID == w.Admin.ID && e.TargetID == carol.ID {
				found = true
			}
		}
		if !found {
			t.Errorf("no role_granted row by the admin for carol")
		}
	})
	t.Run("sign-in failures", func(t *testing.T) {
		rows := b.AuditEvents(t, models.AuditSignInFailed)
		if len(rows) != 2 {
			t.Fatalf("%d sign_in_failed rows, want 2", len(rows))
		}
		// Newest first: wrong password for alice, then the unknown email.
		if rows[0].TargetID != w.Alice.ID || !strings.Contains(rows[0].Detail, "alice@example.com") {
			t.Errorf("wrong-password row: target %d detail %q", rows[0].TargetID, rows[0].Detail)
		}
		if rows[1].TargetID != 0 || !strings.Contains(rows[1].Detail, "ghost@example.com") {
			t.Errorf("unknown-email row: target %d detail %q", rows[1].TargetID, rows[1].Detail)
		}
	})
	t.Run("no password reaches the log", func(t *testing.T) {
		page, err := b.Audit.List(t.Context(), models.AuditFilter{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			for _, secret := range []string{"ghost-secret-pw", "wrong-secret-pw", alicePW, adminPW} {
				if strings.Contains(e.Detail, secret) {
					t.Errorf("audit row %d (%s) contains a password: %q", e.ID, e.Kind, e.Detail)
				}
			}
		}
	})
	t.Run("chain verifies", func(t *testing.T) {
		n, err := b.Audit.Verify(t.Context())
		if err != nil || n == 0 {
			t.Errorf("Verify: %d rows, %v", n, err)
		}
	})
	t.Run("the admin page lists them", func(t *testing.T) {
		res := admin.Bind(t).Get("/admin?kind=post_hidden")
		boardtest.WantStatus(t, "admin audit filter", res, http.StatusOK)
		boardtest.MustContain(t, "audit log", res.Body, "post reason zq")
		boardtest.MustNotContain(t, "filtered audit log", res.Body, "suspend reason zq")
	})
}
