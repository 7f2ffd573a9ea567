#!/usr/bin/env node
// Test helper CLI around the real next-auth/jwt (our own code, not NextAuth's).
//
// Reads one JSON request from stdin, writes one JSON result to stdout. A JSON
// array of requests yields an array of results (one Node start for many calls).
//
//   {"op":"encode","token":{...},"secret":"s","maxAge":60,"salt":"next-auth.state"}
//     -> {"ok":true,"token":"eyJ..."}
//   {"op":"decode","token":"eyJ...","secret":"s","salt":""}
//     -> {"ok":true,"claims":{...}} | {"ok":false,"error":"JWEDecryptionFailed","code":"ERR_JWE_DECRYPTION_FAILED","message":"..."}
//   {"op":"getToken","cookies":{"name":"value"},"headers":{"authorization":"Bearer ..."},
//    "secret":"s","secureCookie":true,"cookieName":"...","raw":false}
//     -> {"ok":true,"claims":{...}|null} (raw: {"ok":true,"token":"..."|null})
//
// Every request may carry "env": {"NEXTAUTH_URL": "...", ...}. NEXTAUTH_URL,
// NEXTAUTH_SECRET, AUTH_SECRET and VERCEL are cleared before each request so
// that the caller's environment never changes getToken's defaults.
"use strict";

const { encode, decode, getToken } = require("next-auth/jwt");

const ENV_KEYS = ["NEXTAUTH_URL", "NEXTAUTH_SECRET", "AUTH_SECRET", "VERCEL"];

function setEnv(env) {
  for (const k of ENV_KEYS) delete process.env[k];
  for (const [k, v] of Object.entries(env || {})) process.env[k] = String(v);
}

function errorResult(err) {
  return {
    ok: false,
    error: (err && (err.name || err.constructor && err.constructor.name)) || "Error",
    code: (err && err.code) || "",
    message: String((err && err.message) || err),
  };
}

async function handle(req) {
  setEnv(req.env);
  try {
    switch (req.op) {
      case "encode": {
        const params = { token: req.token, secret: req.secret };
        if (req.maxAge !== undefined) params.maxAge = req.maxAge;
        if (req.salt !== undefined) params.salt = req.salt;
        return { ok: true, token: await encode(params) };
      }
      case "decode": {
        const params = { token: req.token, secret: req.secret };
        if (req.salt !== undefined) params.salt = req.salt;
        return { ok: true, claims: await decode(params) };
      }
      case "getToken": {
        // Like a Next.js API route request: parsed cookies, lower-case header names.
        const headers = {};
        for (const [k, v] of Object.entries(req.headers || {})) headers[k.toLowerCase()] = v;
        const params = { req: { cookies: req.cookies || {}, headers }, logger: silentLogger };
        for (const k of ["secret", "secureCookie", "cookieName", "raw"]) {
          if (req[k] !== undefined) params[k] = req[k];
        }
        const out = await getToken(params);
        return req.raw ? { ok: true, token: out } : { ok: true, claims: out };
      }
      default:
        return { ok: false, error: "UnknownOp", code: "", message: "unknown op " + JSON.stringify(req.op) };
    }
  } catch (err) {
    return errorResult(err);
  }
}

const silentLogger = { error() {}, warn() {}, debug() {} };

async function main() {
  let input = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) input += chunk;
  const req = JSON.parse(input);
  let out;
  if (Array.isArray(req)) {
    out = [];
    for (const r of req) out.push(await handle(r));
  } else {
    out = await handle(req);
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});
