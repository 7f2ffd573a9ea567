#!/usr/bin/env node
// Test helper CLI around the npm standardwebhooks package (our own code):
// an independent implementation of Standard Webhooks to check the Go
// signer against.
//
// Reads a JSON array of requests from stdin, writes an array of results:
//   {"secret":"whsec_…","body":"raw body","headers":{"webhook-id":…,"webhook-timestamp":…,"webhook-signature":…}}
//     -> {"ok":true,"payload":{…}} | {"ok":false,"error":"…"}
//   {"op":"sign","secret":"whsec_…","id":"msg_…","timestamp":1700000000,"body":"…"}
//     -> {"ok":true,"signature":"v1,…"}
"use strict";

const { Webhook } = require("standardwebhooks");

const reqs = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = reqs.map((r) => {
  try {
    const wh = new Webhook(r.secret);
    if (r.op === "sign") {
      return { ok: true, signature: wh.sign(r.id, new Date(r.timestamp * 1000), r.body) };
    }
    return { ok: true, payload: wh.verify(r.body, r.headers) };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify(out));
