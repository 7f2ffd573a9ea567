// The NextAuth.js side of the request-by-request comparison with our server (compare_test.go at
// the module root; its Go side, cmpConfig there, has the same settings).
// pages/api/auth/[...nextauth].js uses these options instead of the benchmark's when
// NEXTAUTH_COMPARE_CONFIG is set; bench/run.sh never sets it, so the benchmark is unchanged.
//
// Environment (set by the Go test):
//   NEXTAUTH_COMPARE_CONFIG     "jwt": JWT sessions, no adapter;
//                               "database": database sessions with the in-memory adapter below
//                               and an e-mail provider
//   NEXTAUTH_URL, NEXTAUTH_SECRET
//   COMPARE_OIDC_ISSUER, COMPARE_OIDC_CLIENT_ID, COMPARE_OIDC_CLIENT_SECRET
//                               the OpenID Provider (authtest's) of the "corp" provider; without
//                               an issuer there is no "corp" provider
//   COMPARE_MAIL_LOG            file the e-mail provider appends {"identifier","url"} lines to
import fs from "fs";
import CredentialsProvider from "next-auth/providers/credentials";

// Credentials users, by user name; the password is always "wonderland". Keep in sync with
// cmpUsers in compare_test.go.
//   alice    an ordinary user (no image)
//   nameless name and image null, as an SQL adapter returns them
//   thrower  authorize throws (NextAuth puts the message in the URL)
//   denied   the signIn callback refuses
const USERS = {
  alice: { id: "1", name: "Alice", email: "alice@example.com" },
  nameless: { id: "2", name: null, email: "nameless@example.com", image: null },
  denied: { id: "3", name: "Denied", email: "denied@example.com" },
};

function credentials() {
  return CredentialsProvider({
    id: "credentials",
    name: "Credentials",
    credentials: {
      username: { label: "Username", type: "text" },
      password: { label: "Password", type: "password" },
    },
    async authorize(creds) {
      if (creds?.username === "thrower") {
        throw new Error("ThrownByAuthorize");
      }
      const user = USERS[creds?.username];
      if (!user || creds?.password !== "wonderland") {
        return null;
      }
      return { ...user };
    },
  });
}

// corp is a generic OpenID Connect provider, as a v4 user configures one: discovery, id_token,
// PKCE and state, the default client_secret_basic.
function corp() {
  const issuer = process.env.COMPARE_OIDC_ISSUER;
  if (!issuer) {
    return [];
  }
  return [
    {
      id: "corp",
      name: "Corp SSO",
      type: "oauth",
      wellKnown: `${issuer}/.well-known/openid-configuration`,
      issuer,
      clientId: process.env.COMPARE_OIDC_CLIENT_ID,
      clientSecret: process.env.COMPARE_OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      // The mapping our generic OIDC type applies by default (Auth.js v5's):
      // a claim that is missing stays missing.
      profile(profile) {
        return {
          id: profile.sub,
          name: profile.name ?? profile.nickname ?? profile.preferred_username,
          email: profile.email,
          image: profile.picture,
        };
      },
    },
  ];
}

// email is NextAuth's e-mail provider written out (next-auth/providers/email would need
// nodemailer, which only its default sendVerificationRequest uses).
function email() {
  const log = process.env.COMPARE_MAIL_LOG;
  return {
    id: "email",
    type: "email",
    name: "Email",
    maxAge: 24 * 60 * 60,
    options: {},
    async sendVerificationRequest({ identifier, url }) {
      if (log) {
        fs.appendFileSync(log, JSON.stringify({ identifier, url }) + "\n");
      }
    },
  };
}

// memoryAdapter keeps everything in this process. Missing user fields are null, as NextAuth's
// SQL adapters return them.
function memoryAdapter() {
  const users = new Map();
  const accounts = new Map();
  const sessions = new Map();
  const tokens = new Map();
  let lastID = 0;
  const accountKey = (provider, id) => JSON.stringify([provider, id]);
  const tokenKey = (identifier, token) => JSON.stringify([identifier, token]);
  const full = (u) => ({ id: u.id, name: u.name ?? null, email: u.email ?? null, emailVerified: u.emailVerified ?? null, image: u.image ?? null });
  return {
    async createUser(data) {
      const user = full({ ...data, id: String(++lastID) });
      users.set(user.id, user);
      return user;
    },
    async getUser(id) {
      return users.get(id) ?? null;
    },
    async getUserByEmail(address) {
      for (const u of users.values()) {
        if (u.email === address) return u;
      }
      return null;
    },
    async getUserByAccount({ provider, providerAccountId }) {
      const a = accounts.get(accountKey(provider, providerAccountId));
      return a ? users.get(a.userId) ?? null : null;
    },
    async updateUser(data) {
      const user = full({ ...users.get(data.id), ...data });
      users.set(user.id, user);
      return user;
    },
    async linkAccount(account) {
      accounts.set(accountKey(account.provider, account.providerAccountId), { ...account });
      return account;
    },
    async createSession(session) {
      sessions.set(session.sessionToken, { ...session });
      return session;
    },
    async getSessionAndUser(sessionToken) {
      const session = sessions.get(sessionToken);
      const user = session && users.get(session.userId);
      return user ? { session: { ...session }, user } : null;
    },
    async updateSession(data) {
      const s = sessions.get(data.sessionToken);
      if (!s) return null;
      const updated = { ...s, ...data };
      sessions.set(updated.sessionToken, updated);
      return updated;
    },
    async deleteSession(sessionToken) {
      const s = sessions.get(sessionToken) ?? null;
      sessions.delete(sessionToken);
      return s;
    },
    async createVerificationToken(vt) {
      tokens.set(tokenKey(vt.identifier, vt.token), { ...vt });
      return vt;
    },
    async useVerificationToken({ identifier, token }) {
      const key = tokenKey(identifier, token);
      const vt = tokens.get(key) ?? null;
      tokens.delete(key);
      return vt;
    },
  };
}

export function compareOptions(kind) {
  const callbacks = {
    async signIn({ user }) {
      return user?.email !== USERS.denied.email;
    },
  };
  switch (kind) {
    case "jwt":
      return {
        secret: process.env.NEXTAUTH_SECRET,
        session: { strategy: "jwt" },
        providers: [credentials(), ...corp()],
        callbacks,
      };
    case "database":
      return {
        secret: process.env.NEXTAUTH_SECRET,
        adapter: memoryAdapter(),
        session: { strategy: "database" },
        providers: [credentials(), email(), ...corp()],
        callbacks,
      };
    default:
      throw new Error(`NEXTAUTH_COMPARE_CONFIG=${kind}: want "jwt" or "database"`);
  }
}
