package adaptertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

// getUserEverywhere reads u back by id and by e-mail and compares it.
func (e *env) getUserEverywhere(u nextauth.User) {
	e.t.Helper()
	got, err := e.a.GetUser(e.ctx, u.ID)
	if err != nil {
		e.t.Errorf("GetUser(%q) error = %v", u.ID, err)
	} else {
		e.checkUser(fmt.Sprintf("GetUser(%q)", u.ID), got, u)
	}
	if u.Email.String() == "" {
		return
	}
	got, err = e.a.GetUserByEmail(e.ctx, u.Email.String())
	if err != nil {
		e.t.Errorf("GetUserByEmail(%s) error = %v", short(u.Email.String()), err)
	} else {
		e.checkUser(fmt.Sprintf("GetUserByEmail(%s)", short(u.Email.String())), got, u)
	}
}

func testCreateUser(e *env) {
	in := e.fullUser()
	u := e.createUser(in)
	e.getUserEverywhere(u)
	// Changing what the caller holds changes nothing stored.
	want := u
	want.EmailVerified = ptr(*u.EmailVerified)
	*in.EmailVerified = in.EmailVerified.Add(time.Hour)
	*u.EmailVerified = u.EmailVerified.Add(time.Hour)
	got, err := e.a.GetUser(e.ctx, u.ID)
	if err != nil {
		e.t.Fatalf("GetUser(%q) error = %v", u.ID, err)
	}
	*got.EmailVerified = got.EmailVerified.Add(time.Hour)
	e.getUserEverywhere(want)
	u = want
	v := e.createUser(e.fullUser())
	if v.ID == u.ID {
		e.t.Errorf("CreateUser gave two users the ID %q", u.ID)
	}
	e.getUserEverywhere(v)
}

func testCreateUserIgnoresID(e *env) {
	in := e.fullUser()
	in.ID = e.uniq("caller-id")
	u := e.createUser(in)
	if u.ID == in.ID {
		e.t.Errorf("CreateUser(ID %q).ID = %q, want a new ID (the caller's is ignored)", in.ID, u.ID)
	}
	if _, err := e.a.GetUser(e.ctx, in.ID); u.ID != in.ID {
		e.wantErr(fmt.Sprintf("GetUser(%q) of the ignored caller ID", in.ID), err, nextauth.ErrNotFound)
	}
	e.getUserEverywhere(u)
}

func testCreateUserMinimal(e *env) {
	// An OAuth user: e-mail only, never verified; empty strings stay empty.
	u := e.createUser(nextauth.User{Email: nextauth.String(e.email())})
	e.getUserEverywhere(u)
}

func testCreateUserEmailConflict(e *env) {
	first := e.createUser(e.fullUser())
	dup := e.fullUser()
	dup.Email = first.Email
	_, err := e.a.CreateUser(e.ctx, dup)
	e.wantErr(fmt.Sprintf("CreateUser with the e-mail of user %q", first.ID), err, nextauth.ErrConflict)
	// The first user is untouched.
	e.getUserEverywhere(first)
}

func testCreateUserWithoutEmail(e *env) {
	a := e.createUser(nextauth.User{Name: nextauth.String("No Mail One")})
	b := e.createUser(nextauth.User{Name: nextauth.String("No Mail Two")})
	if a.ID == b.ID {
		e.t.Errorf("CreateUser gave two users the ID %q", a.ID)
	}
	e.getUserEverywhere(a)
	e.getUserEverywhere(b)
	// A user without e-mail is not found by the empty e-mail.
	_, err := e.a.GetUserByEmail(e.ctx, "")
	e.wantErr(`GetUserByEmail("")`, err, nextauth.ErrNotFound)
}

func testNullUserFields(e *env) {
	// A name or image that is null, absent or "" is stored as NULL, and a
	// NULL reads back as null (an e-mail user's session shows "name":null),
	// everywhere a user is returned; a value reads back as that value.
	for _, tc := range []struct {
		what        string
		name, image nextauth.NullString
	}{
		{"null", nextauth.Null(), nextauth.Null()},
		{"absent", nextauth.NullString{}, nextauth.NullString{}},
		{"empty", nextauth.String(""), nextauth.String("")},
		{"values", nextauth.String("Ada"), nextauth.String("https://example.test/ada.png")},
	} {
		in := nextauth.User{Name: tc.name, Email: nextauth.String(e.email()), Image: tc.image}
		u := e.createUser(in) // checks the returned fields
		want := u
		want.Name, want.Email, want.Image = stored(tc.name), in.Email, stored(tc.image)
		e.getUserEverywhere(want)
		s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
		e.checkSessionAndUser(s, want)
		// An update to null, absent or "" stores NULL too.
		upd := want
		upd.Name, upd.Image = tc.name, tc.image
		got, err := e.a.UpdateUser(e.ctx, upd)
		if err != nil {
			e.t.Fatalf("UpdateUser(%s) error = %v", fmtUser(upd), err)
		}
		e.checkUser(tc.what+": UpdateUser", got, want)
		e.getUserEverywhere(want)
	}
	// A user with nothing but an ID has a null e-mail.
	v := e.createUser(nextauth.User{})
	if !v.Email.IsNull() {
		e.t.Errorf("CreateUser(User{}).Email = %s, want null", fmtField(v.Email))
	}
}

// stored is n as an adapter reads it back: NULL for null, absent or "".
func stored(n nextauth.NullString) nextauth.NullString { return nextauth.NullIfEmpty(n.String()) }

func testGetUserNotFound(e *env) {
	for _, id := range e.unknownIDs() {
		_, err := e.a.GetUser(e.ctx, id)
		e.wantErr(fmt.Sprintf("GetUser(%q)", id), err, nextauth.ErrNotFound)
	}
}

func testGetUserByEmailNotFound(e *env) {
	for _, email := range []string{e.email(), "", "%", "_@example.test", "*"} {
		_, err := e.a.GetUserByEmail(e.ctx, email)
		e.wantErr(fmt.Sprintf("GetUserByEmail(%q)", email), err, nextauth.ErrNotFound)
	}
}

func testGetUserByEmailExact(e *env) {
	u := e.createUser(e.fullUser())
	stored := u.Email.String()
	local, domain, _ := strings.Cut(stored, "@")
	for _, email := range []string{
		local,                                // prefix
		stored + ".org",                      // longer
		" " + stored,                         // padded
		stored + " ",                         //
		local[:len(local)-1] + "%@" + domain, // LIKE pattern
		local[:len(local)-1] + "_@" + domain, //
		local + "*@" + domain,                // glob pattern
	} {
		_, err := e.a.GetUserByEmail(e.ctx, email)
		e.wantErr(fmt.Sprintf("GetUserByEmail(%q) with only %q stored", email, stored), err, nextauth.ErrNotFound)
	}
}

func testUpdateUser(e *env) {
	u := e.createUser(nextauth.User{Email: nextauth.String(e.email())})
	upd := u
	upd.Name = nextauth.String("Grace Hopper")
	upd.Email = nextauth.String(e.email())
	upd.Image = nextauth.String("https://example.test/grace.png")
	upd.EmailVerified = ptr(ms(0))
	got, err := e.a.UpdateUser(e.ctx, upd)
	if err != nil {
		e.t.Fatalf("UpdateUser(%s) error = %v", fmtUser(upd), err)
	}
	e.checkUser("UpdateUser", got, upd)
	e.getUserEverywhere(upd)
	// The old e-mail no longer finds anyone.
	_, err = e.a.GetUserByEmail(e.ctx, u.Email.String())
	e.wantErr(fmt.Sprintf("GetUserByEmail(%q) of the replaced e-mail", u.Email), err, nextauth.ErrNotFound)
	// Updating to the user's own e-mail is no conflict.
	upd.Name = nextauth.String("Grace B. Hopper")
	got, err = e.a.UpdateUser(e.ctx, upd)
	if err != nil {
		e.t.Fatalf("UpdateUser(%s) keeping the e-mail: error = %v", fmtUser(upd), err)
	}
	e.checkUser("UpdateUser keeping the e-mail", got, upd)
	e.getUserEverywhere(upd)
}

func testUpdateUserClearsFields(e *env) {
	u := e.createUser(e.fullUser())
	upd := nextauth.User{ID: u.ID}
	got, err := e.a.UpdateUser(e.ctx, upd)
	if err != nil {
		e.t.Fatalf("UpdateUser(%q with every field empty) error = %v", u.ID, err)
	}
	e.checkUser("UpdateUser with every field empty", got, upd)
	e.getUserEverywhere(upd)
	_, err = e.a.GetUserByEmail(e.ctx, u.Email.String())
	e.wantErr(fmt.Sprintf("GetUserByEmail(%q) after clearing it", u.Email), err, nextauth.ErrNotFound)
	// The cleared e-mail is free again.
	v := e.createUser(nextauth.User{Email: u.Email})
	e.getUserEverywhere(v)
}

func testUpdateUserEmailConflict(e *env) {
	a := e.createUser(e.fullUser())
	b := e.createUser(e.fullUser())
	upd := b
	upd.Email = a.Email
	upd.Name = nextauth.String("Changed")
	_, err := e.a.UpdateUser(e.ctx, upd)
	e.wantErr(fmt.Sprintf("UpdateUser(%q) to the e-mail of user %q", b.ID, a.ID), err, nextauth.ErrConflict)
	// Neither user changed.
	e.getUserEverywhere(a)
	e.getUserEverywhere(b)
}

func testUpdateUserNotFound(e *env) {
	for _, id := range e.unknownIDs() {
		u := e.fullUser()
		u.ID = id
		_, err := e.a.UpdateUser(e.ctx, u)
		e.wantErr(fmt.Sprintf("UpdateUser(%q)", id), err, nextauth.ErrNotFound)
		_, err = e.a.GetUserByEmail(e.ctx, u.Email.String())
		e.wantErr(fmt.Sprintf("GetUserByEmail(%q) after UpdateUser of unknown id %q", u.Email, id), err, nextauth.ErrNotFound)
	}
}

func testTimePrecision(e *env) {
	zone := time.FixedZone("UTC+05:30", 5*3600+1800)
	base := time.Now().Add(time.Hour).Truncate(time.Second).UTC()
	// Session and token expiries lie ahead (a store may drop rows long
	// expired); EmailVerified may be any time.
	future := []time.Time{
		base.Add(999 * time.Millisecond),                           // milliseconds kept
		base.Add(999_999_999),                                      // finer than ms: within 1 ms
		base.Add(123 * time.Millisecond).In(zone),                  // other zone: same instant, back in UTC
		time.Date(2099, 12, 31, 23, 59, 59, 1_000_000, time.Local), // far future
	}
	past := []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999_000_000, time.UTC), // leap day
		time.Date(1970, 1, 1, 0, 0, 0, 1_000_000, time.UTC),       // near the epoch
	}
	for _, tm := range past {
		u := e.createUser(nextauth.User{Email: nextauth.String(e.email()), EmailVerified: ptr(tm)})
		e.getUserEverywhere(u)
	}
	for _, tm := range future {
		u := e.createUser(nextauth.User{Email: nextauth.String(e.email()), EmailVerified: ptr(tm)})
		e.getUserEverywhere(u)

		s := e.createSession(nextauth.AdapterSession{SessionToken: sessionToken(), UserID: u.ID, Expires: tm})
		e.checkSessionAndUser(s, u)
		upd := s
		upd.Expires = tm.Add(time.Hour)
		got, err := e.a.UpdateSession(e.ctx, s.SessionToken, upd.Expires)
		if err != nil {
			e.t.Errorf("UpdateSession(%q, %v) error = %v", s.SessionToken, upd.Expires, err)
		} else {
			e.checkSession(fmt.Sprintf("UpdateSession(%v)", upd.Expires), got, upd)
			e.checkSessionAndUser(upd, u)
		}

		vt := nextauth.VerificationToken{Identifier: u.Email.String(), Token: hashToken(), Expires: tm}
		e.createToken(vt)
		e.useToken(vt, fmt.Sprintf("(expires %v)", tm))
	}
}

// unicodeValues are stored byte for byte: emoji (with ZWJ, skin tone and
// flag sequences), right-to-left scripts, NFC next to NFD spellings,
// astral-plane characters and SQL metacharacters.
func unicodeValues() []string {
	return []string{
		"Zo\u00eb \u00c5ngstr\u00f6m",    // NFC
		"Zoe\u0308 A\u030angstro\u0308m", // NFD of the same
		"👩🏽‍💻 Dev 🇺🇳",
		"مرحبا بالعالم",
		"שָׁלוֹם \u200f(rtl)",
		"李小龍 𠜎𠜱𠝹",
		"'; DROP TABLE users; --",
		`quote " back\slash`,
	}
}

func testUnicode(e *env) {
	for _, v := range unicodeValues() {
		in := nextauth.User{Name: nextauth.String(v), Email: nextauth.String(e.uniq("\u00fc") + "@ex\u00e4mple.test"), Image: nextauth.String("https://example.test/" + v)}
		u := e.createUser(in)
		e.getUserEverywhere(u)

		s := e.createSession(nextauth.AdapterSession{SessionToken: v + " " + sessionToken(), UserID: u.ID, Expires: ms(time.Hour)})
		gs, gu, err := e.a.GetSessionAndUser(e.ctx, s.SessionToken)
		if err != nil {
			e.t.Errorf("GetSessionAndUser(%s) error = %v", short(s.SessionToken), err)
		} else {
			e.checkSession("GetSessionAndUser", gs, s)
			e.checkUser("GetSessionAndUser", gu, u)
		}

		acc := account(u.ID, "prov "+v)
		acc.ProviderAccountID = v + " " + randHex(4)
		acc.Scope = v
		e.linkAccount(acc)
		e.checkUserByAccount(acc, u)

		vt := nextauth.VerificationToken{Identifier: u.Email.String(), Token: v + " " + hashToken(), Expires: ms(time.Hour)}
		e.createToken(vt)
		got, err := e.a.UseVerificationToken(e.ctx, vt.Identifier, vt.Token)
		if err != nil {
			e.t.Errorf("UseVerificationToken(%s) error = %v", fmtToken(vt), err)
		} else {
			e.checkToken("UseVerificationToken", got, vt)
		}
	}

	// NFC and NFD spellings of one address are two e-mails: two users,
	// each found by its own spelling.
	suffix := e.uniq("")
	nfc := e.createUser(nextauth.User{Email: nextauth.String("zo\u00eb" + suffix + "@example.test")})
	nfd := e.createUser(nextauth.User{Email: nextauth.String("zoe\u0308" + suffix + "@example.test")})
	if nfc.ID == nfd.ID {
		e.t.Errorf("users with NFC and NFD e-mails share the ID %q", nfc.ID)
	}
	e.getUserEverywhere(nfc)
	e.getUserEverywhere(nfd)
}

// testLongValues stores values longer than a VARCHAR(255) column holds:
// 1 KB names and 2 KB session tokens.
func testLongValues(e *env) {
	in := nextauth.User{Name: nextauth.String(strings.Repeat("N", 1024)), Email: nextauth.String(e.email()), EmailVerified: ptr(ms(0))}
	u := e.createUser(in)
	e.getUserEverywhere(u)
	upd := u
	upd.Name = nextauth.String(strings.Repeat("\u00e9", 512)) // 1 KB of two-byte characters
	got, err := e.a.UpdateUser(e.ctx, upd)
	if err != nil {
		e.t.Fatalf("UpdateUser(1 KB name) error = %v", err)
	}
	e.checkUser("UpdateUser(1 KB name)", got, upd)
	e.getUserEverywhere(upd)

	s := e.createSession(nextauth.AdapterSession{SessionToken: randHex(1024), UserID: u.ID, Expires: ms(time.Hour)})
	e.checkSessionAndUser(s, upd)
	got2, err := e.a.UpdateSession(e.ctx, s.SessionToken, ms(2*time.Hour))
	if err != nil {
		e.t.Errorf("UpdateSession(2 KB token) error = %v", err)
	} else {
		s.Expires = got2.Expires
		e.checkSessionAndUser(s, upd)
	}
	if _, err := e.a.DeleteSession(e.ctx, s.SessionToken); err != nil {
		e.t.Errorf("DeleteSession(2 KB token) error = %v", err)
	}
	e.checkNoSession(s.SessionToken, "after DeleteSession")
}

// testLongText stores long values where even the reference schema has
// TEXT columns: an 8 KB data-URL image (Azure AD sends them) and a 2 KB
// verification token.
func testLongText(e *env) {
	in := nextauth.User{
		Email: nextauth.String(e.email()),
		Image: nextauth.String("data:image/png;base64," + strings.Repeat("iVBORw0KGgo=", 8192/12)),
	}
	u := e.createUser(in)
	e.getUserEverywhere(u)

	vt := nextauth.VerificationToken{Identifier: u.Email.String(), Token: randHex(1024), Expires: ms(time.Hour)}
	e.createToken(vt)
	e.useToken(vt, "(2 KB)")
	e.noToken(vt.Identifier, vt.Token, "(2 KB) a second time")
}
