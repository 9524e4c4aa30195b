package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// Deleting and role changes take two steps: a GET that says what will
// happen and changes nothing, then the POST it carries (with the CSRF token).
func TestConfirmationPages(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	w := seedCast(t, b)
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	bob := b.SignedIn(t, "bob@example.com", bobPW)
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	pid, cid, uid := itoa(w.Post.ID), itoa(w.Comment.ID), itoa(w.Bob.ID)

	// The post page links to the confirmation, not straight to the deletion.
	page := alice.Get("/posts/" + pid)
	boardtest.MustContain(t, "post page", page.Body, `href="/posts/`+pid+`/delete"`, `href="/comments/`+cid+`/delete"`)
	boardtest.MustNotContain(t, "post page", page.Body, `action="/posts/`+pid+`/delete"`)
	before := boardState(t, b)

	res := alice.Get("/posts/" + pid + "/delete")
	boardtest.WantPage(t, "confirm deleting the post", res, http.StatusOK, "Delete your post?", w.Post.Title, "there is no undo", "Its 1 comment goes with it.")
	boardtest.MustContain(t, "the confirmation posts with a token", res.Body, `action="/posts/`+pid+`/delete"`, `name="_csrf"`, `data-testid="confirm-cancel"`)
	boardtest.WantPage(t, "confirm deleting the comment", alice.Get("/comments/"+cid+"/delete"), http.StatusOK, "Delete your comment?", w.Comment.Body)
	boardtest.WantStatus(t, "bob's confirmation of alice's post", bob.Get("/posts/"+pid+"/delete"), http.StatusForbidden)
	boardtest.WantStatus(t, "bob's confirmation of alice's comment", bob.Get("/comments/"+cid+"/delete"), http.StatusForbidden)

	res = ada.Get("/admin/users/" + uid + "/role?role=admin")
	boardtest.WantPage(t, "confirm making bob an admin", res, http.StatusOK, "Make Bob Bystander an admin?", "Every session of Bob Bystander ends now")
	boardtest.MustContain(t, "the role confirmation", res.Body, `action="/admin/users/`+uid+`/role"`, `name="role" value="admin"`)
	boardtest.WantPage(t, "confirm a role bob has", ada.Get("/admin/users/"+uid+"/role?role=member"), http.StatusOK, "already member")
	boardtest.WantStatus(t, "a member's role confirmation", bob.Get("/admin/users/"+uid+"/role?role=admin"), http.StatusForbidden)
	boardtest.WantStatus(t, "an admin's own role", ada.Get("/admin/users/"+itoa(w.Admin.ID)+"/role?role=member"), http.StatusForbidden)
	boardtest.MustContain(t, "the admin page links to the confirmation", ada.Get("/admin").Body, `href="/admin/users/`+uid+`/role?role=admin"`)

	if after := boardState(t, b); after != before {
		t.Fatalf("confirmation pages changed the board:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// Confirmed, they act.
	boardtest.WantStatus(t, "make bob an admin", ada.Post("/admin/users/"+uid+"/role", url.Values{"role": {"admin"}}), http.StatusSeeOther)
	if u := b.User(t, w.Bob.ID); u.Role != models.RoleAdmin {
		t.Errorf("bob's role %q after confirming", u.Role)
	}
	boardtest.WantStatus(t, "delete the comment", alice.Post("/comments/"+cid+"/delete", nil), http.StatusSeeOther)
	boardtest.WantStatus(t, "delete the post", alice.Post("/posts/"+pid+"/delete", nil), http.StatusSeeOther)
	if b.Post(t, w.Post.ID) != nil || b.Comment(t, w.Comment.ID) != nil {
		t.Errorf("confirmed deletions left the content")
	}
}
