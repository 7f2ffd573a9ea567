#!/usr/bin/env node
// Test helper CLI (our own code, not NextAuth's): builds OAuth authorization
// URLs with the real next-auth 4.24.15 sign-in code path, for the golden file
// provider/testdata/authurls.json (go test ./provider -run TestAuthorizationURLNodeLive -update).
//
// Reads a JSON array of requests from stdin and writes a JSON array of
// results (same order) to stdout:
//
//   {"preset":"github",                       // a next-auth/providers/* id
//    "options":{"clientId":"client-id","clientSecret":"client-secret",...},
//                                             // the user's options, given to the preset
//    "query":[["login","abc"],...],           // the sign-in POST's query, in order
//    "checks":{"state":"...","code_challenge":"...","nonce":"..."},
//    "base":"http://localhost:3000/api/auth", // NEXTAUTH_URL (origin + base path)
//    "discovery":{...}}                       // the discovery document, for wellKnown presets
//     -> {"ok":true,"url":"https://...","discovery_url":"https://.../.well-known/..."|null}
//      | {"ok":false,"error":"..."}
//   {"op":"providers"}
//     -> {"ok":true,"providers":[{"file":"github","id":"github","type":"oauth","version":null},...]}
//
// The URL comes from next-auth's own functions: the preset factory
// (next-auth/providers/<file>), core/init.js (parseProviders' normalisation
// and merge, cookies, jwt options, exactly as for a request to
// POST {base}/signin/{id}) and core/lib/oauth/authorization-url.js (which
// builds openid-client's Issuer and Client as core/lib/oauth/client.js does
// and calls client.authorizationUrl). Two things are fixed from outside:
//
//  - The check values. checks.js draws them from openid-client's
//    `generators` object at call time; its state, nonce, codeVerifier and
//    codeChallenge functions are replaced so that state, nonce and
//    code_challenge are the request's values (code_challenge is taken as
//    given: the verifier, which never reaches the URL, is not modelled).
//    A check the provider enables without a value in the request is an error.
//  - The network. openid-client's documented hook Issuer[custom.http_options]
//    gives every request an agent that connects to a local HTTP server on
//    127.0.0.1, which answers the discovery request with the request's
//    "discovery" document (404 without one) and records the URL that
//    next-auth asked for (discovery_url). The preset's wellKnown is not
//    changed. Nothing leaves the machine.
//
// The query is turned into an object as Next.js API routes parse it (a
// repeated name becomes an array), which is what next-auth passes on.
"use strict";

const fs = require("fs");
const http = require("http");
const https = require("https");
const net = require("net");
const path = require("path");

// next-auth's "exports" hide core/, so its files are required by path.
const nextAuthDir = path.dirname(require.resolve("next-auth"));
const nextAuthVersion = JSON.parse(fs.readFileSync(path.join(nextAuthDir, "package.json"), "utf8")).version;
const { init } = require(path.join(nextAuthDir, "core", "init.js"));
const { setLogger } = require(path.join(nextAuthDir, "utils", "logger.js"));
const getAuthorizationUrl = require(path.join(nextAuthDir, "core", "lib", "oauth", "authorization-url.js")).default;
// The openid-client instance next-auth itself uses.
const openidClient = require(require.resolve("openid-client", { paths: [nextAuthDir] }));

const WANT_VERSION = "4.24.15";
const SECRET = "authurl-fixture-secret";

// Not OAuth presets (credentials, email: the latter also needs nodemailer),
// or no preset at all (index, oauth: types only).
const NOT_OAUTH = new Set(["index", "oauth", "credentials", "email"]);

// presetFactories maps each next-auth provider id to its factory and file.
function presetFactories() {
  const dir = path.join(nextAuthDir, "providers");
  const out = new Map();
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith(".js")) continue;
    const file = f.slice(0, -3);
    if (NOT_OAUTH.has(file)) continue;
    const factory = require(path.join(dir, f)).default;
    if (typeof factory !== "function") throw new Error(`next-auth/providers/${file} has no default export`);
    const sample = factory({ clientId: "client-id", clientSecret: "client-secret", issuer: "https://issuer.example" });
    if (out.has(sample.id)) throw new Error(`provider id ${sample.id} in two files`);
    out.set(sample.id, { file, factory, type: sample.type, version: sample.version ?? null });
  }
  return out;
}

// --- fixed check values -----------------------------------------------------

const generators = openidClient.generators;
const FIXED_VERIFIER = "authurl-fixed-code-verifier";
let currentChecks = {};

function fixed(name) {
  return () => {
    const v = currentChecks[name];
    if (typeof v !== "string" || v === "") throw new Error(`the provider uses the ${name} check but the request has no ${name}`);
    return v;
  };
}
generators.state = fixed("state");
generators.nonce = fixed("nonce");
generators.codeVerifier = () => FIXED_VERIFIER;
generators.codeChallenge = (verifier) => {
  if (verifier !== FIXED_VERIFIER) throw new Error("codeChallenge called with an unexpected verifier");
  return fixed("code_challenge")();
};

// --- local discovery server -------------------------------------------------

let current = null; // {doc, fetched: []} for the request being handled

const server = http.createServer((req, res) => {
  const url = `https://${req.headers.host}${req.url}`;
  if (!current || !current.doc || req.method !== "GET") {
    if (current) current.fetched.push(url);
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("no discovery document for this request");
    return;
  }
  current.fetched.push(url);
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(current.doc));
});

// LocalAgent speaks plain HTTP to the local server whatever the URL's host:
// an https.Agent (so https: URLs are accepted) whose connections are TCP
// connections to 127.0.0.1.
class LocalAgent extends https.Agent {
  createConnection() {
    return net.connect(server.address().port, "127.0.0.1");
  }
}
const localAgent = new LocalAgent({ keepAlive: false });

openidClient.Issuer[openidClient.custom.http_options] = (url, options) => {
  if (url.protocol !== "https:") throw new Error(`refusing a non-https request to ${url.href}`);
  return { ...options, agent: localAgent };
};

// --- requests -----------------------------------------------------------------

function nextQuery(pairs) {
  const q = {};
  for (const [k, v] of pairs || []) {
    if (Object.prototype.hasOwnProperty.call(q, k)) q[k] = [].concat(q[k], v);
    else q[k] = v;
  }
  return q;
}

async function authurl(factories, req) {
  const entry = factories.get(req.preset);
  if (!entry) throw new Error(`next-auth ${nextAuthVersion} has no provider ${JSON.stringify(req.preset)}`);
  const provider = entry.factory({ ...req.options });
  const providerId = (req.options && req.options.id) || provider.id;
  currentChecks = req.checks || {};
  const { options } = await init({
    authOptions: { providers: [provider], secret: SECRET },
    providerId,
    action: "signin",
    origin: req.base,
    cookies: {},
    isPost: true,
  });
  if (!options.provider) throw new Error(`provider ${providerId} not found after init`);
  if (String(options.provider.version || "").startsWith("1.")) {
    throw new Error(`${providerId} is OAuth ${options.provider.version}: its authorization URL needs a request token from the network`);
  }
  current = { doc: req.discovery || null, fetched: [] };
  try {
    const { redirect } = await getAuthorizationUrl({ options, query: nextQuery(req.query) });
    if (current.fetched.length > 1) throw new Error(`discovery fetched ${current.fetched.length} times`);
    const discoveryURL = current.fetched.length ? current.fetched[0] : null;
    if (current.doc && !discoveryURL) throw new Error("a discovery document was given but next-auth did not fetch it");
    return { ok: true, url: redirect, discovery_url: discoveryURL };
  } finally {
    current = null;
    currentChecks = {};
  }
}

async function handle(factories, req) {
  try {
    if (req.op === "providers") {
      const providers = [...factories.entries()].map(([id, e]) => ({ file: e.file, id, type: e.type, version: e.version }));
      return { ok: true, providers };
    }
    if (req.op !== undefined && req.op !== "authurl") throw new Error(`unknown op ${JSON.stringify(req.op)}`);
    return await authurl(factories, req);
  } catch (err) {
    return { ok: false, error: String((err && err.stack) || err) };
  }
}

async function main() {
  if (nextAuthVersion !== WANT_VERSION) throw new Error(`next-auth ${nextAuthVersion} installed, want ${WANT_VERSION}`);
  // As core/index.js does with authOptions {debug: false}: no debug output
  // (it would go to stdout); errors and warnings go to stderr.
  setLogger({}, false);
  let input = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) input += chunk;
  const reqs = JSON.parse(input);
  if (!Array.isArray(reqs)) throw new Error("stdin must be a JSON array of requests");
  await new Promise((resolve, reject) => server.listen(0, "127.0.0.1", resolve).on("error", reject));
  try {
    const factories = presetFactories();
    const out = [];
    for (const req of reqs) out.push(await handle(factories, req));
    process.stdout.write(JSON.stringify(out));
  } finally {
    server.close();
  }
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});
