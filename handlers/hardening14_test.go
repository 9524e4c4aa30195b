package handlers_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// Email squatting: a password registration of someone else's address
// blocks its owner's Facebook sign-in (409: Facebook does not vouch for
// addresses, so the address cannot change hands on its word; a provider
// that vouches, like Google, takes it over by itself). An admin releases
// the unverified address, audited; the squatting account keeps its content
// and the owner signs in.
func TestAdminReleasesASquattedAddress(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{Social: true})
	admin := b.CreateUser(t, "ada@example.com", "Ada Admin", adminPW, models.RoleAdmin)
	mal := b.Visitor(t)
	res := mal.Post("/register", url.Values{"email": {"victim@example.com"}, "display_name": {"Mallory"}, "password": {"mallory-owns-this-9"}})
	boardtest.WantStatus(t, "squatting registration", res, http.StatusSeeOther)
	squatter := b.UserByEmail(t, "victim@example.com")
	post := b.CreatePost(t, squatter, "Squatter's post", "still here")

	victim := b.Visitor(t)
	who := boardtest.Who{Email: "victim@example.com", Name: "Victoria", Verified: true}
	f := b.SignInWith(t, victim, "facebook", who, "")
	boardtest.WantPage(t, "owner's facebook sign-in while squatted", f.Final, http.StatusConflict, accountExists)

	// Members may not release addresses; an admin sees the button.
	b.CreateUser(t, "bob@example.com", "Bob", bobPW, models.RoleMember)
	member := b.SignedIn(t, "bob@example.com", bobPW)
	boardtest.WantStatus(t, "a member releasing", member.Post("/admin/users/"+itoa(squatter.ID)+"/release-email", url.Values{}), http.StatusForbidden)
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	boardtest.WantPage(t, "the member's admin page", ada.Get("/admin/users/"+itoa(squatter.ID)), http.StatusOK, "Release victim@example.com")
	res = ada.Post("/admin/users/"+itoa(squatter.ID)+"/release-email", url.Values{})
	boardtest.WantStatus(t, "admin releases the address", res, http.StatusSeeOther)
	boardtest.WantPage(t, "after releasing", ada.Get(res.Location()), http.StatusOK, "victim@example.com is released")
	boardtest.MustNotContain(t, "the placeholder cannot be released again", ada.Get("/admin/users/"+itoa(squatter.ID)).Body, "data-testid=\"release-email\"")

	after := b.User(t, squatter.ID)
	if after.Email == "victim@example.com" || !strings.HasSuffix(after.Email, ".invalid") {
		t.Errorf("squatting account's email is %q, want a placeholder under .invalid", after.Email)
	}
	if p := b.Post(t, post.ID); p.AuthorID != squatter.ID {
		t.Errorf("the squatting account's post now has author %d", p.AuthorID)
	}
	events := b.AuditEvents(t, models.AuditEmailReleased)
	if len(events) != 1 || events[0].ActorID != admin.ID || events[0].TargetID != squatter.ID || !strings.HasPrefix(events[0].Detail, "victim@example.com ") {
		t.Errorf("email_released audit %+v, want one by the admin about the account with the old address", events)
	}

	f = b.SignInWith(t, victim, "google", who, "")
	boardtest.WantStatus(t, "owner's google sign-in after the release", f.Final, http.StatusSeeOther)
	boardtest.WantSignedIn(t, "the owner", victim, "Victoria")

	// A verified address is its owner's: it cannot be released.
	owner := b.UserByEmail(t, "victim@example.com")
	boardtest.WantStatus(t, "releasing a verified address", ada.Post("/admin/users/"+itoa(owner.ID)+"/release-email", url.Values{}), http.StatusForbidden)
	if b.User(t, owner.ID).Email != "victim@example.com" {
		t.Error("a verified address was released")
	}
}

// Display names and titles refuse invisible format characters (right-to-
// left override, zero-width space); bodies may keep them (emoji joiners).
func TestNamesAndTitlesRefuseFormatCharacters(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	seedCast(t, b)
	v := b.Client(t)
	for _, name := range []string{"Ada\u202e(nimda)", "Ada\u200b", "\u2066Ada\u2069", "A\ufeffda"} {
		res := v.Post("/register", url.Values{"email": {"x@example.com"}, "display_name": {name}, "password": {"long-enough-pw-1"}})
		boardtest.WantPage(t, "display name "+strings.ToValidUTF8(name, "?"), res, http.StatusUnprocessableEntity, "invisible formatting characters")
	}
	alice := b.SignedIn(t, "alice@example.com", alicePW)
	res := alice.Post("/account/profile", url.Values{"email": {"alice@example.com"}, "display_name": {"Alice\u200d"}, "current_password": {alicePW}})
	boardtest.WantPage(t, "profile name with a joiner", res, http.StatusUnprocessableEntity, "invisible formatting characters")
	res = alice.Post("/posts", url.Values{"title": {"Hello\u200bworld"}, "body": {"body"}})
	boardtest.WantPage(t, "title with a zero-width space", res, http.StatusUnprocessableEntity, "invisible formatting characters")
	res = alice.Post("/posts", url.Values{"title": {"Family"}, "body": {"\U0001F468\u200d\U0001F469\u200d\U0001F467"}})
	boardtest.WantStatus(t, "a body with an emoji joiner", res, http.StatusSeeOther)
}

// Roles show as a badge beside the name, which no display name can
// imitate: a member named "Ada (admin)" gets none, the admin does.
func TestRoleBadgesCannotBeImitated(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	cast := seedCast(t, b)
	fake := b.CreateUser(t, "fake@example.com", "Ada Admin (admin)", "fake-password-1", models.RoleMember)
	real := b.CreatePost(t, cast.Admin, "From the admin", "body")
	imitation := b.CreatePost(t, fake, "From the imitator", "body")
	b.CreateComment(t, imitation, cast.Admin, "admin's comment")
	bob := b.SignedIn(t, "bob@example.com", bobPW)

	page := bob.Get("/posts/" + itoa(real.ID))
	boardtest.WantStatus(t, "admin's post", page, http.StatusOK)
	boardtest.MustContain(t, "admin's post", page.Body, `data-testid="role-badge"`)
	page = bob.Get("/posts/" + itoa(imitation.ID))
	meta := page.Body[strings.Index(page.Body, `data-testid="post-author"`):]
	meta = meta[:strings.Index(meta, "</div>")]
	boardtest.MustNotContain(t, "imitator's byline", meta, `data-testid="role-badge"`)
	if n := strings.Count(page.Body, `data-testid="role-badge"`); n != 1 {
		t.Errorf("imitator's post page shows %d badges, want 1 (the admin's comment)", n)
	}
	list := bob.Get("/posts")
	if n := strings.Count(list.Body, `data-testid="role-badge"`); n != 1 {
		t.Errorf("post list shows %d admin badges, want 1 (only the real admin's post)", n)
	}
}

// Every resource has one address: non-canonical ids answer 404.
func TestNonCanonicalIDsAreNotFound(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	cast := seedCast(t, b)
	ada := b.SignedIn(t, "ada@example.com", adminPW)
	id := itoa(cast.Post.ID)
	boardtest.WantStatus(t, "/posts/"+id, ada.Get("/posts/"+id), http.StatusOK)
	for _, path := range []string{"/posts/+" + id, "/posts/0000" + id, "/posts/" + id + "e0", "/posts/%2B" + id, "/posts/ " + id,
		"/posts/0", "/posts/-1", "/posts/9223372036854775808", "/posts/+" + id + "/edit", "/comments/0" + itoa(cast.Comment.ID) + "/edit",
		"/admin/users/+" + itoa(cast.Bob.ID), "/posts?before=+5"} {
		res := ada.Get(strings.ReplaceAll(path, " ", "%20"))
		want := http.StatusNotFound
		if strings.Contains(path, "before=") {
			want = http.StatusBadRequest
		}
		boardtest.WantStatus(t, path, res, want)
	}
}

// The README says a hidden post answers 401 to a visitor (who must sign in
// first) and 404 to members who are not its author.
func TestHiddenPostAnswersAsTheReadmeSays(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	cast := seedCast(t, b)
	if err := b.Posts.SetHidden(t.Context(), cast.Post.ID, true, "off topic", models.Actor{UserID: cast.Admin.ID}); err != nil {
		t.Fatal(err)
	}
	path := "/posts/" + itoa(cast.Post.ID)
	res := b.Client(t).Get(path)
	boardtest.WantStatus(t, "visitor", res, http.StatusUnauthorized)
	boardtest.MustNotContain(t, "visitor", res.Body, "Seeded post title zq1")
	boardtest.WantStatus(t, "member", b.SignedIn(t, "bob@example.com", bobPW).Get(path), http.StatusNotFound)
	boardtest.WantPage(t, "author", b.SignedIn(t, "alice@example.com", alicePW).Get(path), http.StatusOK, "off topic")
	boardtest.WantPage(t, "admin", b.SignedIn(t, "ada@example.com", adminPW).Get(path), http.StatusOK, "off topic")
	readme := readFile(t, "../README.md")
	if !strings.Contains(readme, "| see a hidden post | 401 | 404 |") {
		t.Error("README's table does not say a hidden post answers 401 to a visitor and 404 to a member")
	}
}

// A provider's network error is logged without the secrets in its URL:
// Facebook's Graph call carries appsecret_proof in its query.
func TestProviderErrorsAreLoggedWithoutSecrets(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{Social: true, FacebookGraphURL: "http://127.0.0.1:1"})
	c := b.Visitor(t)
	f := b.SignInWith(t, c, "facebook", boardtest.Who{Email: "fay@example.com", Name: "Fay"}, "")
	boardtest.WantPage(t, "facebook with its Graph API down", f.Final, http.StatusBadGateway, "did not complete the sign-in")
	logs := b.Logs.String()
	boardtest.MustContain(t, "logs", logs, "facebook me", "127.0.0.1:1/me?[redacted]")
	for _, secret := range []string{"appsecret_proof=", "access_token=", "code=", "state="} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q:\n%s", secret, logs)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
