package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"board/models/mail"
	"board/static"
)

// routes is the only route table of the board.
func (h *Handlers) routes(e *echo.Echo) {
	// Pages answer GET and HEAD: HEAD like GET without the body (RFC 9110
	// §9.3.2), which net/http drops, keeping the length; echo would
	// otherwise route HEAD nowhere.
	getAndHead := []string{http.MethodGet, http.MethodHead}
	e.Use(h.observe)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true, LogErrorFunc: h.logPanic}))
	e.Use(h.securityHeaders)
	e.Use(middleware.BodyLimit(h.BodyLimit))

	// Outside sessions: health checks and static files carry no cookies.
	e.Match(getAndHead, "/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.Match(getAndHead, "/static/*", echo.WrapHandler(staticHandler(static.Files)))

	e.Match(getAndHead, "/.well-known/jwks.json", h.jwks)

	// The JSON API never loads the session: a page's cookie cannot be
	// replayed against it, so it needs no CSRF token. Credentials come
	// only in the Authorization header.
	api := e.Group("/api", h.apiOnly)
	api.POST("/v1/token", h.apiIssueToken)
	api.POST("/v1/token/refresh", h.apiRefreshToken)
	api.POST("/v1/token/revoke", h.apiRevokeToken)
	v1 := api.Group("/v1", h.apiAuthenticate)
	v1.Match(getAndHead, "/me", h.apiMe)
	v1.Match(getAndHead, "/posts", h.apiListPosts)
	v1.POST("/posts", h.apiCreatePost)
	v1.Match(getAndHead, "/posts/:id", h.apiShowPost)
	v1.PATCH("/posts/:id", h.apiUpdatePost)
	v1.DELETE("/posts/:id", h.apiDeletePost)
	v1.POST("/posts/:id/comments", h.apiCreateComment)
	v1.Match(getAndHead, "/comments/:id", h.apiShowComment)
	v1.PATCH("/comments/:id", h.apiUpdateComment)
	v1.DELETE("/comments/:id", h.apiDeleteComment)

	crossOrigin := h.crossOrigin()
	public := e.Group("", crossOrigin, h.sessions.load, h.currentUser, h.csrf)
	public.Match(getAndHead, "/", h.landing)
	public.Match(getAndHead, "/register", h.registerForm)
	public.POST("/register", h.register)
	public.Match(getAndHead, "/login", h.loginForm)
	public.POST("/login", h.login)
	public.POST("/auth/:provider", h.startSignIn)
	public.Match(getAndHead, "/auth/:provider/callback", h.callback)
	// Links in mail: whoever holds one may use it, signed in or not.
	public.Match(getAndHead, mail.ForgotPath, h.forgotForm)
	public.POST(mail.ForgotPath, h.forgot)
	public.Match(getAndHead, mail.ResetPasswordPath, h.resetForm)
	public.POST(mail.ResetPasswordPath, h.reset)
	public.Match(getAndHead, mail.ConfirmEmailPath, h.confirmEmailForm)
	public.POST(mail.ConfirmEmailPath, h.confirmEmail)
	// Demo mode only (404 otherwise): the mailbox stands in for every inbox.
	public.Match(getAndHead, "/dev/mailbox", h.mailbox)
	public.Match(getAndHead, "/dev/mailbox/:id/html", h.mailboxHTML)
	public.Match(getAndHead, "/learn", h.learnIndex)
	public.Match(getAndHead, "/learn/header", h.learnHeader)
	public.Match(getAndHead, "/learn/browser", h.learnBrowser)
	public.Match(getAndHead, "/learn/session", h.learnSession)
	public.Match(getAndHead, "/learn/token", h.learnToken)
	public.Match(getAndHead, "/learn/oauth", h.learnOAuth)
	public.Match(getAndHead, "/learn/problems", h.learnProblems)

	// Everything below needs a signed-in member: authentication is settled
	// before CSRF or any handler runs, and each handler still asks the policy.
	g := e.Group("", crossOrigin, h.sessions.load, h.currentUser, h.requireMember, h.csrf)
	g.POST("/logout", h.logout)
	g.Match(getAndHead, "/account", h.account)
	g.POST("/account/identities/:provider/link", h.startLink)
	g.POST("/account/identities/:provider/unlink", h.unlink)
	g.POST("/account/reauth/:provider", h.startReauth)
	g.POST("/account/password", h.changePassword)
	g.POST("/account/profile", h.updateProfile)
	g.POST("/account/email/verify", h.resendVerification)
	g.POST("/account/sessions/:id/revoke", h.revokeSession)
	g.POST("/account/sessions/end-others", h.endOtherSessions)
	g.POST("/account/delete", h.deleteAccount)
	g.POST("/account/notices/:id/dismiss", h.dismissNotice)
	g.POST("/account/tokens/:id/revoke", h.revokeTokenFamily)
	g.POST("/learn/session/revoke", h.learnRevokeSession)
	g.POST("/learn/token", h.learnIssueToken)
	g.POST("/learn/token/refresh", h.learnRefreshToken)

	g.Match(getAndHead, "/posts", h.listPosts)
	g.Match(getAndHead, "/posts/new", h.newPost)
	g.POST("/posts", h.createPost)
	g.Match(getAndHead, "/posts/:id", h.showPost)
	g.Match(getAndHead, "/posts/:id/edit", h.editPostForm)
	g.POST("/posts/:id/edit", h.editPost)
	g.Match(getAndHead, "/posts/:id/delete", h.confirmDeletePost)
	g.POST("/posts/:id/delete", h.deletePost)
	g.Match(getAndHead, "/posts/:id/report", h.reportPostForm)
	g.POST("/posts/:id/report", h.reportPost)
	g.POST("/posts/:id/comments", h.createComment)
	g.Match(getAndHead, "/comments/:id/edit", h.editCommentForm)
	g.POST("/comments/:id/edit", h.editComment)
	g.Match(getAndHead, "/comments/:id/delete", h.confirmDeleteComment)
	g.POST("/comments/:id/delete", h.deleteComment)
	g.Match(getAndHead, "/comments/:id/report", h.reportCommentForm)
	g.POST("/comments/:id/report", h.reportComment)

	g.Match(getAndHead, "/notifications", h.notifications)
	g.POST("/notifications/:id/read", h.markRead)
	g.POST("/notifications/read-all", h.markAllRead)
	g.Match(getAndHead, "/notifications/settings", h.notificationSettings)
	g.POST("/notifications/settings", h.saveNotificationSettings)

	g.Match(getAndHead, "/admin", h.admin)
	g.POST("/admin/posts/:id/hide", h.hidePost)
	g.POST("/admin/posts/:id/restore", h.restorePost)
	g.POST("/admin/comments/:id/hide", h.hideComment)
	g.POST("/admin/comments/:id/restore", h.restoreComment)
	g.Match(getAndHead, "/admin/posts/:id/delete", h.confirmRemovePost)
	g.POST("/admin/posts/:id/delete", h.removePost)
	g.Match(getAndHead, "/admin/comments/:id/delete", h.confirmRemoveComment)
	g.POST("/admin/comments/:id/delete", h.removeComment)
	g.Match(getAndHead, "/admin/reports", h.queue)
	g.POST("/admin/reports/:id/dismiss", h.dismiss)
	g.POST("/admin/users/:id/suspend", h.suspendUser)
	g.POST("/admin/users/:id/reinstate", h.reinstateUser)
	g.Match(getAndHead, "/admin/users/:id/role", h.confirmRole)
	g.POST("/admin/users/:id/role", h.setRole)
	g.POST("/admin/users/:id/release-email", h.releaseEmail)
	g.Match(getAndHead, "/admin/users/:id", h.adminUser)
	g.POST("/admin/users/:id/sessions/end", h.adminEndSessions)
	g.POST("/admin/users/:id/verification", h.adminSendVerification)
}
