package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"board/models"
)

// Limits on mail the board sends at someone's request, per throttle window.
const (
	resetsPerAccount = 3  // reset links to one address: no mail bombing
	resetsPerAddress = 10 // reset requests from one network
	linksPerMember   = 5  // verification and change-of-address links one member asks for
)

// ResetAnswerTime is how long every answer to a reset request takes at
// least, whether the account exists, has no password, or is unknown, so
// timing tells nothing about which.
const ResetAnswerTime = 300 * time.Millisecond

// ErrAlreadyVerified refuses a verification link for a verified address.
var ErrAlreadyVerified = errors.New("the address is already verified")

// RequestPasswordReset mails a reset link to the account with this email,
// or, to an account without a password, how it signs in; for an unknown
// address it does nothing. Every request counts against the limits for the
// address typed and the client network, known or not, and every answer
// takes ResetAnswerTime, so the caller's answer can be the same for all.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, from models.Actor) error {
	defer waitUntil(ctx, time.Now().Add(ResetAnswerTime))
	_, wait, err := s.st.Throttle.Begin(ctx,
		models.ThrottleKey{Key: "reset-account:" + strings.ToLower(models.Truncate(email, models.MaxEmail)), Limit: resetsPerAccount},
		models.ThrottleKey{Key: "reset-addr:" + models.ClientNetwork(from.ClientIP), Limit: resetsPerAddress})
	if err != nil {
		return err
	}
	if wait > 0 {
		return &Throttled{Wait: wait, What: "password reset requests"}
	}
	if models.ValidateEmail(email) != "" {
		return nil
	}
	u, err := s.st.Users.ByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !u.HasPassword {
		return s.sendSignInHelp(ctx, u, from)
	}
	link, err := s.mail.PasswordReset(u)
	if err != nil {
		return err
	}
	return s.st.MailTokens.Issue(ctx, *link, nil, from)
}

// sendSignInHelp tells an account without a password which providers it
// signs in with: a reset link would add a password nobody asked to have.
func (s *Service) sendSignInHelp(ctx context.Context, u *models.User, from models.Actor) error {
	ids, err := s.st.Identities.ForUser(ctx, u.ID)
	if err != nil {
		return err
	}
	var providers []string
	for _, id := range ids {
		providers = append(providers, id.Provider)
	}
	m, err := s.mail.SignInHelp(u, providers)
	if err != nil {
		return err
	}
	return s.st.Outbox.Queue(ctx, m, models.AuditEvent{Kind: models.AuditPasswordResetRequested, ActorID: from.UserID,
		ClientIP: from.ClientIP, TargetType: "user", TargetID: u.ID, Detail: "no password: sign-in help sent to " + u.Email})
}

// waitUntil sleeps until t on the real clock (not the board's: the point
// is what a client can measure), or until ctx ends.
func waitUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// ResetAccount is who a live reset link is for, or ErrNotFound.
func (s *Service) ResetAccount(ctx context.Context, tokenHash string) (*models.User, error) {
	t, err := s.st.MailTokens.Peek(ctx, tokenHash, models.TokenResetPassword)
	if err != nil {
		return nil, err
	}
	return s.st.Users.ByID(ctx, t.UserID)
}

// ResetPassword sets a new password (checked with ValidatePassword) with
// a reset link, once: it ends every session of the account and tells the
// member by mail. ErrNotFound means the link is unknown, used or expired.
func (s *Service) ResetPassword(ctx context.Context, tokenHash, password string, from models.Actor) (*models.User, int, error) {
	if msg := models.ValidatePassword(password); msg != "" {
		return nil, 0, errors.New("auth: refusing an invalid password: " + msg)
	}
	// Checked before the argon2id work, so dead links cost nothing; the
	// store checks again as it uses the token.
	u, err := s.ResetAccount(ctx, tokenHash)
	if err != nil {
		return nil, 0, err
	}
	hash, err := s.HashPassword(ctx, password)
	if err != nil {
		return nil, 0, err
	}
	notice, err := s.mail.PasswordChanged(u, true)
	if err != nil {
		return nil, 0, err
	}
	return s.st.MailTokens.ResetPassword(ctx, tokenHash, hash, notice, from)
}

// ResendVerification mails the signed-in member u a new link for their
// address, within a limit per member.
func (s *Service) ResendVerification(ctx context.Context, u *models.User, from models.Actor) error {
	if err := s.countLink(ctx, u); err != nil {
		return err
	}
	return s.SendVerification(ctx, u, from)
}

// SendVerification mails u a new link for their address (an admin's
// action, or the member's own through ResendVerification). Older links of
// the account stop working.
func (s *Service) SendVerification(ctx context.Context, u *models.User, by models.Actor) error {
	if u.EmailVerified {
		return ErrAlreadyVerified
	}
	link, err := s.mail.Verification(u, false)
	if err != nil {
		return err
	}
	return s.st.MailTokens.Issue(ctx, *link, nil, by)
}

// RequestEmailChange mails a link to address that makes it u's once used,
// and tells u's current address. The member has re-authenticated. An
// address another account holds verified is refused (ErrEmailTaken); one
// held unverified may still be proven, and then changes hands.
func (s *Service) RequestEmailChange(ctx context.Context, u *models.User, address string, from models.Actor) error {
	holder, err := s.st.Users.ByEmail(ctx, address)
	switch {
	case err == nil && holder.ID == u.ID:
		return nil // the same address in other letters: nothing to prove
	case err == nil && !models.MayTakeOverEmail(true, holder):
		return ErrEmailTaken
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return err
	}
	if err := s.countLink(ctx, u); err != nil {
		return err
	}
	link, notice, err := s.mail.EmailChange(u, address)
	if err != nil {
		return err
	}
	return s.st.MailTokens.Issue(ctx, *link, []*models.Mail{notice}, from)
}

// countLink counts a link a member asked for against their limit.
func (s *Service) countLink(ctx context.Context, u *models.User) error {
	_, wait, err := s.st.Throttle.Begin(ctx, models.ThrottleKey{Key: "mail-links:" + strconv.FormatInt(u.ID, 10), Limit: linksPerMember})
	if err != nil {
		return err
	}
	if wait > 0 {
		return &Throttled{Wait: wait, What: "emails asked for"}
	}
	return nil
}

// SignInNotice is the mail a sign-in of u sends if it comes from a device
// or network the account has not used before (the session index decides).
func (s *Service) SignInNotice(u *models.User, userAgent, clientIP string) (*models.Mail, error) {
	return s.mail.NewSignIn(u, userAgent, clientIP)
}
