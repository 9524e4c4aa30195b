package handlers_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"board/handlers/boardtest"
	"board/models"
)

// Two admins suspending each other at the same moment: the handlers' read
// says yes to both, but the write rechecks that the actor is still an
// unsuspended admin, so exactly one suspension happens. Repeated, because
// the losing request can fail at either check depending on timing.
func TestAdminsSuspendingEachOtherCannotBothSucceed(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	ann := b.CreateUser(t, "ann@example.com", "Ann", "ann-password-1", models.RoleAdmin)
	ben := b.CreateUser(t, "ben@example.com", "Ben", "ben-password-2", models.RoleAdmin)
	for trial := range 40 {
		b.Clock.Advance(models.SignInWindow) // each trial's two sign-ins are new sessions from one address
		a := b.SignedIn(t, "ann@example.com", "ann-password-1")
		c := b.SignedIn(t, "ben@example.com", "ben-password-2")
		reqs := []*http.Request{
			a.FormRequest("/admin/users/"+itoa(ben.ID)+"/suspend", url.Values{"_csrf": {a.CSRF()}, "reason": {"ann says so"}}.Encode()),
			c.FormRequest("/admin/users/"+itoa(ann.ID)+"/suspend", url.Values{"_csrf": {c.CSRF()}, "reason": {"ben says so"}}.Encode()),
		}
		clients := []*boardtest.Client{a, c}
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				res, err := clients[i].TryDo(reqs[i])
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = res.Status
			})
		}
		wg.Wait()
		suspended := 0
		for _, u := range []*models.User{b.User(t, ann.ID), b.User(t, ben.ID)} {
			if u.IsSuspended() {
				suspended++
			}
		}
		ok := 0
		for _, s := range statuses {
			if s == http.StatusSeeOther {
				ok++
			}
		}
		if suspended != 1 || ok != 1 {
			t.Fatalf("trial %d: statuses %v, %d admins suspended; want exactly one suspension", trial, statuses, suspended)
		}
		for _, id := range []int64{ann.ID, ben.ID} {
			if err := b.Users.SetSuspended(t.Context(), id, false, "", models.Actor{}); err != nil {
				t.Fatal(err)
			}
		}
	}
}
