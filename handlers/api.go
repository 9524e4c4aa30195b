package handlers

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"board/models"
	"board/models/tokens"
)

// Request-scoped values of the API.
const (
	ctxCredential  = "api_credential"
	ctxScopeNeeded = "api_scope_needed"
)

// credential is how an API request proved who it is.
type credential struct {
	Scheme string // "basic" or "bearer"
	Scope  string
	Access *tokens.Access // bearer only
}

// apiOnly guards the whole API, token endpoints included: a token in the
// URL is refused before anything else reads the request.
func (h *Handlers) apiOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := c.QueryParams()["access_token"]; ok {
			return errTokenInQuery
		}
		return next(c)
	}
}

// apiAuthenticate accepts exactly two credentials, both in the
// Authorization header: Basic (the seed's step 1: the password on every
// request) and Bearer (step 4: an access token). The session cookie is never
// read here.
func (h *Handlers) apiAuthenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, value, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		value = strings.TrimSpace(value)
		var cred *credential
		var u *models.User
		var err error
		switch {
		case strings.EqualFold(scheme, "Basic"):
			u, err = h.basic(c, value)
			cred = &credential{Scheme: "basic", Scope: models.FullScope}
		case strings.EqualFold(scheme, "Bearer"):
			var a *tokens.Access
			a, err = h.Tokens.Authenticate(c.Request().Context(), value)
			if a != nil {
				u, cred = a.User, &credential{Scheme: "bearer", Scope: a.Scope, Access: a}
			}
		default:
			err = models.CanReadBoard(nil).Err()
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		c.Set(ctxCredential, cred)
		return next(c)
	}
}

// basic checks HTTP Basic credentials (RFC 7617, UTF-8) through the
// throttled password sign-in: a full argon2id check on every request.
func (h *Handlers) basic(c echo.Context, value string) (*models.User, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	email, password, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok || !utf8.Valid(raw) {
		return nil, &apiError{http.StatusUnauthorized, probBadCredentials,
			"The Basic credentials are not base64 of UTF-8 \"email:password\" (RFC 7617).", nil}
	}
	return h.Auth.SignIn(c.Request().Context(), email, password, nil, actor(c))
}

func apiCredential(c echo.Context) *credential {
	cr, _ := c.Get(ctxCredential).(*credential)
	return cr
}

// need checks that the credential's scope covers scope. The policy rules
// then apply as they do to the pages.
func need(c echo.Context, scope string) error {
	c.Set(ctxScopeNeeded, scope)
	return models.CanUseScope(apiCredential(c).Scope, scope).Err()
}

func scopeNeeded(c echo.Context) string {
	s, _ := c.Get(ctxScopeNeeded).(string)
	return s
}

// bindJSON decodes a JSON object body into dst, refusing other media
// types, unknown fields and trailing data. Taking only JSON also keeps
// cross-site pages out: an HTML form cannot send it, and a script on
// another origin would need a CORS preflight the board never grants, so
// Basic credentials a browser has cached cannot be ridden to a write.
func bindJSON(c echo.Context, dst any) error {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType)
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return &apiError{http.StatusBadRequest, probBadRequest, "The body is not the JSON object this endpoint takes: " + err.Error() + ".", nil}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &apiError{http.StatusBadRequest, probBadRequest, "The body has data after its JSON object.", nil}
	}
	return nil
}

func invalidFields(errs models.FieldErrors) error {
	return &apiError{http.StatusUnprocessableEntity, probInvalidBody, "Some fields are not acceptable. Nothing was changed.", errs}
}

// The API's view of the board: what a client sees of posts and comments.
type (
	apiAuthor struct {
		ID          int64  `json:"id"`
		DisplayName string `json:"display_name"`
	}
	apiHidden struct {
		At     time.Time `json:"at"`
		Reason string    `json:"reason"`
	}
	apiPost struct {
		ID           int64      `json:"id"`
		Title        string     `json:"title"`
		Body         string     `json:"body"`
		Author       *apiAuthor `json:"author"` // null once the author's account is deleted
		CreatedAt    time.Time  `json:"created_at"`
		UpdatedAt    time.Time  `json:"updated_at"`
		CommentCount int        `json:"comment_count"`
		Hidden       *apiHidden `json:"hidden,omitempty"` // only its author and admins see hidden posts
		URL          string     `json:"url"`
	}
	apiPostDetail struct {
		apiPost
		Comments []apiComment `json:"comments"`
	}
	apiComment struct {
		ID        int64      `json:"id"`
		PostID    int64      `json:"post_id"`
		Body      string     `json:"body"`
		Author    *apiAuthor `json:"author"`
		CreatedAt time.Time  `json:"created_at"`
		UpdatedAt time.Time  `json:"updated_at"`
		Hidden    *apiHidden `json:"hidden,omitempty"`
		URL       string     `json:"url"`
	}
	apiPostList struct {
		Posts []apiPost `json:"posts"`
		Next  *string   `json:"next"` // the next page, null on the last
	}
	apiMe struct {
		ID          int64           `json:"id"`
		DisplayName string          `json:"display_name"`
		Email       string          `json:"email,omitempty"` // with the email scope
		Role        models.Role     `json:"role"`
		Credential  apiMeCredential `json:"credential"`
	}
	apiMeCredential struct {
		Scheme    string     `json:"scheme"`
		Scope     string     `json:"scope"`
		ClientID  string     `json:"client_id,omitempty"`
		ExpiresAt *time.Time `json:"expires_at,omitempty"`
	}
)

func apiPostURL(id int64) string    { return "/api/v1/posts/" + strconv.FormatInt(id, 10) }
func apiCommentURL(id int64) string { return "/api/v1/comments/" + strconv.FormatInt(id, 10) }

func author(id int64, name string) *apiAuthor {
	if id == 0 {
		return nil
	}
	return &apiAuthor{ID: id, DisplayName: name}
}

func hidden(at *time.Time, reason string) *apiHidden {
	if at == nil {
		return nil
	}
	return &apiHidden{At: *at, Reason: reason}
}

func toAPIPost(p *models.Post) apiPost {
	return apiPost{ID: p.ID, Title: p.Title, Body: p.Body, Author: author(p.AuthorID, p.AuthorName), CreatedAt: p.CreatedAt,
		UpdatedAt: p.UpdatedAt, CommentCount: p.CommentCount, Hidden: hidden(p.HiddenAt, p.HiddenReason), URL: apiPostURL(p.ID)}
}

func toAPIComment(cm *models.Comment) apiComment {
	return apiComment{ID: cm.ID, PostID: cm.PostID, Body: cm.Body, Author: author(cm.AuthorID, cm.AuthorName), CreatedAt: cm.CreatedAt,
		UpdatedAt: cm.UpdatedAt, Hidden: hidden(cm.HiddenAt, cm.HiddenReason), URL: apiCommentURL(cm.ID)}
}

// apiMe (GET /api/v1/me) says who the credential belongs to.
func (h *Handlers) apiMe(c echo.Context) error {
	u, cred := viewer(c), apiCredential(c)
	me := apiMe{ID: u.ID, DisplayName: u.DisplayName, Role: u.Role, Credential: apiMeCredential{Scheme: cred.Scheme, Scope: cred.Scope}}
	if models.HasScope(cred.Scope, models.ScopeEmail) {
		me.Email = u.Email
	}
	if a := cred.Access; a != nil {
		me.Credential.ClientID, me.Credential.ExpiresAt = a.ClientID, &a.ExpiresAt
	}
	return c.JSON(http.StatusOK, me)
}

// apiListPosts (GET /api/v1/posts) pages through the posts the caller may
// see, newest first, by the same filter as the pages.
func (h *Handlers) apiListPosts(c echo.Context) error {
	u := viewer(c)
	if err := need(c, models.ScopePostsRead); err != nil {
		return err
	}
	if err := models.CanReadBoard(u).Err(); err != nil {
		return err
	}
	var before int64
	if s := c.QueryParam("before"); s != "" {
		var err error
		if before, err = strconv.ParseInt(s, 10, 64); err != nil || before <= 0 {
			return &apiError{http.StatusBadRequest, probBadRequest, "before must be a post id, as in the next link.", nil}
		}
	}
	page, err := h.Posts.List(c.Request().Context(), models.ListFilter(u), before, postsPerPage)
	if err != nil {
		return err
	}
	out := apiPostList{Posts: []apiPost{}}
	for _, p := range page.Posts {
		out.Posts = append(out.Posts, toAPIPost(p))
	}
	if page.NextBefore != 0 {
		next := "/api/v1/posts?before=" + strconv.FormatInt(page.NextBefore, 10)
		out.Next = &next
	}
	return c.JSON(http.StatusOK, out)
}

// apiShowPost (GET /api/v1/posts/:id) is a post with the comments the caller may see.
func (h *Handlers) apiShowPost(c echo.Context) error {
	if err := need(c, models.ScopePostsRead); err != nil {
		return err
	}
	p, err := h.loadPost(c, models.CanSeePost)
	if err != nil {
		return err
	}
	comments, err := h.Comments.ForPost(c.Request().Context(), p.ID)
	if err != nil {
		return err
	}
	out := apiPostDetail{apiPost: toAPIPost(p), Comments: []apiComment{}}
	for _, cm := range comments {
		if models.CanSeeComment(viewer(c), p, cm).Allowed() {
			out.Comments = append(out.Comments, toAPIComment(cm))
		}
	}
	return c.JSON(http.StatusOK, out)
}

type postIn struct {
	Title *string `json:"title"`
	Body  *string `json:"body"`
}

// apiCreatePost (POST /api/v1/posts) answers 201 with the post and its Location.
func (h *Handlers) apiCreatePost(c echo.Context) error {
	u := viewer(c)
	if err := need(c, models.ScopePostsWrite); err != nil {
		return err
	}
	if err := models.CanCreatePost(u).Err(); err != nil {
		return err
	}
	var in postIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	title, body := strings.TrimSpace(deref(in.Title)), trimBody(deref(in.Body))
	if errs := models.ValidatePost(title, body); len(errs) > 0 {
		return invalidFields(errs)
	}
	if throttled, err := h.postingWait(c, h.PostingLimits.PostKeys(u.ID), "posts"); err != nil {
		return err
	} else if throttled != nil {
		return throttled
	}
	p, err := h.Posts.Create(c.Request().Context(), u.ID, title, body)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPostURL(p.ID))
	return c.JSON(http.StatusCreated, toAPIPost(p))
}

// apiUpdatePost (PATCH /api/v1/posts/:id) changes the fields sent.
func (h *Handlers) apiUpdatePost(c echo.Context) error {
	if err := need(c, models.ScopePostsWrite); err != nil {
		return err
	}
	p, err := h.loadPost(c, models.CanEditPost)
	if err != nil {
		return err
	}
	var in postIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Title == nil && in.Body == nil {
		return invalidFields(models.FieldErrors{"title": "Send a title, a body, or both."})
	}
	title, body := p.Title, p.Body
	if in.Title != nil {
		title = strings.TrimSpace(*in.Title)
	}
	if in.Body != nil {
		body = trimBody(*in.Body)
	}
	if errs := models.ValidatePost(title, body); len(errs) > 0 {
		return invalidFields(errs)
	}
	ctx := c.Request().Context()
	if err := h.Posts.Update(ctx, p.ID, viewer(c).ID, title, body); err != nil {
		return err
	}
	if p, err = h.Posts.ByID(ctx, p.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIPost(p))
}

// apiDeletePost (DELETE /api/v1/posts/:id) removes a post and its comments.
func (h *Handlers) apiDeletePost(c echo.Context) error {
	if err := need(c, models.ScopePostsWrite); err != nil {
		return err
	}
	p, err := h.loadPost(c, models.CanDeletePost)
	if err != nil {
		return err
	}
	if err := h.Posts.Delete(c.Request().Context(), p.ID, viewer(c).ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type commentIn struct {
	Body *string `json:"body"`
}

// apiCreateComment (POST /api/v1/posts/:id/comments) answers 201 with the comment.
func (h *Handlers) apiCreateComment(c echo.Context) error {
	if err := need(c, models.ScopePostsWrite); err != nil {
		return err
	}
	p, err := h.loadPost(c, models.CanComment)
	if err != nil {
		return err
	}
	var in commentIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	body := trimBody(deref(in.Body))
	if errs := models.ValidateComment(body); len(errs) > 0 {
		return invalidFields(errs)
	}
	if throttled, err := h.postingWait(c, h.PostingLimits.CommentKeys(viewer(c).ID), "comments"); err != nil {
		return err
	} else if throttled != nil {
		return throttled
	}
	cm, err := h.Comments.Create(c.Request().Context(), p.ID, viewer(c).ID, body)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiCommentURL(cm.ID))
	return c.JSON(http.StatusCreated, toAPIComment(cm))
}

// apiShowComment (GET /api/v1/comments/:id): where a new comment's Location points.
func (h *Handlers) apiShowComment(c echo.Context) error {
	if err := need(c, models.ScopePostsRead); err != nil {
		return err
	}
	cm, err := h.loadComment(c, models.CanSeeComment)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIComment(cm))
}

// apiUpdateComment (PATCH /api/v1/comments/:id) changes a comment's body.
func (h *Handlers) apiUpdateComment(c echo.Context) error {
	if err := need(c, models.ScopePostsWrite); err != nil {
		return err
	}
	cm, err := h.loadComment(c, models.CanEditComment)
	if err != nil {
		return err
	}
	var in commentIn
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	body := trimBody(deref(in.Body))
	if errs := models.ValidateComment(body); len(errs) > 0 {
		return invalidFields(errs)
	}
	ctx := c.Request().Context()
	if err := h.Comments.Update(ctx, cm.ID, viewer(c).ID, body); err != nil {
		return err
	}
	if cm, err = h.Comments.ByID(ctx, cm.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIComment(cm))
}

// apiDeleteComment (DELETE /api/v1/comments/:id).
func (h *Handlers) apiDeleteComment(c echo.Context) error {
	if err := need(c, models.ScopePostsWrite); err != nil {
		return err
	}
	cm, err := h.loadComment(c, models.CanDeleteComment)
	if err != nil {
		return err
	}
	if err := h.Comments.Delete(c.Request().Context(), cm.ID, viewer(c).ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// trimBody drops trailing blanks, as the pages' forms do.
func trimBody(s string) string { return strings.TrimRight(s, " \t\r\n") }
