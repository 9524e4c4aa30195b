package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/auth"
	"board/models/mail"
	"board/views"
)

var (
	errResetLinkInvalid = &pageError{http.StatusGone, "Link not valid", "This password reset link no longer works",
		"A reset link works once, for 30 minutes, and only the newest one you asked for works. This one was used, expired, replaced by a newer one, or never existed. Nothing changed. Ask for a new link from \"Forgot your password?\" on the sign-in page."}
	errConfirmLinkInvalid = &pageError{http.StatusGone, "Link not valid", "This confirmation link no longer works",
		"A confirmation link works once, for 24 hours, and only the newest one you asked for works. This one was used, expired, replaced by a newer one, or never existed. Nothing changed. Sign in and ask for a new link on your account page."}
	errAddressTaken = &pageError{http.StatusConflict, "Conflict", "Another account has confirmed this address",
		"Since this link was sent, another account confirmed this email address as theirs, so it cannot become yours. Nothing changed."}
	errNoAddress = &pageError{http.StatusConflict, "Conflict", "Your account has no email address",
		"Its address was claimed by its confirmed owner. Enter a new address in your profile first."}
)

// maxTokenLength bounds what a link's token parameter may be: real ones are 43 characters.
const maxTokenLength = 100

// swapLinkToken moves a mailed link's token out of the URL into the
// session and redirects to the same page without it, so the token never
// sits in the address bar, the history, or a Referer header. It reports
// whether it answered. Pages that handle tokens send no Referer either.
func (h *Handlers) swapLinkToken(c echo.Context, kind, path string) (bool, error) {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	token := c.QueryParam("token")
	if token == "" {
		return false, nil
	}
	h.sessions.putLinkToken(c.Request().Context(), kind, models.TokenHash(models.Truncate(token, maxTokenLength)))
	return true, seeOther(c, path)
}

// forgotForm (GET /password/forgot) asks for the address.
func (h *Handlers) forgotForm(c echo.Context) error {
	return render(c, http.StatusOK, views.Forgot(h.page(c, "Forgot your password?"), views.ForgotForm{}))
}

// forgot (POST /password/forgot) answers with the same page, status and
// (through the service) timing whether the account exists, has no
// password, or not.
func (h *Handlers) forgot(c echo.Context) error {
	form := views.ForgotForm{Email: strings.TrimSpace(c.FormValue("email"))}
	if form.Error = models.ValidateEmail(form.Email); form.Error != "" {
		return render(c, http.StatusUnprocessableEntity, views.Forgot(h.page(c, "Forgot your password?"), form))
	}
	if err := h.Auth.RequestPasswordReset(c.Request().Context(), form.Email, actor(c)); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ForgotSent(h.page(c, "Check your mail"), form.Email, models.TokenResetPassword.TTL()))
}

// resetForm (GET /password/reset) takes the link's token out of the URL,
// then asks for the new password.
func (h *Handlers) resetForm(c echo.Context) error {
	if answered, err := h.swapLinkToken(c, linkReset, mail.ResetPasswordPath); answered {
		return err
	}
	return h.renderReset(c, http.StatusOK, "")
}

func (h *Handlers) renderReset(c echo.Context, status int, msg string) error {
	u, err := h.Auth.ResetAccount(c.Request().Context(), h.sessions.linkToken(c.Request().Context(), linkReset))
	if errors.Is(err, models.ErrNotFound) {
		return errResetLinkInvalid
	}
	if err != nil {
		return err
	}
	return render(c, status, views.Reset(h.page(c, "Choose a new password"), views.ResetForm{Email: u.Email, Error: msg}))
}

// reset (POST /password/reset) sets the new password, ends every session
// of the account (this browser's too) and sends the member to sign in.
func (h *Handlers) reset(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	ctx := c.Request().Context()
	password := c.FormValue("password")
	if msg := models.ValidatePassword(password); msg != "" {
		return h.renderReset(c, http.StatusUnprocessableEntity, msg)
	}
	_, ended, err := h.Auth.ResetPassword(ctx, h.sessions.linkToken(ctx, linkReset), password, actor(c))
	if errors.Is(err, models.ErrNotFound) {
		return errResetLinkInvalid
	}
	if err != nil {
		return err
	}
	// Whatever this session held is over: the link, and any sign-in.
	if err := h.sessions.discard(ctx); err != nil {
		return err
	}
	c.Set(ctxUser, nil)
	h.flash(c, "Your new password is set and "+plural(ended, "session was", "sessions were")+" signed out. Sign in with your new password.")
	return seeOther(c, mail.LoginPath)
}

// confirmEmailForm (GET /email/confirm) takes the link's token out of the
// URL, then asks to confirm: mail scanners that follow links change nothing.
func (h *Handlers) confirmEmailForm(c echo.Context) error {
	if answered, err := h.swapLinkToken(c, linkConfirm, mail.ConfirmEmailPath); answered {
		return err
	}
	ctx := c.Request().Context()
	t, err := h.MailTokens.Peek(ctx, h.sessions.linkToken(ctx, linkConfirm), models.TokenVerifyEmail, models.TokenChangeEmail)
	if errors.Is(err, models.ErrNotFound) {
		return errConfirmLinkInvalid
	}
	if err != nil {
		return err
	}
	u, err := h.Users.ByID(ctx, t.UserID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ConfirmEmail(h.page(c, "Confirm your email address"),
		views.ConfirmEmailView{Name: u.DisplayName, Current: u.Email, Address: t.Email}))
}

// confirmEmail (POST /email/confirm) uses the link: the address is
// verified, or becomes the account's new one.
func (h *Handlers) confirmEmail(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	ctx := c.Request().Context()
	u, err := h.MailTokens.ConfirmEmail(ctx, h.sessions.linkToken(ctx, linkConfirm), actor(c))
	switch {
	case errors.Is(err, models.ErrNotFound):
		return errConfirmLinkInvalid
	case errors.Is(err, models.ErrConflict):
		return errAddressTaken
	case err != nil:
		return err
	}
	h.sessions.dropLinkToken(ctx, linkConfirm)
	h.flash(c, u.Email+" is confirmed as the address of "+u.DisplayName+"'s account.")
	if v := viewer(c); v != nil && v.ID == u.ID {
		return seeOther(c, "/account")
	}
	return seeOther(c, mail.LoginPath)
}

// resendVerification (POST /account/email/verify) mails the member a new link.
func (h *Handlers) resendVerification(c echo.Context) error {
	u := viewer(c)
	if err := models.CanSendVerification(u, u).Err(); err != nil {
		return err
	}
	err := h.Auth.ResendVerification(c.Request().Context(), u, actor(c))
	switch {
	case errors.Is(err, auth.ErrAlreadyVerified):
		h.flash(c, u.Email+" is already confirmed.")
	case errors.Is(err, mail.ErrNoAddress):
		return errNoAddress
	case err != nil:
		return err
	default:
		h.flash(c, "We sent a new link to "+u.Email+". It works for 24 hours; older links no longer do.")
	}
	return seeOther(c, "/account")
}

// adminSendVerification (POST /admin/users/:id/verification) mails a
// member a new link to confirm their address.
func (h *Handlers) adminSendVerification(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := models.CanModerate(viewer(c)).Err(); err != nil {
		return err
	}
	target, err := h.Users.ByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if err := models.CanSendVerification(viewer(c), target).Err(); err != nil {
		return err
	}
	err = h.Auth.SendVerification(c.Request().Context(), target, actor(c))
	switch {
	case errors.Is(err, auth.ErrAlreadyVerified):
		h.flash(c, target.DisplayName+"'s address is already confirmed; nothing was sent.")
	case errors.Is(err, mail.ErrNoAddress):
		h.flash(c, target.DisplayName+" has no email address; nothing was sent.")
	case err != nil:
		return err
	default:
		h.flash(c, "A new confirmation link is on its way to "+target.Email+".")
	}
	return seeOther(c, "/admin/users/"+itoa(int(target.ID)))
}

// mailboxLimit is how many messages the demo mailbox lists.
const mailboxLimit = 100

// mailbox (GET /dev/mailbox, demo mode only) shows every message written.
func (h *Handlers) mailbox(c echo.Context) error {
	if !h.Mailbox {
		return errNoSuchPage
	}
	mails, err := h.Outbox.Recent(c.Request().Context(), mailboxLimit)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Mailbox(h.page(c, "Demo mailbox"), views.MailboxView{Mails: mails, Sending: h.MailServer != ""}))
}

// mailboxHTML (GET /dev/mailbox/:id/html, demo mode only) shows a
// message's HTML part as a mail program would: sandboxed, with no script,
// and with its own inline styles allowed.
func (h *Handlers) mailboxHTML(c echo.Context) error {
	if !h.Mailbox {
		return errNoSuchPage
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	m, err := h.Outbox.ByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'")
	hd.Set("Referrer-Policy", "no-referrer")
	return c.HTMLBlob(http.StatusOK, []byte(m.HTML))
}
