// Generates the Prisma clients of prisma/*.prisma into generated/ (run by
// npm's postinstall). PRISMA_SCHEMA_ENGINE_BINARY=/bin/false: generating a
// client needs no engine, and Prisma's CLI cannot fetch one on our
// machines.
import { execFileSync } from "node:child_process"
import { readdirSync } from "node:fs"

for (const f of readdirSync("prisma").filter((f) => f.endsWith(".prisma"))) {
  execFileSync("npx", ["prisma", "generate", "--schema", `prisma/${f}`], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  })
}
