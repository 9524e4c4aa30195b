package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"board/handlers"
	"board/handlers/boardtest"
	"board/models"
)

var (
	loginErrorRe = regexp.MustCompile(`data-testid="login-error">([^<]*)<`)
	nextFieldRe  = regexp.MustCompile(`name="next" value="([^"]*)"`)
)

func TestRegister(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	taken := b.CreateUser(t, "taken@example.com", "Taken", "taken-password-1", models.RoleMember)
	b.CreatePost(t, taken, "a post", "so the posts table is not empty")

	t.Run("success signs you in", func(t *testing.T) {
		c := b.Client(t)
		if res := c.Get("/register"); !boardtest.WantStatus(t, "GET /register", res, http.StatusOK) {
			return
		}
		before := c.SessionCookie()
		users := len(b.AllUsers(t))
		res := c.Post("/register", url.Values{
			"email": {"new@example.com"}, "display_name": {"Newcomer Nora"}, "password": {"a long enough phrase"}})
		if !boardtest.WantStatus(t, "POST /register", res, http.StatusSeeOther) {
			return
		}
		if res.Location() != "/posts" {
			t.Errorf("Location %q, want /posts", res.Location())
		}
		ck := res.Cookie(boardtest.SessionCookie)
		if ck == nil || ck.Value == "" {
			t.Fatalf("no session cookie set on registration; Set-Cookie: %q", res.Header.Values("Set-Cookie"))
		}
		if ck.Value == before {
			t.Errorf("session token was not renewed on registration (still %q)", before)
		}
		if got := len(b.AllUsers(t)); got != users+1 {
			t.Errorf("users: %d, want %d", got, users+1)
		}
		page := c.Get("/posts")
		boardtest.WantStatus(t, "GET /posts after registering", page, http.StatusOK)
		boardtest.MustContain(t, "whoami after registering", page.Body, "Newcomer Nora", "new@example.com")
		u, err := b.Users.ByEmail(t.Context(), "new@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if hash := b.PasswordHash(t, u.ID); !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, "a long enough phrase") {
			t.Errorf("stored password hash %q is not an argon2id PHC string", hash)
		}
		if u.Role != models.RoleMember {
			t.Errorf("new account role %q, want member", u.Role)
		}
		if ev := b.AuditAbout(t, models.AuditRegister, u.ID); len(ev) != 1 || ev[0].ActorID != u.ID || ev[0].ClientIP != "127.0.0.1" {
			t.Errorf("register events %+v, want one by the new member from 127.0.0.1", ev)
		}
	})

	t.Run("length boundaries are accepted", func(t *testing.T) {
		for _, f := range []url.Values{
			{"email": {"eight@example.com"}, "display_name": {"E"}, "password": {"zq8wx7vb"}},
			{"email": {"max@example.com"}, "display_name": {strings.Repeat("n", models.MaxDisplayName)}, "password": {strings.Repeat("p", models.MaxPassword)}},
			{"email": {"utf8@example.com"}, "display_name": {strings.Repeat("é", models.MaxDisplayName)}, "password": {strings.Repeat("ü", models.MaxPassword)}},
		} {
			c := b.Client(t)
			res := c.Post("/register", f)
			boardtest.WantStatus(t, "register "+f.Get("email"), res, http.StatusSeeOther)
		}
	})

	const pw = "never-echo-this-9f"
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name               string
		email, dname, pass string
		errField           string
		keep               bool // the typed email and display name must be shown again
	}{
		{"empty email", "", "Zed", pw, "email", true},
		{"empty display name", "zed@example.com", "", pw, "display_name", true},
		{"blank display name", "zed@example.com", "   ", pw, "display_name", false},
		{"empty password", "zed@example.com", "Zed", "", "password", true},
		{"everything empty", "", "", "", "email", false},
		{"bad email", "not-an-email", "Zed", pw, "email", true},
		{"bad email with name", "Zed <zed@example.com>", "Zed", pw, "email", false},
		{"email too long", long(250) + "@example.com", "Zed", pw, "email", false},
		{"password 7 characters", "zed@example.com", "Zed", "pw-Qx7a", "password", true},
		{"password 129 characters", "zed@example.com", "Zed", "Lp" + long(127), "password", true},
		{"display name too long", "zed@example.com", long(models.MaxDisplayName + 1), pw, "display_name", true},
		{"display name with control char", "zed@example.com", "Zed\x07", pw, "display_name", false},
		{"invalid UTF-8 in email", "zed\xff@example.com", "Zed", pw, "email", false},
		{"invalid UTF-8 in display name", "zed@example.com", "Z\xfe\xffd", pw, "display_name", false},
		{"invalid UTF-8 in password", "zed@example.com", "Zed", "pass\xffword-long", "password", true},
		{"common password", "zed@example.com", "Zed", "password123", "password", true},
		{"duplicate email", "taken@example.com", "Zed", pw, "email", true},
		{"duplicate email, other case", "TAKEN@Example.com", "Zed", pw, "email", true},
	}
	for _, tc := range cases {
		t.Run("422 "+tc.name, func(t *testing.T) {
			c := b.Client(t)
			users, posts, audit := len(b.AllUsers(t)), len(b.AllPosts(t)), len(b.AuditEvents(t, ""))
			res := c.Post("/register", url.Values{"email": {tc.email}, "display_name": {tc.dname}, "password": {tc.pass}})
			boardtest.WantStatus(t, "POST /register", res, http.StatusUnprocessableEntity)
			boardtest.MustContain(t, "field error", res.Body, `data-testid="error-`+tc.errField+`"`, `data-testid="register-form"`)
			if tc.keep {
				if tc.email != "" {
					boardtest.MustContain(t, "typed email kept", res.Body, `name="email" type="email" value="`+tc.email+`"`)
				}
				if tc.dname != "" {
					boardtest.MustContain(t, "typed display name kept", res.Body, `value="`+tc.dname+`"`)
				}
			}
			boardtest.MustContain(t, "password never echoed", res.Body, `name="password" type="password" value=""`)
			if tc.pass != "" {
				echo := tc.pass
				if len(echo) > 12 {
					echo = echo[:12]
				}
				boardtest.MustNotContain(t, "password never echoed", res.Body, echo)
			}
			if got := len(b.AllUsers(t)); got != users {
				t.Errorf("users: %d after a 422, want %d", got, users)
			}
			if got := len(b.AllPosts(t)); got != posts {
				t.Errorf("posts: %d after a 422, want %d", got, posts)
			}
			if got := len(b.AuditEvents(t, "")); got != audit {
				t.Errorf("audit rows: %d after a 422, want %d", got, audit)
			}
			if res := c.Get("/posts"); res.Status != http.StatusUnauthorized {
				t.Errorf("a failed registration signed the browser in: GET /posts %d", res.Status)
			}
		})
	}
}

func TestSignInGenericError(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)

	try := func(t *testing.T, email, password string) (*boardtest.Response, string) {
		c := b.Client(t)
		res := c.Post("/login", url.Values{"email": {email}, "password": {password}})
		m := loginErrorRe.FindStringSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no login error shown for %s: %d\n%s", email, res.Status, boardtest.Clip(res.Body))
		}
		boardtest.MustContain(t, "email kept", res.Body, `value="`+email+`"`)
		boardtest.MustNotContain(t, "password never echoed", res.Body, password)
		if again := c.Get("/posts"); again.Status != http.StatusUnauthorized {
			t.Errorf("failed sign-in left the browser signed in: GET /posts %d", again.Status)
		}
		return res, m[1]
	}
	unknown, unknownMsg := try(t, "nobody@example.com", "some-password-77")
	wrong, wrongMsg := try(t, "alice@example.com", "wrong-password-77")
	if unknown.Status != wrong.Status {
		t.Errorf("status differs: unknown email %d, wrong password %d", unknown.Status, wrong.Status)
	}
	if unknown.Status != http.StatusUnauthorized {
		t.Errorf("failed sign-in status %d, want 401", unknown.Status)
	}
	if unknownMsg != wrongMsg || unknownMsg == "" {
		t.Errorf("error text differs:\nunknown email: %q\nwrong password: %q", unknownMsg, wrongMsg)
	}
	// Case and surrounding spaces in the email do not matter for a real sign-in.
	c := b.Client(t)
	res := c.Post("/login", url.Values{"email": {"  ALICE@example.com "}, "password": {alicePW}})
	boardtest.WantStatus(t, "sign in with differently cased email", res, http.StatusSeeOther)
}

func TestSignInCookies(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)

	t.Run("remember me gives a persistent cookie", func(t *testing.T) {
		c := b.Client(t)
		res := c.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}, "remember": {"1"}})
		if !boardtest.WantStatus(t, "login", res, http.StatusSeeOther) {
			return
		}
		ck := res.Cookie(boardtest.SessionCookie)
		if ck == nil {
			t.Fatalf("no session cookie: %q", res.Header.Values("Set-Cookie"))
		}
		if ck.MaxAge <= 0 && ck.Expires.IsZero() {
			t.Fatalf("remember me: cookie has neither Max-Age nor Expires: %q", ck.Raw)
		}
		// The cookie outlives the browser, within the server's own limits
		// (it slides with the idle timeout, up to the absolute lifetime).
		life := time.Duration(ck.MaxAge) * time.Second
		if ck.MaxAge <= 0 {
			life = time.Until(ck.Expires)
		}
		if life < time.Hour || life > handlers.SessionLifetime+time.Minute {
			t.Errorf("remember me: cookie lives %v, want between an hour and %v", life, handlers.SessionLifetime)
		}
	})
	t.Run("without remember me the cookie ends with the browser", func(t *testing.T) {
		c := b.Client(t)
		res := c.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}})
		if !boardtest.WantStatus(t, "login", res, http.StatusSeeOther) {
			return
		}
		ck := res.Cookie(boardtest.SessionCookie)
		if ck == nil {
			t.Fatalf("no session cookie: %q", res.Header.Values("Set-Cookie"))
		}
		if ck.MaxAge != 0 || !ck.Expires.IsZero() {
			t.Errorf("browser-session cookie expected, got %q", ck.Raw)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Errorf("cookie attributes: %q, want HttpOnly; SameSite=Lax; Path=/", ck.Raw)
		}
	})
}

func TestSessionRenewedOnSignIn(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	c := b.Client(t)
	c.Get("/login")
	if got := c.SessionCookie(); got != "" {
		t.Fatalf("GET /login set a session cookie %q: a visitor gets no session", got)
	}
	// An attacker plants a session cookie of their choosing before sign-in.
	before := "planted-by-an-attacker-0123456789abcdefghij"
	c.SetSessionCookie(before)
	c.Login("alice@example.com", alicePW)
	after := c.SessionCookie()
	if after == "" || after == before {
		t.Fatalf("session cookie not renewed on sign-in: before %q after %q", before, after)
	}
	if res := c.Get("/posts"); res.Status != http.StatusOK {
		t.Fatalf("signed-in GET /posts: %d", res.Status)
	}
	// Someone who planted or saw the pre-login cookie gets nothing.
	attacker := b.Client(t)
	attacker.SetSessionCookie(before)
	res := attacker.Get("/posts")
	boardtest.WantStatus(t, "pre-login cookie after sign-in", res, http.StatusUnauthorized)
	boardtest.MustNotContain(t, "pre-login cookie", res.Body, "alice@example.com")
}

// A session ends after SessionIdleTimeout without a request; each request
// starts the idle time again.
func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	alice := b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	used := b.SignedIn(t, "alice@example.com", alicePW)
	idle := b.SignedIn(t, "alice@example.com", alicePW)
	b.Clock.Advance(handlers.SessionIdleTimeout - time.Hour)
	boardtest.WantSignedIn(t, "used an hour before the idle timeout", used, "")
	b.Clock.Advance(2 * time.Hour)
	boardtest.WantSignedOut(t, "unused an hour past the idle timeout", idle, "")
	boardtest.WantSignedIn(t, "used two hours ago", used, "")
	if n := len(b.SessionsOf(t, alice.ID)); n != 1 {
		t.Errorf("alice has %d live sessions, want 1 (the idle one ended)", n)
	}
}

// However often it is used, a session ends SessionLifetime after sign-in.
func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)
	c := b.SignedIn(t, "alice@example.com", alicePW)
	step := handlers.SessionIdleTimeout - time.Hour
	var since time.Duration
	for since+step < handlers.SessionLifetime {
		b.Clock.Advance(step)
		since += step
		boardtest.WantSignedIn(t, fmt.Sprintf("used again %v after sign-in", since), c, "")
	}
	b.Clock.Advance(step)
	boardtest.WantSignedOut(t, fmt.Sprintf("%v after sign-in, past the lifetime", since+step), c, "")
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)

	t.Run("GET /logout changes nothing", func(t *testing.T) {
		c := b.SignedIn(t, "alice@example.com", alicePW)
		res := c.Get("/logout")
		if res.Status != http.StatusMethodNotAllowed && res.Status != http.StatusNotFound {
			t.Errorf("GET /logout: %d, want 405 or 404", res.Status)
		}
		if res := c.Get("/posts"); res.Status != http.StatusOK {
			t.Errorf("GET /logout signed the browser out: GET /posts %d", res.Status)
		}
	})
	t.Run("POST /logout ends the session everywhere", func(t *testing.T) {
		c := b.SignedIn(t, "alice@example.com", alicePW)
		old := c.SessionCookie()
		res := c.Post("/logout", nil)
		if !boardtest.WantStatus(t, "POST /logout", res, http.StatusSeeOther) {
			return
		}
		if c.SessionCookie() == old {
			t.Errorf("session cookie unchanged after sign out")
		}
		if res := c.Get("/posts"); res.Status != http.StatusUnauthorized {
			t.Errorf("after sign out GET /posts: %d, want 401", res.Status)
		}
		replay := b.Client(t)
		replay.SetSessionCookie(old)
		res = replay.Get("/posts")
		boardtest.WantStatus(t, "replayed cookie after sign out", res, http.StatusUnauthorized)
		boardtest.MustNotContain(t, "replayed cookie", res.Body, "alice@example.com")
		c.SetSessionCookie(old)
		boardtest.WantStatus(t, "same browser replaying its old cookie", c.Get("/posts"), http.StatusUnauthorized)
	})
	t.Run("anonymous POST /logout is 401", func(t *testing.T) {
		c := b.Client(t)
		res := c.PostRaw("/logout", url.Values{})
		boardtest.WantStatus(t, "anonymous POST /logout", res, http.StatusUnauthorized)
	})
}

// Redirect payloads as they would appear in a URL or a form body: the server
// decodes them once.
var badNext = []string{
	"//evil.example",
	"//evil.example/posts",
	"https://evil.example",
	"https:evil.example",
	`/\evil.example`,
	"/%5Cevil.example",
	"javascript:alert(1)",
	"%2F%2Fevil.example",
	"/%2F/evil.example",
	"/%09/evil.example",
	"%09//evil.example",
	"/%0D%0ALocation:%20https://evil.example",
	"http:evil",
	"evil.example",
	"///evil.example",
}

func TestSignInNextRedirect(t *testing.T) {
	t.Parallel()
	b := boardtest.New(t, boardtest.Options{})
	b.CreateUser(t, "alice@example.com", "Alice", alicePW, models.RoleMember)

	signIn := func(t *testing.T, rawNext string) *boardtest.Response {
		c := b.Client(t)
		body := url.Values{"email": {"alice@example.com"}, "password": {alicePW}, "_csrf": {c.CSRF()}}.Encode() +
			"&next=" + rawNext
		return c.PostBody("/login", body)
	}
	for _, good := range []string{"/posts/1", "/posts?before=5", "/posts/new"} {
		t.Run("honours "+good, func(t *testing.T) {
			res := signIn(t, url.QueryEscape(good))
			if boardtest.WantStatus(t, "login", res, http.StatusSeeOther) && res.Location() != good {
				t.Errorf("Location %q, want %q", res.Location(), good)
			}
		})
	}
	for _, bad := range badNext {
		t.Run("refuses "+bad, func(t *testing.T) {
			res := signIn(t, bad)
			if boardtest.WantStatus(t, "login", res, http.StatusSeeOther) && res.Location() != "/posts" {
				t.Errorf("next=%s: Location %q, want /posts", bad, res.Location())
			}
		})
	}
	// The same strings given literally (already decoded) as the form value.
	for _, bad := range []string{"//evil.example", "https://evil.example", `/\evil.example`, "javascript:alert(1)",
		"http:evil", "/\t/evil.example", "\t//evil.example", " //evil.example"} {
		t.Run("refuses literal "+bad, func(t *testing.T) {
			res := signIn(t, url.QueryEscape(bad))
			if boardtest.WantStatus(t, "login", res, http.StatusSeeOther) && res.Location() != "/posts" {
				t.Errorf("next=%q: Location %q, want /posts", bad, res.Location())
			}
		})
	}

	t.Run("login form renders only safe next values", func(t *testing.T) {
		c := b.Client(t)
		for _, bad := range badNext {
			res := c.Get("/login?next=" + bad)
			m := nextFieldRe.FindStringSubmatch(res.Body)
			if res.Status != http.StatusOK || m == nil {
				t.Errorf("GET /login?next=%s: %d, hidden next field missing", bad, res.Status)
				continue
			}
			if m[1] != "" {
				t.Errorf("GET /login?next=%s renders next=%q, want empty", bad, m[1])
			}
		}
		res := c.Get("/login?next=%2Fposts%2F1")
		if m := nextFieldRe.FindStringSubmatch(res.Body); m == nil || m[1] != "/posts/1" {
			t.Errorf("GET /login?next=/posts/1: hidden next %v, want /posts/1", m)
		}
	})

	t.Run("the 401 page keeps next and sign-in honours it", func(t *testing.T) {
		c := b.Client(t)
		res := c.Get("/posts/new")
		boardtest.WantStatus(t, "anonymous GET /posts/new", res, http.StatusUnauthorized)
		m := nextFieldRe.FindStringSubmatch(res.Body)
		if m == nil || m[1] != "/posts/new" {
			t.Fatalf("401 sign-in form next = %v, want /posts/new", m)
		}
		res = c.Post("/login", url.Values{"email": {"alice@example.com"}, "password": {alicePW}, "next": {m[1]}})
		if boardtest.WantStatus(t, "login", res, http.StatusSeeOther) && res.Location() != "/posts/new" {
			t.Errorf("Location %q, want /posts/new", res.Location())
		}
	})
}
