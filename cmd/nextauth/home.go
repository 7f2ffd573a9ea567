package main

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"

	"github.com/nextauth-go/nextauth"
)

// homeHTML is the --dev home page: the current session and the links to
// sign in and out. No JavaScript.
const homeHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nextauth (development)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}
pre{background:#f4f4f4;padding:1rem;overflow:auto}
a.button{display:inline-block;padding:.5rem 1rem;background:#346df1;color:#fff;text-decoration:none;border-radius:.3rem}
.muted{color:#666}
</style>
</head>
<body>
<h1>nextauth</h1>
<p class="muted">Development mode (--dev). Not for production.</p>
{{if .Session}}
<p id="status">Signed in as <strong>{{.Name}}</strong>{{with .Email}} ({{.}}){{end}}.</p>
<p><a class="button" href="{{.Base}}/signout">Sign out</a></p>
<h2>Session</h2>
<pre>{{.JSON}}</pre>
{{else}}
<p id="status">Not signed in.</p>
<p><a class="button" href="{{.Base}}/signin?callbackUrl=/">Sign in</a></p>
{{end}}
<p class="muted">Routes: <a href="{{.Base}}/session">{{.Base}}/session</a> ·
<a href="{{.Base}}/providers">{{.Base}}/providers</a> ·
<a href="{{.Base}}/csrf">{{.Base}}/csrf</a></p>
</body>
</html>
`

// homeData is what the home page shows.
type homeData struct {
	Base        string
	Session     bool
	Name, Email string
	JSON        string
}

// devHome serves the --dev home page.
func devHome(h *nextauth.Handler) http.Handler {
	tmpl := template.Must(template.New("home").Parse(homeHTML))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := homeData{Base: h.BasePath()}
		if sess, err := h.GetSession(nil, r); err == nil {
			data.Session = true
			if sess.User != nil {
				data.Name, data.Email = sess.User.Name.String(), sess.User.Email.String()
			}
			if b, err := json.MarshalIndent(sess, "", "  "); err == nil {
				data.JSON = string(b)
			}
		}
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, data); err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
		_, _ = w.Write(buf.Bytes())
	})
}
