// Package nextauth serves the NextAuth.js v4 REST API from Go: the same
// routes, cookies, CSRF protection and encrypted session tokens as
// next-auth 4.24, so the unchanged next-auth/react client works against it
// and sessions are shared with Node apps that use the same secret.
//
// # Routes
//
// Under the base path of [Config.URL] (default /api/auth):
//
//	GET  /signin                 built-in sign-in page (or redirect to Pages.SignIn)
//	POST /signin/:provider       start a sign-in (CSRF checked)
//	GET  /callback/:provider     OAuth and e-mail callbacks
//	POST /callback/:provider     credentials sign-in (CSRF checked), OAuth form_post
//	GET  /signout                built-in sign-out page
//	POST /signout                sign out (CSRF checked)
//	GET  /session                the session as JSON ({} when signed out)
//	POST /session                update() from the client (CSRF checked)
//	GET  /csrf                   {"csrfToken":"…"}
//	GET  /providers              the configured providers
//	GET  /error                  error page
//	GET  /verify-request         "check your e-mail" page
//	POST /_log                   the browser client's log proxy
//
// Any other method or action is answered 400 "Error: This action with HTTP
// <METHOD> is not supported by NextAuth.js", exactly as NextAuth does.
//
// # Use
//
//	h, err := nextauth.New(nextauth.Config{
//		URL:    "https://example.com/api/auth",
//		Secret: os.Getenv("NEXTAUTH_SECRET"),
//		Providers: []nextauth.Provider{provider.Credentials(provider.CredentialsConfig{
//			Fields:    []nextauth.CredentialField{{Name: "username"}, {Name: "password", Type: "password"}},
//			Authorize: check,
//		})},
//	})
//	if err != nil {
//		log.Fatal(err) // every configuration problem at once
//	}
//	mux.Handle("/api/auth/", h)
//	mux.Handle("/dashboard", h.RequireSession(dashboard))
//
// [Handler.GetSession] is the server-side session lookup (NextAuth's
// getServerSession) and [Handler.Token] reads the raw token claims
// (getToken).
package nextauth
