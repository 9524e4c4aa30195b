package models_test

import (
	"testing"

	"board/models"
)

// Row: report a post or comment — 401 | yes, once per item | – | yes; works the queue.
func TestPolicyReport(t *testing.T) {
	// Your own content is not yours to report: edit or delete it instead.
	visible := expect{
		"anonymous": deny401, "member": allow, "author": deny403, "admin": allow, "admin-who-is-author": deny403,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}
	// Hidden content: members may not know it exists (404); its author and
	// admins see it, and it is already dealt with (403).
	hidden := expect{
		"anonymous": deny401, "member": deny404, "author": deny403, "admin": deny403, "admin-who-is-author": deny403,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}
	check(t, "CanReport/post", visible, func(a actorKind) models.Decision {
		return models.CanReport(a.u, mkPost(ownerOf(a), false), nil)
	})
	check(t, "CanReport/hidden post", hidden, func(a actorKind) models.Decision {
		return models.CanReport(a.u, mkPost(ownerOf(a), true), nil)
	})
	check(t, "CanReport/comment", visible, func(a actorKind) models.Decision {
		p := mkPost(owner, false)
		return models.CanReport(a.u, p, mkComment(p, ownerOf(a), false))
	})
	check(t, "CanReport/hidden comment", hidden, func(a actorKind) models.Decision {
		p := mkPost(owner, false)
		return models.CanReport(a.u, p, mkComment(p, ownerOf(a), true))
	})
	// A visible comment in a hidden thread is as hidden as the thread: the
	// comment's author is not the post's, so they get the 404 too.
	check(t, "CanReport/comment in a hidden post", expect{
		"anonymous": deny401, "member": deny404, "author": deny404, "admin": allow, "admin-who-is-author": deny403,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision {
		p := mkPost(owner, true)
		return models.CanReport(a.u, p, mkComment(p, ownerOf(a), false))
	})
}

// Working the queue and deleting others' content are admin-only.
func TestPolicyQueueAndRemoval(t *testing.T) {
	adminOnly := expect{
		"anonymous": deny401, "member": deny403, "author": deny403, "admin": allow, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}
	check(t, "CanWorkReports", adminOnly, func(a actorKind) models.Decision { return models.CanWorkReports(a.u) })
	check(t, "CanRemoveContent", adminOnly, func(a actorKind) models.Decision { return models.CanRemoveContent(a.u) })
}

// notification is one addressed to the actor (to nil: to someone else).
func notification(kind models.NotificationKind, to *models.User, p *models.Post, c *models.Comment) *models.Notification {
	n := &models.Notification{ID: 1, Kind: kind, Post: p, Comment: c, Target: models.PostRef(100), PostID: 100}
	if to != nil {
		n.UserID = to.ID
	} else {
		n.UserID = owner.ID
	}
	if c != nil {
		n.Target = models.CommentRef(c.ID)
	}
	return n
}

// Row: notifications — 401 | only what the viewer may see | – | all. A reply
// notification exists for its recipient only while they may see the reply;
// the actor here is the recipient, and "owns" means they wrote the post.
func TestPolicySeeNotification(t *testing.T) {
	replier := mkUser(10, "Rae Replier", models.RoleMember, false)
	// A reply in a thread whose post is by ownerOf(a), written by replier.
	reply := func(a actorKind, postHidden, commentHidden bool) *models.Notification {
		p := mkPost(ownerOf(a), postHidden)
		return notification(models.NotifyReplyInThread, a.u, p, mkComment(p, replier, commentHidden))
	}
	check(t, "CanSeeNotification/visible reply", activeOnly, func(a actorKind) models.Decision {
		return models.CanSeeNotification(a.u, reply(a, false, false))
	})
	// The thread was hidden since: only the post's author and admins still see it.
	check(t, "CanSeeNotification/reply in a thread hidden since", expect{
		"anonymous": deny401, "member": deny404, "author": allow, "admin": allow, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision {
		return models.CanSeeNotification(a.u, reply(a, true, false))
	})
	// The reply itself was hidden since: only admins still see it.
	check(t, "CanSeeNotification/reply hidden since", expect{
		"anonymous": deny401, "member": deny404, "author": deny404, "admin": allow, "admin-who-is-author": allow,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision {
		return models.CanSeeNotification(a.u, reply(a, false, true))
	})
	// The reply was deleted since: nobody is told of it any more.
	check(t, "CanSeeNotification/reply deleted since", expect{
		"anonymous": deny401, "member": deny404, "author": deny404, "admin": deny404, "admin-who-is-author": deny404,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision {
		n := reply(a, false, false)
		n.Comment = nil
		return models.CanSeeNotification(a.u, n)
	})
	// Nobody sees another member's notifications, admins included.
	check(t, "CanSeeNotification/someone else's", expect{
		"anonymous": deny401, "member": deny404, "author": deny404, "admin": deny404, "admin-who-is-author": deny404,
		"suspended member": unavailable, "suspended author": unavailable, "suspended admin": unavailable,
	}, func(a actorKind) models.Decision {
		n := reply(a, false, false)
		n.UserID = replier.ID
		return models.CanSeeNotification(a.u, n)
	})
	// A moderator's action or a settled report is always the recipient's to
	// know, even about content they can no longer see.
	check(t, "CanSeeNotification/report settled on content hidden since", activeOnly, func(a actorKind) models.Decision {
		return models.CanSeeNotification(a.u, notification(models.NotifyReportResolved, a.u, mkPost(owner, true), nil))
	})
}

// What a notification quotes follows the same rules at the time it is shown.
func TestPolicyNotificationReveals(t *testing.T) {
	reporter := mkUser(11, "Rita Reporter", models.RoleMember, false)
	replier := mkUser(10, "Rae Replier", models.RoleMember, false)
	visible := mkPost(owner, false)
	hidden := mkPost(owner, true)
	cases := []struct {
		name string
		who  *models.User
		n    *models.Notification
		want models.NotificationReveal
	}{
		{"report on a visible post", reporter, notification(models.NotifyReportResolved, reporter, visible, nil),
			models.NotificationReveal{PostTitle: true}},
		{"report on a post hidden since", reporter, notification(models.NotifyReportResolved, reporter, hidden, nil),
			models.NotificationReveal{}},
		{"report on a post deleted since", reporter, notification(models.NotifyReportResolved, reporter, nil, nil),
			models.NotificationReveal{}},
		{"report on a hidden comment in a visible post", reporter,
			notification(models.NotifyReportResolved, reporter, visible, mkComment(visible, replier, true)),
			models.NotificationReveal{PostTitle: true}},
		{"an admin sees a hidden post's title", admin, notification(models.NotifyReportResolved, admin, hidden, nil),
			models.NotificationReveal{PostTitle: true}},
		{"a visible reply", reporter, notification(models.NotifyReplyInThread, reporter, visible, mkComment(visible, replier, false)),
			models.NotificationReveal{PostTitle: true, CommentText: true}},
		{"a reply in a thread hidden since", reporter, notification(models.NotifyReplyInThread, reporter, hidden, mkComment(hidden, replier, false)),
			models.NotificationReveal{}},
		{"the author's own hidden comment", replier, notification(models.NotifyContentHidden, replier, visible, mkComment(visible, replier, true)),
			models.NotificationReveal{PostTitle: true, CommentText: true}},
		{"the author's own comment in a thread hidden since", replier,
			notification(models.NotifyContentRestored, replier, hidden, mkComment(hidden, replier, false)),
			models.NotificationReveal{}},
		{"someone else's notification", replier, notification(models.NotifyReplyInThread, reporter, visible, mkComment(visible, owner, false)),
			models.NotificationReveal{}},
		{"anonymous", nil, notification(models.NotifyReplyInThread, reporter, visible, mkComment(visible, owner, false)),
			models.NotificationReveal{}},
		{"suspended", suspended, notification(models.NotifyContentHidden, suspended, visible, nil),
			models.NotificationReveal{}},
	}
	for _, c := range cases {
		if got := models.NotificationReveals(c.who, c.n); got != c.want {
			t.Errorf("%s: reveals %+v, want %+v", c.name, got, c.want)
		}
	}
}

// Every notification kind is listed once and described in words.
func TestNotificationKinds(t *testing.T) {
	seen := map[models.NotificationKind]bool{}
	for _, k := range models.NotificationKinds() {
		if seen[k] {
			t.Errorf("kind %q listed twice", k)
		}
		seen[k] = true
		if k.Describe() == string(k) || k.Describe() == "" {
			t.Errorf("kind %q has no description", k)
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d kinds, want 6", len(seen))
	}
}
