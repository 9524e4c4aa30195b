package standin

import (
	"bytes"
	"html/template"
	"net/http"
)

// pageData feeds the single page template; Page picks login, consent or error.
type pageData struct {
	Brand, Page, Action, RequestID, Client, Error string
	Google                                        bool // Google knows "email verified", Facebook does not
	Who                                           identity
	Presets                                       []presetView
	Scopes                                        []scopeView
}

type presetView struct {
	Key, Name, Email string
	Verified         bool
}

type scopeView struct{ Name, Words string }

func (p *Provider) pageFor(f *flavor, page, id string, req *request) pageData {
	d := pageData{Brand: f.brand, Page: page, Action: p.issuer + f.authPath, RequestID: id,
		Client: req.client, Google: f.kind == google}
	if req.who != nil {
		d.Who = *req.who
	}
	for _, ps := range presets() {
		d.Presets = append(d.Presets, presetView{Key: presetKey(ps), Name: ps.Name, Email: ps.Email, Verified: ps.Verified})
	}
	for _, s := range req.scopes {
		d.Scopes = append(d.Scopes, scopeView{Name: s, Words: f.scopes[s]})
	}
	return d
}

// errorPage answers 400 without redirecting anywhere.
func (p *Provider) errorPage(w http.ResponseWriter, f *flavor, msg string) {
	p.render(w, http.StatusBadRequest, pageData{Brand: f.brand, Page: "error", Error: msg})
}

func (p *Provider) render(w http.ResponseWriter, status int, d pageData) {
	var buf bytes.Buffer
	if err := p.pages.Execute(&buf, d); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// No scripts at all; no framing (consent clickjacking). form-action is left
	// open on purpose: Chrome applies it to the redirect back to the app.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func parsePages() (*template.Template, error) {
	return template.New("page").Parse(pageTemplate)
}

const pageTemplate = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local stand-in for {{.Brand}} sign-in</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
.warn{background:#fff3cd;border:1px solid #d9b44a;padding:.5rem .75rem;border-radius:4px}
.error{color:#a00000;font-weight:bold}
label{display:block;margin:.6rem 0}
input[type=email],input[type=text]{display:block;width:100%;padding:.4rem;box-sizing:border-box}
button{padding:.4rem .9rem;margin:.25rem .25rem .25rem 0}
fieldset{border:1px solid #ccc;margin:1.5rem 0}
</style>
</head>
<body>
<h1>Local stand-in for {{.Brand}} sign-in</h1>
<p class="warn">This is a test double running on this machine. It is <strong>not the real {{.Brand}}</strong>, and nothing typed here leaves this computer.</p>
{{- if eq .Page "login"}}
<h2>Sign in to continue to {{.Client}}</h2>
{{- with .Error}}
<p class="error" role="alert" data-testid="standin-error">{{.}}</p>
{{- end}}
<form method="post" action="{{.Action}}" data-testid="standin-login-form">
<input type="hidden" name="request_id" value="{{.RequestID}}">
<label>Email <input type="email" name="email" value="{{.Who.Email}}" required autocomplete="off" data-testid="standin-email"></label>
<label>Display name <input type="text" name="name" value="{{.Who.Name}}" autocomplete="off" data-testid="standin-name"></label>
{{- if .Google}}
<label><input type="checkbox" name="email_verified" value="true"{{if .Who.Verified}} checked{{end}} data-testid="standin-email-verified"> Email address is verified</label>
{{- end}}
<button type="submit" data-testid="standin-continue">Continue</button>
</form>
<form method="post" action="{{.Action}}" data-testid="standin-presets">
<input type="hidden" name="request_id" value="{{.RequestID}}">
<fieldset>
<legend>Or continue as a preset test identity</legend>
{{- range .Presets}}
<button type="submit" name="preset" value="{{.Key}}" data-testid="preset-{{.Key}}">{{.Name}} &lt;{{.Email}}&gt;{{if $.Google}}{{if .Verified}} (verified){{else}} (unverified){{end}}{{end}}</button>
{{- end}}
</fieldset>
</form>
{{- else if eq .Page "consent"}}
<h2>{{.Client}} wants to access your {{.Brand}} account</h2>
<p>Signed in as {{.Who.Name}} &lt;{{.Who.Email}}&gt;. If you allow, {{.Client}} will be able to:</p>
<ul data-testid="consent-scopes">
{{- range .Scopes}}
<li><code>{{.Name}}</code>: {{.Words}}</li>
{{- end}}
</ul>
<form method="post" action="{{.Action}}" data-testid="consent-form">
<input type="hidden" name="request_id" value="{{.RequestID}}">
<button type="submit" name="decision" value="allow" data-testid="consent-allow">Allow</button>
<button type="submit" name="decision" value="deny" data-testid="consent-deny">Deny</button>
</form>
{{- else}}
<h2>This sign-in request cannot continue</h2>
<p class="error" role="alert" data-testid="standin-error">{{.Error}}</p>
{{- end}}
</body>
</html>
`
