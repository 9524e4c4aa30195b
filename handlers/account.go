package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/auth"
	"board/models/tokens"
	"board/views"
)

// reauthWindow is how long a provider re-authentication lets a member
// without a password make sensitive changes.
const reauthWindow = 5 * time.Minute

// account (GET /account) shows the member's profile, sign-in methods and sessions.
func (h *Handlers) account(c echo.Context) error {
	return h.renderAccount(c, http.StatusOK, views.AccountForms{})
}

func (h *Handlers) renderAccount(c echo.Context, status int, forms views.AccountForms) error {
	u := viewer(c)
	ctx := c.Request().Context()
	ids, err := h.Identities.ForUser(ctx, u.ID)
	if err != nil {
		return err
	}
	sessions, err := h.sessions.list(ctx, u.ID)
	if err != nil {
		return err
	}
	families, err := h.TokenFamilies.ForUser(ctx, u.ID)
	if err != nil {
		return err
	}
	if forms.Profile.Email == "" && forms.Profile.DisplayName == "" {
		forms.Profile.Email, forms.Profile.DisplayName = u.Email, u.DisplayName
		if u.EmailReleased() {
			forms.Profile.Email = ""
		}
	}
	notice, err := h.Notices.Open(ctx, u.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	v := views.AccountView{User: u, Identities: ids, Labels: map[string]string{}, Forms: forms, SignInNotice: notice,
		Sessions: sessions, CurrentSession: h.sessions.currentHash(ctx), Reauthenticated: h.sessions.reauthenticated(ctx),
		TokenFamilies: families, ClientLabels: clientLabels}
	if pending, err := h.MailTokens.Pending(ctx, u.ID, models.TokenChangeEmail); err == nil {
		v.PendingEmail = pending.Email
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	linked := map[string]bool{}
	for _, id := range ids {
		linked[id.Provider] = true
	}
	for _, p := range h.providers() {
		v.Labels[p.Name] = p.Label
		if !linked[p.Name] {
			v.Available = append(v.Available, p)
		} else {
			v.Linked = append(v.Linked, p)
		}
	}
	return render(c, status, views.Account(h.page(c, "Your account"), v))
}

// confirmIdentity checks the re-authentication a sensitive change needs:
// the current password, or for accounts without one a provider round trip
// in the last few minutes. It returns the message to show, or "".
func (h *Handlers) confirmIdentity(c echo.Context) (string, error) {
	u := viewer(c)
	if !u.HasPassword {
		if h.sessions.reauthenticated(c.Request().Context()) {
			return "", nil
		}
		return "Confirm it is you first: use a connected provider's \"Confirm with …\" button on this page, then try again within 5 minutes.", nil
	}
	ctx := c.Request().Context()
	err := h.Auth.ConfirmPassword(ctx, u, c.Request().PostFormValue("current_password"), h.sessions.currentHash(ctx), actor(c))
	if errors.Is(err, auth.ErrWrongPassword) {
		return "Your current password is not correct.", nil
	}
	return "", err
}

// requireConfirmation is confirmIdentity for actions without a form of
// their own: a failure re-renders the account page with the message.
func (h *Handlers) requireConfirmation(c echo.Context) error {
	msg, err := h.confirmIdentity(c)
	if err != nil || msg == "" {
		return err
	}
	return h.renderAccount(c, http.StatusUnprocessableEntity, views.AccountForms{Methods: views.MethodsForm{Error: msg}})
}

// changePassword (POST /account/password) sets or changes the password and
// ends every other session.
func (h *Handlers) changePassword(c echo.Context) error {
	u := viewer(c)
	ctx := c.Request().Context()
	form := views.PasswordForm{Errors: models.FieldErrors{}}
	msg, err := h.confirmIdentity(c)
	if err != nil {
		return err
	}
	if msg != "" {
		form.Errors["current_password"] = msg
	}
	password := c.FormValue("new_password")
	if m := models.ValidatePassword(password); m != "" {
		form.Errors["new_password"] = m
	}
	if len(form.Errors) > 0 {
		return h.renderAccount(c, http.StatusUnprocessableEntity, views.AccountForms{Password: form})
	}
	ended, err := h.Auth.SetPassword(ctx, u, password, h.sessions.currentHash(ctx), actor(c))
	if err != nil {
		return err
	}
	if err := h.renewSession(c, u); err != nil {
		return err
	}
	h.flash(c, "Your password is changed. "+plural(ended, "other session was", "other sessions were")+" signed out.")
	return seeOther(c, "/account")
}

// updateProfile (POST /account/profile) changes email and display name.
func (h *Handlers) updateProfile(c echo.Context) error {
	u := viewer(c)
	form := views.ProfileForm{
		Email:       strings.TrimSpace(c.FormValue("email")),
		DisplayName: strings.TrimSpace(c.FormValue("display_name")),
		Errors:      models.FieldErrors{},
	}
	if m := models.ValidateEmail(form.Email); m != "" {
		form.Errors["email"] = m
	}
	if m := models.ValidateDisplayName(form.DisplayName); m != "" {
		form.Errors["display_name"] = m
	}
	msg, err := h.confirmIdentity(c)
	if err != nil {
		return err
	}
	if msg != "" {
		form.Errors["current_password"] = msg
	}
	ctx := c.Request().Context()
	newEmail := len(form.Errors) == 0 && !strings.EqualFold(form.Email, u.Email)
	if newEmail {
		// The address changes only once a link mailed to it is used.
		err = h.Auth.RequestEmailChange(ctx, u, form.Email, actor(c))
		if errors.Is(err, auth.ErrEmailTaken) {
			form.Errors["email"] = "Another account uses this email."
		} else if err != nil {
			return err
		}
	}
	if len(form.Errors) > 0 {
		return h.renderAccount(c, http.StatusUnprocessableEntity, views.AccountForms{Profile: form})
	}
	if err := h.Users.UpdateProfile(ctx, u, form.DisplayName, actor(c)); err != nil {
		return err
	}
	saved := "Your profile is saved."
	if newEmail {
		saved += " We sent a link to " + form.Email + ": your address changes when you open it (within 24 hours)."
	}
	h.flash(c, saved)
	return seeOther(c, "/account")
}

// revokeSession (POST /account/sessions/:id/revoke) ends one of the member's sessions.
func (h *Handlers) revokeSession(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := h.sessions.revoke(c.Request().Context(), viewer(c).ID, id, actor(c)); err != nil {
		return err
	}
	h.flash(c, "That session is signed out. It will be refused on its next request.")
	return seeOther(c, "/account")
}

// clientLabels names the board's own API clients on the account page.
var clientLabels = map[string]string{
	tokens.FirstPartyClient: "API sign-in (POST /api/v1/token)",
	tokens.LearnPageClient:  "The /learn token page",
}

// revokeTokenFamily (POST /account/tokens/:id/revoke) ends one of the
// member's token families: its tokens are refused on their next request.
func (h *Handlers) revokeTokenFamily(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := h.TokenFamilies.Revoke(c.Request().Context(), viewer(c).ID, id, models.RevokedByMember, actor(c)); err != nil {
		return err
	}
	h.flash(c, "Those API tokens are revoked. Their next request is refused, and their refresh token no longer works.")
	return seeOther(c, "/account")
}

// endOtherSessions (POST /account/sessions/end-others) is "sign out everywhere else".
func (h *Handlers) endOtherSessions(c echo.Context) error {
	ctx := c.Request().Context()
	n, err := h.sessions.endOthers(ctx, viewer(c).ID, actor(c))
	if err != nil {
		return err
	}
	h.flash(c, plural(n, "other session was", "other sessions were")+" signed out, and every API token revoked. This one stays signed in.")
	return seeOther(c, "/account")
}

// deleteAccount (POST /account/delete) removes the account after re-authentication.
func (h *Handlers) deleteAccount(c echo.Context) error {
	u := viewer(c)
	form := views.DeleteForm{KeepPosts: c.FormValue("posts") != "delete", Errors: models.FieldErrors{}}
	msg, err := h.confirmIdentity(c)
	if err != nil {
		return err
	}
	if msg != "" {
		form.Errors["current_password"] = msg
	}
	if c.FormValue("confirm") != "DELETE" {
		form.Errors["confirm"] = "Type DELETE to confirm."
	}
	if len(form.Errors) > 0 {
		return h.renderAccount(c, http.StatusUnprocessableEntity, views.AccountForms{Delete: form})
	}
	if err := h.Users.Delete(c.Request().Context(), u.ID, form.KeepPosts, actor(c)); err != nil {
		return err
	}
	if err := h.sessions.discard(c.Request().Context()); err != nil {
		return err
	}
	c.Set(ctxUser, nil)
	h.flash(c, "Your account is deleted. Goodbye.")
	return seeOther(c, "/")
}

// dismissNotice (POST /account/notices/:id/dismiss) closes the member's
// sign-in notice; later failures start a new one.
func (h *Handlers) dismissNotice(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := h.Notices.Dismiss(c.Request().Context(), viewer(c).ID, id); err != nil {
		return err
	}
	h.flash(c, "Notice dismissed.")
	return seeOther(c, "/account")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
