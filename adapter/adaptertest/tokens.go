package adaptertest

import (
	"fmt"
	"time"

	"github.com/nextauth-go/nextauth"
)

// useToken redeems vt and compares what comes back.
func (e *env) useToken(vt nextauth.VerificationToken, why string) {
	e.t.Helper()
	call := fmt.Sprintf("UseVerificationToken(%s) %s", fmtToken(vt), why)
	got, err := e.a.UseVerificationToken(e.ctx, vt.Identifier, vt.Token)
	if err != nil {
		e.t.Errorf("%s error = %v", call, err)
		return
	}
	e.checkToken(call, got, vt)
}

// noToken checks that (identifier, token) cannot be redeemed.
func (e *env) noToken(identifier, token, why string) {
	e.t.Helper()
	_, err := e.a.UseVerificationToken(e.ctx, identifier, token)
	e.wantErr(fmt.Sprintf("UseVerificationToken(%s, %s) %s", short(identifier), short(token), why), err, nextauth.ErrNotFound)
}

func testVerificationToken(e *env) {
	vt := nextauth.VerificationToken{Identifier: e.email(), Token: hashToken(), Expires: ms(24 * time.Hour)}
	e.createToken(vt)
	e.useToken(vt, "")
	e.noToken(vt.Identifier, vt.Token, "a second time")
	// Once used, the pair may be stored again.
	e.createToken(vt)
	e.useToken(vt, "after storing it again")
}

func testVerificationTokenWrongPair(e *env) {
	vt := nextauth.VerificationToken{Identifier: e.email(), Token: hashToken(), Expires: ms(24 * time.Hour)}
	other := e.email()
	e.createToken(vt)
	// A wrong identifier or token neither redeems nor burns the token.
	e.noToken(other, vt.Token, "with another identifier")
	e.noToken(vt.Identifier, hashToken(), "with another token")
	e.noToken(vt.Identifier, "", "with an empty token")
	e.noToken("", vt.Token, "with an empty identifier")
	e.noToken(vt.Identifier, "%", "with a pattern")
	e.useToken(vt, "after the failed attempts")
}

func testVerificationTokenSeveral(e *env) {
	// Each sign-in request stores a new token; older ones stay valid.
	id := e.email()
	vts := []nextauth.VerificationToken{
		{Identifier: id, Token: hashToken(), Expires: ms(24 * time.Hour)},
		{Identifier: id, Token: hashToken(), Expires: ms(25 * time.Hour)},
		{Identifier: id, Token: hashToken(), Expires: ms(26 * time.Hour)},
	}
	for _, vt := range vts {
		e.createToken(vt)
	}
	e.useToken(vts[1], "")
	e.noToken(vts[1].Identifier, vts[1].Token, "a second time")
	e.useToken(vts[0], "")
	e.useToken(vts[2], "")
}

func testVerificationTokenConflict(e *env) {
	vt := nextauth.VerificationToken{Identifier: e.email(), Token: hashToken(), Expires: ms(24 * time.Hour)}
	e.createToken(vt)
	dup := vt
	dup.Expires = ms(48 * time.Hour)
	err := e.a.CreateVerificationToken(e.ctx, dup)
	e.wantErr(fmt.Sprintf("CreateVerificationToken(%s) again", fmtToken(dup)), err, nextauth.ErrConflict)
	// The first one is kept as it was.
	e.useToken(vt, "after the conflict")
}

func testVerificationTokenExpired(e *env) {
	for _, ago := range []time.Duration{time.Minute, time.Hour} {
		vt := nextauth.VerificationToken{Identifier: e.email(), Token: hashToken(), Expires: ms(-ago)}
		e.createToken(vt)
		// Returned as it is, and deleted all the same.
		e.useToken(vt, "expired")
		e.noToken(vt.Identifier, vt.Token, "expired, a second time")
	}
}

func testVerificationTokenNotFound(e *env) {
	e.noToken(e.email(), hashToken(), "never stored")
	e.noToken("", "", "never stored")
}
