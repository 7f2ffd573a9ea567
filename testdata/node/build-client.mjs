// Bundles client-entry.js (React 18 + the unchanged next-auth/react) into one
// IIFE for browser tests. Our own code.
//
//   node build-client.mjs [--outfile=dist/nextauth-client.js] [--nextauth-url=http://host/base/auth]
//
// Without --nextauth-url, process.env is {} and the client uses the relative
// base path /api/auth. The file is written to a temporary name and renamed, so
// concurrent builds (parallel go test processes) never expose a partial bundle.
import { build } from "esbuild";
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)=(.*)$/.exec(a);
    if (!m) {
      console.error(`build-client: bad argument ${a}`);
      process.exit(2);
    }
    return [m[1], m[2]];
  }),
);
const outfile = resolve(here, args.outfile || "dist/nextauth-client.js");
const env = args["nextauth-url"] ? { NEXTAUTH_URL: args["nextauth-url"] } : {};
const tmp = `${outfile}.tmp-${process.pid}`;

mkdirSync(dirname(outfile), { recursive: true });
try {
  await build({
    entryPoints: [resolve(here, "client-entry.js")],
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es2018",
    outfile: tmp,
    logLevel: "warning",
    define: {
      "process.env.NODE_ENV": '"production"',
      "process.env": JSON.stringify(env),
    },
  });
  renameSync(tmp, outfile);
} catch (err) {
  rmSync(tmp, { force: true });
  console.error(String((err && err.stack) || err));
  process.exit(1);
}
console.log(outfile);
