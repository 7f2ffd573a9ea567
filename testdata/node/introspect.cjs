#!/usr/bin/env node
// Test helper CLI (our own code): a backend outside Go asking
// POST {base}/introspect about session tokens, as a Python or Ruby service
// would, with Node's own fetch and HTTP Basic client authentication
// (each part form-encoded first, RFC 6749 section 2.3.1).
//
// Reads {"url":"…/introspect","clientId":"…","clientSecret":"…","tokens":["…"]}
// from stdin and writes an array of {"status":200,"body":{…}}.
"use strict";

const req = JSON.parse(require("fs").readFileSync(0, "utf8"));
const basic = Buffer.from(
  encodeURIComponent(req.clientId) + ":" + encodeURIComponent(req.clientSecret),
).toString("base64");

(async () => {
  const out = [];
  for (const token of req.tokens) {
    const res = await fetch(req.url, {
      method: "POST",
      headers: {
        Authorization: "Basic " + basic,
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
      },
      body: new URLSearchParams({ token, token_type_hint: "session_token" }),
    });
    out.push({ status: res.status, body: await res.json() });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
