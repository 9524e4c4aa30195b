package social

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestElide(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"client_secret", "s3cret", "[elided]"},
		{"code", "4/0Ab-xyz", "[elided]"},
		{"code_verifier", "verifier-verifier", "[elided]"},
		{"access_token", "ya29.token", "[elided]"},
		{"refresh_token", "1//refresh", "[elided]"},
		{"id_token", "eyJ.x.y", "[elided]"},
		{"appsecret_proof", "abcdef", "[elided]"},
		{"state", "Zk2mX9qLw0pT", "Zk2mX9…"},
		{"nonce", "n-0S6_WzA2Mj", "n-0S6_…"},
		{"state", "short", "short"},
		{"client_id", "g-id", "g-id"},
		{"scope", "openid email profile", "openid email profile"},
		{"name", strings.Repeat("x", 200), strings.Repeat("x", 120) + "…"},
	} {
		if got := Elide(tc.name, tc.value); got != tc.want {
			t.Errorf("Elide(%s, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
	got := ElideURL("https://user:pw@accounts.example/o/auth?client_id=g-id&code=abc123secret&state=Zk2mX9qLw0pTzzz&redirect_uri=http%3A%2F%2Fb%2Fcb")
	want := "https://accounts.example/o/auth?client_id=g-id&code=[elided]&redirect_uri=http://b/cb&state=Zk2mX9…"
	if got != want {
		t.Errorf("ElideURL = %q\nwant       %q", got, want)
	}
}

// The tracing transport records what the board sends and receives, secrets
// elided, and hands the caller the answer unchanged.
func TestTracingTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("code") != "the-code-123" {
			http.Error(w, "the code did not arrive intact", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-SECRET","id_token":"id-SECRET","token_type":"Bearer","expires_in":3599}`)
	}))
	defer srv.Close()
	client := traced(srv.Client(), "Google")
	post := func(ctx context.Context) string {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {"the-code-123"}, "code_verifier": {"verifier-SECRET"}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/token", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("g-id", "client-SECRET")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}

	ctx, trace := WithTrace(context.Background())
	if body := post(ctx); !strings.Contains(body, "at-SECRET") {
		t.Fatalf("the caller got %q, want the answer unchanged", body)
	}
	steps := trace.Steps()
	if len(steps) != 2 {
		t.Fatalf("%d steps, want the request and the answer: %+v", len(steps), steps)
	}
	sent, got := steps[0], steps[1]
	if sent.From != "board" || sent.To != "Google" || sent.Line != "POST "+srv.URL+"/token" ||
		!slices.Equal(sent.Fields, []string{"Authorization: Basic [elided]", "code=[elided]", "code_verifier=[elided]", "grant_type=authorization_code"}) ||
		!strings.Contains(sent.Note, "back channel") {
		t.Errorf("request step %+v", sent)
	}
	if got.Line != "200 OK" || !slices.Equal(got.Fields, []string{"access_token: [elided]", "expires_in: 3599", "id_token: [elided]", "token_type: Bearer"}) ||
		!strings.Contains(got.Note, "ID token") {
		t.Errorf("answer step %+v", got)
	}
	for _, s := range steps {
		all := strings.Join(append(s.Fields, s.Line, s.Note), " ")
		if strings.Contains(all, "SECRET") || strings.Contains(all, "the-code-123") {
			t.Errorf("a secret was recorded: %s", all)
		}
	}

	// Without a trace in the context nothing is recorded.
	before := len(trace.Steps())
	post(context.Background())
	if len(trace.Steps()) != before {
		t.Error("a request without a trace was recorded")
	}
}
