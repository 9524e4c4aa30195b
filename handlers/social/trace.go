package social

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"board/models"
)

// Trace records the requests the board makes to a provider during one
// sign-in, with every secret elided as it is recorded, so the /learn OAuth
// page can show the code flow with the member's own data.
type Trace struct {
	mu    sync.Mutex
	steps []models.TraceStep
}

type traceKey struct{}

// WithTrace returns a context whose provider requests are recorded in the
// returned trace.
func WithTrace(ctx context.Context) (context.Context, *Trace) {
	t := &Trace{}
	return context.WithValue(ctx, traceKey{}, t), t
}

// Steps are the requests and answers recorded so far.
func (t *Trace) Steps() []models.TraceStep {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.steps)
}

func (t *Trace) add(s ...models.TraceStep) {
	t.mu.Lock()
	t.steps = append(t.steps, s...)
	t.mu.Unlock()
}

// secretParams are elided entirely wherever they appear.
var secretParams = map[string]bool{"client_secret": true, "code": true, "code_verifier": true, "access_token": true,
	"refresh_token": true, "id_token": true, "appsecret_proof": true, "password": true}

// correlationParams are kept to their first characters, so a reader can
// match them between steps without the whole value being kept.
var correlationParams = map[string]bool{"state": true, "nonce": true, "code_challenge": true}

// Elide returns what may be shown and stored of a parameter's value.
func Elide(name, value string) string {
	switch {
	case secretParams[name]:
		return "[elided]"
	case correlationParams[name] && len(value) > 6:
		return value[:6] + "…"
	case len(value) > 120:
		return value[:120] + "…"
	}
	return value
}

// ElideURL is u with every query value elided as Elide says.
func ElideURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "[unreadable URL]"
	}
	u.User = nil
	q := u.Query()
	for name, values := range q {
		for i, v := range values {
			values[i] = Elide(name, v)
		}
		q[name] = values
	}
	// Encode sorts by name; elided values read better unescaped.
	u.RawQuery = ""
	out := u.String()
	if fields := queryFields(q); len(fields) > 0 {
		out += "?" + strings.Join(fields, "&")
	}
	return out
}

func queryFields(q url.Values) []string {
	var out []string
	for name, values := range q {
		for _, v := range values {
			out = append(out, name+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// tracing records the requests made through it when the request's context
// carries a Trace.
type tracing struct {
	base  http.RoundTripper
	label string // the provider, e.g. "Google"
}

// traced returns a copy of client that records into a context's Trace.
func traced(client *http.Client, label string) *http.Client {
	c := *client
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = tracing{base: base, label: label}
	return &c
}

// traceBodyLimit bounds what is read of a body for a trace.
const traceBodyLimit = 64 << 10

func (t tracing) RoundTrip(req *http.Request) (*http.Response, error) {
	tr, _ := req.Context().Value(traceKey{}).(*Trace)
	if tr == nil {
		return t.base.RoundTrip(req)
	}
	sent := models.TraceStep{From: "board", To: t.label, Line: req.Method + " " + ElideURL(req.URL.String())}
	if auth := req.Header.Get("Authorization"); auth != "" {
		scheme, _, _ := strings.Cut(auth, " ")
		sent.Fields = append(sent.Fields, "Authorization: "+scheme+" [elided]")
	}
	if req.Body != nil && req.GetBody != nil {
		body, err := req.GetBody()
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(body, traceBodyLimit))
			body.Close()
			if isForm(req.Header.Get("Content-Type")) {
				sent.Fields = append(sent.Fields, queryFields(elideValues(parseQuery(string(b))))...)
			}
		}
	}
	sent.Note = t.requestNote(req.URL.Path, sent.Fields)
	res, err := t.base.RoundTrip(req)
	if err != nil {
		tr.add(sent)
		return nil, err
	}
	b, readErr := io.ReadAll(io.LimitReader(res.Body, traceBodyLimit))
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(b))
	answer := models.TraceStep{From: t.label, To: "board", Line: res.Status}
	if readErr == nil {
		answer.Fields = jsonFields(b)
	}
	if slices.Contains(answer.Fields, "id_token: [elided]") {
		answer.Note = "The ID token is a JWT signed by " + t.label + ": the board checks its signature with " + t.label +
			"'s published keys, that it is meant for the board's client id, that it has not expired, and that its nonce is the one kept in your session."
	}
	tr.add(sent, answer)
	return res, nil
}

// requestNote says what a back-channel request is for.
func (t tracing) requestNote(path string, fields []string) string {
	switch {
	case slices.Contains(fields, "grant_type=authorization_code"):
		return "The back channel: the board trades the code for tokens directly with " + t.label +
			", proving it is the registered client (its secret) and the one that started this sign-in (the PKCE verifier). Your browser never sees this."
	case strings.HasSuffix(path, "/.well-known/openid-configuration"):
		return "Discovery: the board reads where " + t.label + "'s endpoints and signing keys are (once, then it remembers)."
	case strings.HasSuffix(path, "/me"):
		return "The board asks " + t.label + " who the access token belongs to, proving with appsecret_proof that the call is its own."
	}
	return ""
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

func parseQuery(raw string) url.Values {
	q, _ := url.ParseQuery(raw)
	return q
}

func elideValues(q url.Values) url.Values {
	for name, values := range q {
		for i, v := range values {
			values[i] = Elide(name, v)
		}
	}
	return q
}

// jsonFields lists a JSON object's top-level members, values elided; an
// answer that is not a JSON object shows as nothing.
func jsonFields(b []byte) []string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return nil
	}
	var out []string
	for name, raw := range obj {
		var s string
		value := string(raw)
		if json.Unmarshal(raw, &s) == nil {
			value = s
		}
		out = append(out, name+": "+Elide(name, value))
	}
	sort.Strings(out)
	return out
}
