#!/usr/bin/env node
// Test helper CLI (our own code): runs the Next.js middleware example of
// docs/forward-auth.md without a Next.js build. esbuild (this fixture)
// strips its TypeScript types; next/server comes from the pinned Next.js
// app that scripts/nextauth-app.sh installs. The middleware function is
// called with real NextRequest objects and asks the running Go server.
//
// Reads {"source":"…ts…","nextAppDir":"…","authUrl":"http://…",
// "cases":[{"url":"https://…","headers":{…}}]} from stdin and writes
// {"matcher":[…],"results":[{"status":307,"headers":{…}}]}.
"use strict";

const fs = require("fs");
const path = require("path");
const Module = require("module");
const esbuild = require("esbuild");

const req = JSON.parse(fs.readFileSync(0, "utf8"));
const { code } = esbuild.transformSync(req.source, { loader: "ts", format: "cjs" });
// The example reads its environment when it is loaded.
process.env.NEXTAUTH_INTERNAL_URL = req.authUrl;
const nextRequire = Module.createRequire(path.join(req.nextAppDir, "package.json"));
const mod = { exports: {} };
new Function("require", "module", "exports", code)(nextRequire, mod, mod.exports);
const { NextRequest } = nextRequire("next/server");

(async () => {
  const results = [];
  for (const c of req.cases) {
    const res = await mod.exports.middleware(new NextRequest(c.url, { headers: c.headers || {} }));
    results.push({ status: res.status, headers: Object.fromEntries(res.headers) });
  }
  process.stdout.write(JSON.stringify({ matcher: mod.exports.config.matcher, results }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
