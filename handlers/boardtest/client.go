package boardtest

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// SessionCookie is the board's session cookie on plain http.
const SessionCookie = "board_session"

// Client is one browser: its own cookie jar, redirects not followed so tests
// see every 303. It talks to one base URL (any board on loopback, started by
// New or by cmd/board) and refuses to send a request anywhere else.
type Client struct {
	t       testing.TB
	base    string
	hc      *http.Client
	headers *headerTransport
	// Password is the one this browser last signed in with, for forms that
	// ask for the current password again.
	Password string
}

// NewClient is a new browser on the board at baseURL, reporting to tb.
func NewClient(tb testing.TB, baseURL string) *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	headers := &headerTransport{hdr: http.Header{}}
	return &Client{t: tb, base: strings.TrimSuffix(baseURL, "/"), headers: headers, hc: &http.Client{
		Jar:           jar,
		Transport:     headers,
		Timeout:       time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Bind is the same browser (same cookies, same headers) reporting failures
// to t, so a subtest never calls FailNow on its parent.
func (c *Client) Bind(t testing.TB) *Client {
	cc := *c
	cc.t = t
	return &cc
}

// Response is what the board answered, body read.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

func (r *Response) Location() string { return r.Header.Get("Location") }

// Cookie is the named cookie the response sets, or nil.
func (r *Response) Cookie(name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// target resolves a path, or an absolute URL under the base (a callback).
func (c *Client) target(pathOrURL string) string {
	c.t.Helper()
	if strings.HasPrefix(pathOrURL, "/") {
		return c.base + pathOrURL
	}
	if !strings.HasPrefix(pathOrURL, c.base+"/") {
		c.t.Fatalf("refusing to send the browser for %s to %s", c.base, pathOrURL)
	}
	return pathOrURL
}

// Do sends req and fails the test if no answer comes.
func (c *Client) Do(req *http.Request) *Response {
	c.t.Helper()
	res, err := c.TryDo(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return res
}

// TryDo is Do without failing the test, for tests where a broken connection
// is itself the finding, or that send from several goroutines.
func (c *Client) TryDo(req *http.Request) (*Response, error) {
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}, nil
}

// Get loads a path, or an absolute URL under the base.
func (c *Client) Get(pathOrURL string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.target(pathOrURL), nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(req)
}

// FormRequest is a POST of an encoded form body, sent as given.
func (c *Client) FormRequest(pathOrURL, body string) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.target(pathOrURL), strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// PostRaw sends the form exactly as given (no CSRF token added).
func (c *Client) PostRaw(pathOrURL string, form url.Values) *Response {
	c.t.Helper()
	return c.PostBody(pathOrURL, form.Encode())
}

// PostBody sends an already-encoded form body exactly as given, so a test
// controls every byte (invalid UTF-8, unusual escapes).
func (c *Client) PostBody(pathOrURL, body string) *Response {
	c.t.Helper()
	return c.Do(c.FormRequest(pathOrURL, body))
}

// Post sends the form with this browser's CSRF token, as a browser would.
func (c *Client) Post(path string, form url.Values) *Response {
	c.t.Helper()
	return c.PostToken(path, form, c.CSRF())
}

// PostToken sends the form with the given _csrf value ("" leaves it out).
func (c *Client) PostToken(path string, form url.Values, token string) *Response {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if token != "" {
		f.Set("_csrf", token)
	}
	return c.PostRaw(path, f)
}

// PostWithHeader sends the form with the CSRF token in X-CSRF-Token instead
// of the _csrf field.
func (c *Client) PostWithHeader(path string, form url.Values, token string) *Response {
	c.t.Helper()
	req := c.FormRequest(path, form.Encode())
	req.Header.Set("X-CSRF-Token", token)
	return c.Do(req)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRFToken is the _csrf value of the first form in a page ("" if none).
func CSRFToken(body string) string {
	if m := csrfInput.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// CSRFFrom loads path and returns the token its first form carries.
func (c *Client) CSRFFrom(path string) string {
	c.t.Helper()
	res := c.Get(path)
	token := CSRFToken(res.Body)
	if token == "" {
		c.t.Fatalf("GET %s (%d): no _csrf field in the page\n%s", path, res.Status, Clip(res.Body))
	}
	return token
}

// CSRF reads this browser's token as its forms would carry it: signed in,
// every page has the sign-out form; anonymous, the sign-in page has a form.
func (c *Client) CSRF() string {
	c.t.Helper()
	if token := CSRFToken(c.Get("/").Body); token != "" {
		return token
	}
	return c.CSRFFrom("/login")
}

// Attempt posts the sign-in form once and returns the board's answer.
func (c *Client) Attempt(email, password string) *Response {
	c.t.Helper()
	return c.Post("/login", url.Values{"email": {email}, "password": {password}})
}

// Login signs in through the real form and fails the test if it does not work.
func (c *Client) Login(email, password string) {
	c.t.Helper()
	res := c.Attempt(email, password)
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d, want 303\n%s", email, res.Status, Clip(res.Body))
	}
	c.Password = password
}

func (c *Client) baseURL() *url.URL {
	u, err := url.Parse(c.base)
	if err != nil {
		c.t.Fatal(err)
	}
	return u
}

// SessionCookie is the current value of the session cookie ("" if none).
func (c *Client) SessionCookie() string {
	for _, ck := range c.hc.Jar.Cookies(c.baseURL()) {
		if ck.Name == SessionCookie {
			return ck.Value
		}
	}
	return ""
}

// CookieHeader is the Cookie header this browser sends the board, for a
// request built by hand to another Host (the jar picks cookies by host).
func (c *Client) CookieHeader() string {
	var parts []string
	for _, ck := range c.hc.Jar.Cookies(c.baseURL()) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// SetSessionCookie replaces the session cookie, e.g. to replay an old one.
func (c *Client) SetSessionCookie(value string) {
	c.hc.Jar.SetCookies(c.baseURL(), []*http.Cookie{{Name: SessionCookie, Value: value, Path: "/"}})
}

// SetHeader makes every later request of this browser carry the header
// (User-Agent, X-Forwarded-For); "" removes it.
func (c *Client) SetHeader(key, value string) {
	c.headers.mu.Lock()
	defer c.headers.mu.Unlock()
	if value == "" {
		c.headers.hdr.Del(key)
	} else {
		c.headers.hdr.Set(key, value)
	}
}

// headerTransport adds one browser's fixed headers to each of its requests,
// over the loopback-only transport.
type headerTransport struct {
	mu  sync.Mutex
	hdr http.Header
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	h.mu.Lock()
	for k, v := range h.hdr {
		r.Header[k] = slices.Clone(v)
	}
	h.mu.Unlock()
	return loopback.RoundTrip(r)
}
