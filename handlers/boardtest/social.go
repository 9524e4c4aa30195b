package boardtest

import (
	"board/models/clocktest"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"board/handlers/social"
	"board/handlers/standin"
)

// The board's OAuth clients at the stand-in.
const (
	GoogleID       = "g-id"
	GoogleSecret   = "g-secret"
	FacebookID     = "fb-id"
	FacebookSecret = "fb-secret"
)

// Standin is the stand-in for Google and Facebook that a social board talks
// to; SetTokenFault makes its token endpoint fail or stall.
type Standin struct {
	*standin.Provider
	URL string
}

// startStandin serves the stand-in on loopback and returns it with the
// board's two providers pointed at it, on the loopback-only transport.
func startStandin(tb testing.TB, boardURL string, clock *clocktest.Clock, o Options) (*Standin, []social.Provider) {
	tb.Helper()
	srv := httptest.NewUnstartedServer(nil)
	s := &Standin{URL: "http://" + srv.Listener.Addr().String()}
	p, err := standin.New(standin.Config{
		Issuer: s.URL,
		Google: []standin.Client{{ID: GoogleID, Secret: GoogleSecret,
			RedirectURIs: []string{boardURL + "/auth/google/callback"}}},
		Facebook: []standin.Client{{ID: FacebookID, Secret: FacebookSecret,
			RedirectURIs: []string{boardURL + "/auth/facebook/callback"}}},
		Now: func() time.Time { return clock.Now().Add(-o.StandinBehind) },
	})
	if err != nil {
		tb.Fatal(err)
	}
	s.Provider = p
	srv.Config.Handler = p.Handler()
	srv.Start()
	tb.Cleanup(srv.Close)
	client := &http.Client{Timeout: o.ProviderTimeout, Transport: loopback}
	graphURL := s.URL + standin.FacebookGraphPath
	if o.FacebookGraphURL != "" {
		graphURL = o.FacebookGraphURL
	}
	return s, []social.Provider{
		social.NewGoogle(GoogleID, GoogleSecret, s.URL, boardURL+"/auth/google/callback", client),
		social.NewFacebook(FacebookID, FacebookSecret,
			s.URL+standin.FacebookAuthPath, s.URL+standin.FacebookTokenPath, graphURL,
			boardURL+"/auth/facebook/callback", client),
	}
}

// Who is what a person types on the stand-in's login page, and what they
// decide on its consent page.
type Who struct {
	Email, Name string
	Verified    bool // ticks "Email address is verified" (Google only: Facebook has no such box)
	Deny        bool // presses Deny instead of Allow
}

// Flow records each step of one round trip.
type Flow struct {
	Start    *Response // the board's answer to the start form
	AuthURL  string    // where that sent the browser
	Callback string    // where the stand-in sent the browser back (absolute URL)
	Final    *Response // the board's answer to the callback
}

// Visitor is a new browser that has loaded the sign-in page, as a person
// does before pressing a provider button: it holds a visitor cookie and a
// token, and no session until it starts a sign-in.
func (b *Board) Visitor(t testing.TB) *Client {
	t.Helper()
	c := b.Client(t)
	if res := c.Get("/login"); res.Status != http.StatusOK {
		t.Fatalf("GET /login: status %d", res.Status)
	}
	return c
}

// StartSocial posts a start form at path (with _csrf, next if given, and on
// /account/ pages the password c signed in with) and checks that it sends
// the browser to the stand-in. It returns the answer and the authorize URL.
func (b *Board) StartSocial(t testing.TB, c *Client, path, next string) (*Response, string) {
	t.Helper()
	form := url.Values{}
	if next != "" {
		form.Set("next", next)
	}
	if strings.HasPrefix(path, "/account/") && c.Password != "" {
		form.Set("current_password", c.Password) // connecting a provider asks for it
	}
	res := c.Bind(t).Post(path, form)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("POST %s: status %d, want 303 to the stand-in\n%s", path, res.Status, Clip(res.Body))
	}
	loc := res.Location()
	if !strings.HasPrefix(loc, b.Standin.URL+"/") {
		t.Fatalf("POST %s redirected to %q, want the stand-in at %s", path, loc, b.Standin.URL)
	}
	return res, loc
}

var (
	standinFormRe = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)" data-testid="([^"]+)">(.*?)</form>`)
	requestIDRe   = regexp.MustCompile(`name="request_id" value="([^"]+)"`)
)

type standinForm struct {
	Action, RequestID, Body string
}

// formOn finds the stand-in form with the given data-testid.
func formOn(t testing.TB, page, testid string) standinForm {
	t.Helper()
	for _, m := range standinFormRe.FindAllStringSubmatch(page, -1) {
		if m[2] != testid {
			continue
		}
		f := standinForm{Action: html.UnescapeString(m[1]), Body: m[3]}
		if id := requestIDRe.FindStringSubmatch(m[3]); id != nil {
			f.RequestID = html.UnescapeString(id[1])
		}
		if f.RequestID == "" {
			t.Fatalf("form %s has no request_id", testid)
		}
		return f
	}
	t.Fatalf("no form %q on the stand-in page:\n%s", testid, Clip(page))
	return standinForm{}
}

// Authorize plays the person at the stand-in: open the authorize URL, fill
// the login form, then allow or deny. It returns the callback URL the
// stand-in redirects to, not yet visited.
func (b *Board) Authorize(t testing.TB, authURL string, who Who) string {
	t.Helper()
	// The stand-in keeps its request state server-side: a fresh browser will do.
	at := NewClient(t, b.Standin.URL)
	page := at.Get(authURL)
	if page.Status != http.StatusOK {
		t.Fatalf("stand-in authorize page: status %d\n%s", page.Status, Clip(page.Body))
	}
	login := formOn(t, page.Body, "standin-login-form")
	form := url.Values{"request_id": {login.RequestID}, "email": {who.Email}, "name": {who.Name}}
	// A browser sends the checkbox only if the page has it and it is ticked.
	if who.Verified && strings.Contains(login.Body, `name="email_verified"`) {
		form.Set("email_verified", "true")
	}
	page = at.PostRaw(login.Action, form)
	if page.Status != http.StatusOK {
		t.Fatalf("stand-in login: status %d\n%s", page.Status, Clip(page.Body))
	}
	consent := formOn(t, page.Body, "consent-form")
	decision := "allow"
	if who.Deny {
		decision = "deny"
	}
	res := at.PostRaw(consent.Action, url.Values{"request_id": {consent.RequestID}, "decision": {decision}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("stand-in consent: status %d, want 303\n%s", res.Status, Clip(res.Body))
	}
	cb := res.Location()
	if !strings.HasPrefix(cb, b.URL+"/auth/") {
		t.Fatalf("stand-in sent the browser to %q, want the board's callback", cb)
	}
	return cb
}

// RoundTrip drives a whole flow as a browser would: start at the board,
// through the stand-in's pages, back to the board's callback.
func (b *Board) RoundTrip(t testing.TB, c *Client, startPath, next string, who Who) *Flow {
	t.Helper()
	f := &Flow{}
	f.Start, f.AuthURL = b.StartSocial(t, c, startPath, next)
	f.Callback = b.Authorize(t, f.AuthURL, who)
	f.Final = c.Bind(t).Get(f.Callback)
	return f
}

// SignInWith is "Sign in with {provider}" from the sign-in page.
func (b *Board) SignInWith(t testing.TB, c *Client, provider string, who Who, next string) *Flow {
	t.Helper()
	return b.RoundTrip(t, c, "/auth/"+provider, next, who)
}

// LinkWith is "Connect {provider}" from the account page.
func (b *Board) LinkWith(t testing.TB, c *Client, provider string, who Who) *Flow {
	t.Helper()
	return b.RoundTrip(t, c, "/account/identities/"+provider+"/link", "", who)
}
