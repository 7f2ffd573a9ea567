// The NextAuth.js side of the benchmark (bench/run.sh): next-auth@4.24.15 configured
// like bench/nextauth.yaml is for our server.
//
//   - the same secret (NEXTAUTH_SECRET, set by run.sh for both servers);
//   - JWT sessions (no adapter);
//   - one credentials provider, id "credentials", with one user, alice, whose password
//     is checked against the same bcrypt hash (cost 4) as our server's static user, so a
//     sign-in costs both sides one cheap bcrypt comparison (bcryptjs here, pure JS;
//     golang.org/x/crypto/bcrypt there).
import NextAuth from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import bcrypt from "bcryptjs";
// The request-by-request comparison (compare_test.go) runs other options, chosen by
// NEXTAUTH_COMPARE_CONFIG (see compare.js); the benchmark never sets it.
import { compareOptions } from "../../../compare";

// Keep in sync with bench/nextauth.yaml (password: wonderland).
const USER = {
  username: "alice",
  passwordHash: "$2a$04$xAbKxhoz.T6VByv.u8nDhO8IMcTi7j/cZ7Vt2En4zaXwCoLNPrTj.",
  id: "1",
  name: "Alice",
  email: "alice@example.com",
};

export const authOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: "jwt" },
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Credentials",
      credentials: {
        username: { label: "Username", type: "text" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials) {
        if (credentials?.username !== USER.username || typeof credentials?.password !== "string") {
          return null;
        }
        if (!(await bcrypt.compare(credentials.password, USER.passwordHash))) {
          return null;
        }
        return { id: USER.id, name: USER.name, email: USER.email };
      },
    }),
  ],
};

export default NextAuth(
  process.env.NEXTAUTH_COMPARE_CONFIG ? compareOptions(process.env.NEXTAUTH_COMPARE_CONFIG) : authOptions,
);
