package pages

import (
	"net/http"
	"strings"
)

// SignInErrorMessage returns the sentence the sign-in page shows for an
// ?error= code (docs/compatibility.md#sign-in-page; our wording, NextAuth's
// meaning). The lookup is case-sensitive, as in NextAuth; unknown codes get a
// generic message. The page shows no message at all when the code is empty.
func SignInErrorMessage(code string) string {
	switch code {
	case "Signin", "OAuthSignin", "OAuthCallback", "OAuthCreateAccount", "EmailCreateAccount", "Callback":
		return "Signing in did not work. Please try again with a different account."
	case "OAuthAccountNotLinked":
		return "To prove it is you, please sign in with the account you first used."
	case "EmailSignin":
		return "We could not send the sign-in email."
	case "CredentialsSignin":
		return "Signing in failed. Please make sure the details you entered are correct."
	case "SessionRequired":
		return "You need to sign in to see this page."
	default:
		return "Signing in is not possible right now."
	}
}

// errorKey is the error page variant NextAuth picks for a code: the code
// lower-cased if it is one of "configuration", "accessdenied" or
// "verification", and "default" otherwise (docs/compatibility.md#get-error).
func errorKey(code string) string {
	switch k := strings.ToLower(code); k {
	case "configuration", "accessdenied", "verification":
		return k
	}
	return "default"
}

// ErrorStatus is the HTTP status NextAuth answers the error page with for an
// ?error= code, compared case-insensitively (docs/compatibility.md#get-error):
// 500 for Configuration, 403 for AccessDenied and Verification, 200 for
// anything else.
func ErrorStatus(code string) int {
	switch errorKey(code) {
	case "configuration":
		return http.StatusInternalServerError
	case "accessdenied", "verification":
		return http.StatusForbidden
	}
	return http.StatusOK
}

// errorHeading is the error page's heading for an errorKey
// (docs/compatibility.md#get-error).
func errorHeading(key string) string {
	switch key {
	case "configuration":
		return "Server error"
	case "accessdenied":
		return "Access Denied"
	case "verification":
		return "Unable to sign in"
	}
	return "Error"
}
