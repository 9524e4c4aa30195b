package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"board/views"
)

// account (GET /account) shows the member's own sign-in methods.
func (h *Handlers) account(c echo.Context) error {
	u := viewer(c)
	ids, err := h.Identities.ForUser(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	v := views.AccountView{User: u, Identities: ids, Labels: map[string]string{}}
	linked := map[string]bool{}
	for _, id := range ids {
		linked[id.Provider] = true
	}
	for _, p := range h.providers() {
		v.Labels[p.Name] = p.Label
		if !linked[p.Name] {
			v.Available = append(v.Available, p)
		}
	}
	return render(c, http.StatusOK, views.Account(h.page(c, "Your account"), v))
}
