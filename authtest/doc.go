// Package authtest holds real servers for testing code that signs users in
// with nextauth: an SMTP server that catches the sign-in e-mails
// ([NewSMTPServer]) and an OpenID Provider ([NewOIDCProvider]), each
// in-process on 127.0.0.1 with a free port; and Ory Hydra ([NewHydra]), a
// second OpenID Provider from another code base, run as its own process on
// 127.0.0.1 (built from the module in authtest/hydra). Each stops when the
// test ends.
//
// It is for tests only: the servers trust anyone who connects, keep
// everything in memory and report problems through the testing.TB they
// were given.
package authtest
