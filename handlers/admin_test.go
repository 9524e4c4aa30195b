package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"board/models"
)

// TestAdminRoutesByRole: anonymous 401, member 403 (authorization), admin allowed.
func TestAdminRoutesByRole(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	carol := ts.createUser("carol@example.com", "Carol Target", "carol-password-1", models.RoleMember)
	pid, cid, uid := itoa(w.Post.ID), itoa(w.Comment.ID), itoa(carol.ID)

	type route struct {
		method, path string
		form         url.Values
		check        func(t *testing.T) // state after the admin's request
	}
	routes := []route{
		{"GET", "/admin", nil, nil},
		{"POST", "/admin/posts/" + pid + "/hide", url.Values{"reason": {"Off topic"}}, func(t *testing.T) {
			if p := ts.postByID(t, w.Post.ID); !p.Hidden() || p.HiddenReason != "Off topic" {
				t.Errorf("post not hidden with its reason: %+v", p)
			}
		}},
		{"POST", "/admin/posts/" + pid + "/restore", nil, func(t *testing.T) {
			if p := ts.postByID(t, w.Post.ID); p.Hidden() {
				t.Errorf("post still hidden")
			}
		}},
		{"POST", "/admin/comments/" + cid + "/hide", url.Values{"reason": {"Rude"}}, func(t *testing.T) {
			if cm := ts.commentByID(t, w.Comment.ID); !cm.Hidden() || cm.HiddenReason != "Rude" {
				t.Errorf("comment not hidden with its reason: %+v", cm)
			}
		}},
		{"POST", "/admin/comments/" + cid + "/restore", nil, func(t *testing.T) {
			if cm := ts.commentByID(t, w.Comment.ID); cm.Hidden() {
				t.Errorf("comment still hidden")
			}
		}},
		{"POST", "/admin/users/" + uid + "/suspend", url.Values{"reason": {"Spam"}}, func(t *testing.T) {
			if u := ts.userByID(t, carol.ID); !u.IsSuspended() || u.SuspendReason != "Spam" {
				t.Errorf("carol not suspended with the reason: %+v", u)
			}
		}},
		{"POST", "/admin/users/" + uid + "/reinstate", nil, func(t *testing.T) {
			if u := ts.userByID(t, carol.ID); u.IsSuspended() {
				t.Errorf("carol still suspended")
			}
		}},
		{"POST", "/admin/users/" + uid + "/role", url.Values{"role": {"admin"}}, func(t *testing.T) {
			if u := ts.userByID(t, carol.ID); u.Role != models.RoleAdmin {
				t.Errorf("carol role %q, want admin", u.Role)
			}
		}},
		{"POST", "/admin/users/" + uid + "/role", url.Values{"role": {"member"}}, func(t *testing.T) {
			if u := ts.userByID(t, carol.ID); u.Role != models.RoleMember {
				t.Errorf("carol role %q, want member", u.Role)
			}
		}},
	}
	unchanged := func(t *testing.T) {
		t.Helper()
		if p := ts.postByID(t, w.Post.ID); p.Hidden() {
			t.Errorf("refused request hid the post")
		}
		if cm := ts.commentByID(t, w.Comment.ID); cm.Hidden() {
			t.Errorf("refused request hid the comment")
		}
		if u := ts.userByID(t, carol.ID); u.IsSuspended() || u.Role != models.RoleMember {
			t.Errorf("refused request changed carol: %+v", u)
		}
	}
	do := func(c *client, r route) *response {
		if r.method == "GET" {
			return c.get(r.path)
		}
		return c.post(r.path, r.form)
	}

	member := ts.signedIn(t, "bob@example.com", bobPW)
	admin := ts.signedIn(t, "ada@example.com", adminPW)
	for _, r := range routes {
		name := r.method + " " + r.path + " " + r.form.Encode()
		t.Run("anonymous "+name, func(t *testing.T) {
			c := ts.clientT(t)
			c.get("/login") // a session with a CSRF token, so only authentication can refuse it
			res := do(c, r)
			wantStatus(t, name, res, http.StatusUnauthorized)
			mustContain(t, "401 page", res.Body, "Authentication required", `data-testid="login-form"`)
			mustNotContain(t, "401 page", res.Body, "carol@example.com", "Audit log")
			unchanged(t)
		})
		t.Run("member "+name, func(t *testing.T) {
			res := do(member.bind(t), r)
			wantStatus(t, name, res, http.StatusForbidden)
			mustContain(t, "403 page", res.Body, "Authorization", "Bob Bystander", "Only admins may")
			mustNotContain(t, "403 page", res.Body, "Authentication required", "carol@example.com", "Audit log")
			unchanged(t)
		})
	}
	for _, r := range routes {
		name := r.method + " " + r.path + " " + r.form.Encode()
		t.Run("admin "+name, func(t *testing.T) {
			res := do(admin.bind(t), r)
			if r.method == "GET" {
				wantStatus(t, name, res, http.StatusOK)
				mustContain(t, "admin page", res.Body, `data-testid="admin-users"`, "carol@example.com", `data-testid="audit-log"`)
				return
			}
			wantStatus(t, name, res, http.StatusSeeOther)
			r.check(t)
		})
	}
}

func TestHiddenPostVisibility(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	pid := itoa(w.Post.ID)
	const reason = "Duplicate of an older thread zq8"
	alice := ts.signedIn(t, "alice@example.com", alicePW)
	bob := ts.signedIn(t, "bob@example.com", bobPW)
	admin := ts.signedIn(t, "ada@example.com", adminPW)

	res := admin.post("/admin/posts/"+pid+"/hide", url.Values{"reason": {reason}})
	if !wantStatus(t, "hide", res, http.StatusSeeOther) {
		return
	}
	for _, v := range []struct {
		name string
		c    *client
	}{{"author", alice}, {"admin", admin}} {
		t.Run(v.name+" still sees the hidden post with the reason", func(t *testing.T) {
			c := v.c.bind(t)
			res := c.get("/posts/" + pid)
			wantStatus(t, "show hidden post", res, http.StatusOK)
			mustContain(t, "hidden post", res.Body, `data-testid="hidden-notice"`, reason, w.Post.Title)
			list := c.get("/posts")
			mustContain(t, "list", list.Body, w.Post.Title, `class="hidden-label"`)
		})
	}
	t.Run("another member gets 404 and an empty list", func(t *testing.T) {
		c := bob.bind(t)
		for _, r := range []struct{ method, path string }{
			{"GET", "/posts/" + pid}, {"GET", "/posts/" + pid + "/edit"},
			{"POST", "/posts/" + pid + "/comments"}, {"GET", "/comments/" + itoa(w.Comment.ID) + "/edit"},
		} {
			var res *response
			if r.method == "GET" {
				res = c.get(r.path)
			} else {
				res = c.post(r.path, url.Values{"body": {"a comment on a hidden post"}})
			}
			wantStatus(t, r.method+" "+r.path, res, http.StatusNotFound)
			mustNotContain(t, r.path, res.Body, w.Post.Title, w.Post.Body, reason, w.Comment.Body)
		}
		list := c.get("/posts")
		wantStatus(t, "list", list, http.StatusOK)
		mustNotContain(t, "list", list.Body, w.Post.Title, "/posts/"+pid+`"`)
		if n := ts.count(t, "comments"); n != 1 {
			t.Errorf("comments: %d, want 1 (no comment on a hidden post)", n)
		}
	})

	res = admin.post("/admin/posts/"+pid+"/restore", nil)
	if !wantStatus(t, "restore", res, http.StatusSeeOther) {
		return
	}
	t.Run("restore brings it back", func(t *testing.T) {
		c := bob.bind(t)
		res := c.get("/posts/" + pid)
		wantStatus(t, "restored post", res, http.StatusOK)
		mustContain(t, "restored post", res.Body, w.Post.Title, w.Comment.Body)
		mustNotContain(t, "restored post", res.Body, `data-testid="hidden-notice"`, reason)
		mustContain(t, "list", c.get("/posts").Body, w.Post.Title)
		mustNotContain(t, "author's view", alice.bind(t).get("/posts/"+pid).Body, `data-testid="hidden-notice"`)
	})
}

func TestHiddenCommentVisibility(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	pid, cid := itoa(w.Post.ID), itoa(w.Comment.ID)
	const reason = "Personal attack zq6"
	alice := ts.signedIn(t, "alice@example.com", alicePW)
	bob := ts.signedIn(t, "bob@example.com", bobPW)
	admin := ts.signedIn(t, "ada@example.com", adminPW)

	res := admin.post("/admin/comments/"+cid+"/hide", url.Values{"reason": {reason}})
	if !wantStatus(t, "hide comment", res, http.StatusSeeOther) {
		return
	}
	for _, v := range []struct {
		name string
		c    *client
	}{{"author", alice}, {"admin", admin}} {
		t.Run(v.name+" sees the hidden comment with the reason", func(t *testing.T) {
			res := v.c.bind(t).get("/posts/" + pid)
			wantStatus(t, "post", res, http.StatusOK)
			mustContain(t, "post", res.Body, w.Comment.Body, `data-testid="hidden-notice"`, reason)
		})
	}
	t.Run("another member does not", func(t *testing.T) {
		c := bob.bind(t)
		res := c.get("/posts/" + pid)
		wantStatus(t, "post", res, http.StatusOK)
		mustContain(t, "post", res.Body, w.Post.Title)
		mustNotContain(t, "post", res.Body, w.Comment.Body, reason, "comment-"+cid)
		res = c.get("/comments/" + cid + "/edit")
		wantStatus(t, "edit hidden comment", res, http.StatusNotFound)
		mustNotContain(t, "404", res.Body, w.Comment.Body, reason)
		mustContain(t, "list count", c.get("/posts").Body, `data-testid="comment-count">0<`)
	})
	res = admin.post("/admin/comments/"+cid+"/restore", nil)
	if !wantStatus(t, "restore comment", res, http.StatusSeeOther) {
		return
	}
	t.Run("restore brings it back", func(t *testing.T) {
		res := bob.bind(t).get("/posts/" + pid)
		mustContain(t, "post", res.Body, w.Comment.Body)
		mustNotContain(t, "post", res.Body, reason)
		mustContain(t, "list count", bob.bind(t).get("/posts").Body, `data-testid="comment-count">1<`)
	})
}

func TestModerationNeedsAReason(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	admin := ts.signedIn(t, "ada@example.com", adminPW)
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
				audit := ts.count(t, "audit_events")
				res := admin.bind(t).post(target.path, reason.form)
				wantStatus(t, target.path, res, http.StatusUnprocessableEntity)
				mustContain(t, "422 page", res.Body, "reason", "Nothing was changed")
				if p := ts.postByID(t, w.Post.ID); p.Hidden() {
					t.Errorf("post hidden without a valid reason")
				}
				if cm := ts.commentByID(t, w.Comment.ID); cm.Hidden() {
					t.Errorf("comment hidden without a valid reason")
				}
				if u := ts.userByID(t, w.Bob.ID); u.IsSuspended() {
					t.Errorf("member suspended without a valid reason")
				}
				if got := ts.count(t, "audit_events"); got != audit {
					t.Errorf("audit rows %d, want %d", got, audit)
				}
			})
		}
	}
	t.Run("unknown role", func(t *testing.T) {
		res := admin.bind(t).post("/admin/users/"+itoa(w.Bob.ID)+"/role", url.Values{"role": {"superuser"}})
		wantStatus(t, "role=superuser", res, http.StatusUnprocessableEntity)
		if u := ts.userByID(t, w.Bob.ID); u.Role != models.RoleMember {
			t.Errorf("bob role %q", u.Role)
		}
	})
}

func TestAdminCannotManageThemselves(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	admin := ts.signedIn(t, "ada@example.com", adminPW)
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
			res := admin.bind(t).post(r.path, r.form)
			wantStatus(t, r.path, res, http.StatusForbidden)
			mustContain(t, "403 page", res.Body, "Authorization", "their own account")
		})
	}
	u := ts.userByID(t, w.Admin.ID)
	if u.Role != models.RoleAdmin || u.IsSuspended() {
		t.Errorf("admin changed themselves: %+v", u)
	}
	if n := len(ts.auditEvents(t, models.AuditRoleRevoked)) + len(ts.auditEvents(t, models.AuditUserSuspended)); n != 0 {
		t.Errorf("%d audit rows for refused self-management", n)
	}
	wantStatus(t, "admin still admin", admin.get("/admin"), http.StatusOK)
}

func TestSuspensionEndsLiveSession(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	const reason = "Posting spam links zq7"
	a := ts.signedIn(t, "bob@example.com", bobPW)
	if res := a.get("/posts"); res.Status != http.StatusOK {
		t.Fatalf("bob GET /posts: %d", res.Status)
	}
	oldCookie := a.sessionCookie()
	b := ts.signedIn(t, "ada@example.com", adminPW)
	res := b.post("/admin/users/"+itoa(w.Bob.ID)+"/suspend", url.Values{"reason": {reason}})
	if !wantStatus(t, "suspend", res, http.StatusSeeOther) {
		return
	}

	res = a.get("/posts")
	wantStatus(t, "suspended member's next request", res, http.StatusUnauthorized)
	mustContain(t, "sign-in page", res.Body, "suspended", `data-testid="login-form"`)
	mustNotContain(t, "sign-in page", res.Body, w.Post.Title)
	wantStatus(t, "and the one after", a.get("/posts"), http.StatusUnauthorized)
	wantStatus(t, "a post from the dead session", a.post("/posts", url.Values{"title": {"x"}, "body": {"y"}}), http.StatusUnauthorized)
	replay := ts.clientT(t)
	replay.setSessionCookie(oldCookie)
	wantStatus(t, "replayed pre-suspension cookie", replay.get("/posts"), http.StatusUnauthorized)

	res = a.post("/login", url.Values{"email": {"bob@example.com"}, "password": {bobPW}})
	wantStatus(t, "suspended sign-in", res, http.StatusForbidden)
	mustContain(t, "suspended sign-in", res.Body, "suspended", reason)
	wantStatus(t, "still signed out", a.get("/posts"), http.StatusUnauthorized)

	res = b.post("/admin/users/"+itoa(w.Bob.ID)+"/reinstate", nil)
	if !wantStatus(t, "reinstate", res, http.StatusSeeOther) {
		return
	}
	a.login("bob@example.com", bobPW)
	wantStatus(t, "reinstated member", a.get("/posts"), http.StatusOK)
}

// A role change takes effect on the target's very next request: never does a
// request run with the old role. The board ends the target's sessions on a
// role change (models.UserStore.SetRole: "the new role starts with a fresh
// sign-in"), so the next request may also be the sign-in page (401); after
// signing in the new role applies.
func TestRoleChangeTakesEffectOnNextRequest(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	bob := ts.signedIn(t, "bob@example.com", bobPW)
	admin := ts.signedIn(t, "ada@example.com", adminPW)
	roleURL := "/admin/users/" + itoa(w.Bob.ID) + "/role"
	hideURL := "/admin/posts/" + itoa(w.Post.ID) + "/hide"

	wantStatus(t, "member GET /admin", bob.get("/admin"), http.StatusForbidden)

	wantStatus(t, "grant", admin.post(roleURL, url.Values{"role": {"admin"}}), http.StatusSeeOther)
	res := bob.get("/admin")
	switch res.Status {
	case http.StatusOK:
	case http.StatusUnauthorized:
		mustContain(t, "granted, session ended", res.Body, `data-testid="login-form"`)
		bob.login("bob@example.com", bobPW)
		res = bob.get("/admin")
		wantStatus(t, "granted admin after signing in", res, http.StatusOK)
	default:
		t.Fatalf("granted member's next GET /admin: %d, want 200 (or 401 and a fresh sign-in); the old role is still in force", res.Status)
	}
	mustContain(t, "whoami", res.Body, "Bob Bystander", "<strong>admin</strong>")
	wantStatus(t, "new admin hides", bob.post(hideURL, url.Values{"reason": {"test"}}), http.StatusSeeOther)
	wantStatus(t, "new admin restores", bob.post("/admin/posts/"+itoa(w.Post.ID)+"/restore", nil), http.StatusSeeOther)

	wantStatus(t, "revoke", admin.post(roleURL, url.Values{"role": {"member"}}), http.StatusSeeOther)
	res = bob.get("/admin")
	switch res.Status {
	case http.StatusForbidden:
	case http.StatusUnauthorized:
		mustContain(t, "revoked, session ended", res.Body, `data-testid="login-form"`)
		bob.login("bob@example.com", bobPW)
		res = bob.get("/admin")
		wantStatus(t, "revoked admin after signing in", res, http.StatusForbidden)
	default:
		t.Fatalf("revoked admin's next GET /admin: %d, want 403 (or 401); the old role is still in force", res.Status)
	}
	mustContain(t, "revoked", res.Body, "Authorization", "Only admins may")
	res = bob.post(hideURL, url.Values{"reason": {"test"}})
	wantStatus(t, "revoked admin hides", res, http.StatusForbidden)
	if ts.postByID(t, w.Post.ID).Hidden() {
		t.Errorf("post hidden by a revoked admin")
	}
	if u := ts.userByID(t, w.Bob.ID); u.Role != models.RoleMember {
		t.Errorf("bob's role %q, want member", u.Role)
	}
}

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	w := ts.seedCast(t)
	carol := ts.createUser("carol@example.com", "Carol Target", "carol-password-1", models.RoleMember)

	// Sign-in failures (unknown email, wrong password), success, sign out.
	anon := ts.clientT(t)
	anon.post("/login", url.Values{"email": {"ghost@example.com"}, "password": {"ghost-secret-pw"}})
	anon.post("/login", url.Values{"email": {"alice@example.com"}, "password": {"wrong-secret-pw"}})
	alice := ts.signedIn(t, "alice@example.com", alicePW)
	wantStatus(t, "logout", alice.post("/logout", nil), http.StatusSeeOther)

	admin := ts.signedIn(t, "ada@example.com", adminPW)
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
		wantStatus(t, r.path, admin.post(r.path, r.form), http.StatusSeeOther)
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
			rows := ts.auditEvents(t, e.kind)
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
		// The harness's createUser grants through the store too (actor 0): pick the admin's grant.
		var found bool
		for _, e := range ts.auditEvents(t, models.AuditRoleGranted) {
			if e.ActorID == w.Admin.ID && e.TargetID == carol.ID {
				found = true
			}
		}
		if !found {
			t.Errorf("no role_granted row by the admin for carol")
		}
	})
	t.Run("sign-in failures", func(t *testing.T) {
		rows := ts.auditEvents(t, models.AuditSignInFailed)
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
		page, err := ts.Audit.List(t.Context(), models.AuditFilter{}, 1000)
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
		n, err := ts.Audit.Verify(t.Context())
		if err != nil || n == 0 {
			t.Errorf("Verify: %d rows, %v", n, err)
		}
	})
	t.Run("the admin page lists them", func(t *testing.T) {
		res := admin.bind(t).get("/admin?kind=post_hidden")
		wantStatus(t, "admin audit filter", res, http.StatusOK)
		mustContain(t, "audit log", res.Body, "post reason zq")
		mustNotContain(t, "filtered audit log", res.Body, "suspend reason zq")
	})
}
