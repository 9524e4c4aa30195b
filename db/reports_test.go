package db

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"board/models"
)

func as(u *models.User) models.Actor { return models.Actor{UserID: u.ID, ClientIP: "192.0.2.9"} }

// The queue groups open reports by item, orders items by their oldest open
// report, and pages by it; settled reports and deleted content drop out.
func TestReportQueue(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author, admin := e.user(t, "Author", models.RoleMember), e.user(t, "Admin", models.RoleAdmin)
	var reporters []*models.User
	for i := range 3 {
		reporters = append(reporters, e.user(t, fmt.Sprintf("Reporter%d", i), models.RoleMember))
	}
	var posts []*models.Post
	for i := range 5 {
		posts = append(posts, e.post(t, author, fmt.Sprintf("Post %d", i)))
	}
	cm := e.comment(t, posts[0], author, "a comment")
	report := func(r *models.User, target models.ContentRef) {
		t.Helper()
		if _, err := e.Reports.Create(ctx, target, "because", as(r)); err != nil {
			t.Fatal(err)
		}
	}
	// Reported in this order: post 3, comment, post 3 again (another
	// member), post 1, post 4, post 2.
	report(reporters[0], models.PostRef(posts[3].ID))
	report(reporters[0], models.CommentRef(cm.ID))
	report(reporters[1], models.PostRef(posts[3].ID))
	report(reporters[0], models.PostRef(posts[1].ID))
	report(reporters[0], models.PostRef(posts[4].ID))
	report(reporters[2], models.PostRef(posts[2].ID))
	if _, err := e.Reports.Create(ctx, models.PostRef(posts[3].ID), "again", as(reporters[1])); !errors.Is(err, models.ErrAlreadyReported) {
		t.Errorf("a second report by the same member: %v, want ErrAlreadyReported", err)
	}

	var order []string
	after := int64(0)
	for page := 0; ; page++ {
		q, err := e.Reports.Queue(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if q.Open != 6 {
			t.Errorf("open count %d, want 6", q.Open)
		}
		for _, it := range q.Items {
			order = append(order, fmt.Sprintf("%s %d (%d)", it.Target.Type, it.Target.ID, len(it.Reports)))
		}
		if q.NextAfter == 0 {
			break
		}
		after = q.NextAfter
	}
	want := fmt.Sprintf("[post %d (2) comment %d (1) post %d (1) post %d (1) post %d (1)]", posts[3].ID, cm.ID, posts[1].ID, posts[4].ID, posts[2].ID)
	if fmt.Sprint(order) != want {
		t.Errorf("queue order %v, want %s", order, want)
	}

	// Hiding settles one item, deleting the post settles its comment's too,
	// and an author's own deletion takes a report out of the queue.
	if err := e.Posts.SetHidden(ctx, posts[3].ID, true, "spam", as(admin)); err != nil {
		t.Fatal(err)
	}
	if err := e.Posts.Remove(ctx, posts[0].ID, "off topic", as(admin)); err != nil {
		t.Fatal(err)
	}
	if err := e.Posts.Delete(ctx, posts[4].ID, author.ID); err != nil {
		t.Fatal(err)
	}
	q, err := e.Reports.Queue(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if q.Open != 2 || len(q.Items) != 2 || q.Items[0].Target.ID != posts[1].ID || q.Items[1].Target.ID != posts[2].ID {
		t.Errorf("queue after settling: open %d, items %+v", q.Open, q.Items)
	}
	statuses := map[string]int{}
	rows, err := e.DB.read.QueryContext(ctx, `SELECT status, count(*) FROM reports GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		statuses[s] = n
	}
	if fmt.Sprint(statuses) != "map[deleted:1 hidden:2 open:3]" {
		t.Errorf("report statuses %v, want 2 hidden, 1 deleted (the comment's), 3 open (one of them on a post its author deleted)", statuses)
	}
	// Each settled report told its reporter, once.
	if n := e.count(t, `SELECT count(*) FROM notifications WHERE kind = 'report_resolved'`); n != 3 {
		t.Errorf("%d report_resolved notifications, want 3", n)
	}
}

// A moderator's action is refused at the write if they were demoted or
// suspended since the handler checked, and a suspended member cannot report.
func TestModerationRecheckedAtWrite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	author, admin, member := e.user(t, "Author", models.RoleMember), e.user(t, "Admin", models.RoleAdmin), e.user(t, "Member", models.RoleMember)
	p := e.post(t, author, "A post")
	if _, err := e.Reports.Create(ctx, models.PostRef(p.ID), "spam", as(member)); err != nil {
		t.Fatal(err)
	}
	if err := e.Users.SetRole(ctx, admin.ID, models.RoleMember, models.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := e.Posts.Remove(ctx, p.ID, "bye", as(admin)); !errors.Is(err, models.ErrRefusedAtWrite) {
		t.Errorf("Remove by a demoted admin: %v, want ErrRefusedAtWrite", err)
	}
	if _, err := e.Reports.Dismiss(ctx, models.PostRef(p.ID), as(admin)); !errors.Is(err, models.ErrRefusedAtWrite) {
		t.Errorf("Dismiss by a demoted admin: %v, want ErrRefusedAtWrite", err)
	}
	other := e.user(t, "Other", models.RoleMember)
	if err := e.Users.SetSuspended(ctx, other.ID, true, "spam", models.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reports.Create(ctx, models.PostRef(p.ID), "x", as(other)); !errors.Is(err, models.ErrRefusedAtWrite) {
		t.Errorf("a suspended member's report: %v, want ErrRefusedAtWrite", err)
	}
	if n := e.count(t, `SELECT count(*) FROM posts`); n != 1 {
		t.Errorf("refused removal deleted the post")
	}
	if n := e.count(t, `SELECT count(*) FROM reports WHERE status = 'open'`); n != 1 {
		t.Errorf("%d open reports, want 1 (the refused dismissal and report changed nothing)", n)
	}
}

// A reply notifies the post's author and each earlier commenter once,
// never the replier, and nobody who commented only later.
func TestReplyRecipients(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, b, c, d := e.user(t, "A", models.RoleMember), e.user(t, "B", models.RoleMember), e.user(t, "C", models.RoleMember), e.user(t, "D", models.RoleMember)
	p := e.post(t, a, "Thread")
	e.comment(t, p, b, "b1")
	e.comment(t, p, a, "a1") // the author's own comment notifies nobody new: b is told it came after his
	e.comment(t, p, b, "b2") // a is told (her post); b is not told of his own
	last := e.comment(t, p, c, "c1")
	got := map[string][]string{}
	for _, u := range []*models.User{a, b, c, d} {
		page, err := e.Notifications.List(ctx, u.ID, false, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range page.Notifications {
			got[u.DisplayName] = append(got[u.DisplayName], string(n.Kind)+" by "+n.ActorName)
		}
	}
	want := map[string][]string{
		"A": {"reply_to_post by C", "reply_to_post by B", "reply_to_post by B"},
		"B": {"reply_in_thread by C", "reply_in_thread by A"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("notifications %v, want %v", got, want)
	}
	// What a notification is about is read as it is now.
	page, err := e.Notifications.List(ctx, b.ID, true, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := page.Notifications[0]; n.Comment == nil || n.Comment.ID != last.ID || n.Post == nil || n.Post.Title != "Thread" || page.NextBefore == 0 {
		t.Errorf("newest notification of B: %+v (next %d)", n, page.NextBefore)
	}
}
