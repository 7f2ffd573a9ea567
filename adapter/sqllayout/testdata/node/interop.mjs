// Runs calls of the official @auth/drizzle-adapter (its default tables) on
// a database, for adapter/sqllayout's interop tests (interop_test.go).
//
// stdin: {"dialect": "pg"|"mysql"|"sqlite", "url": "...", "calls": [{"op": "createUser", "args": [...]}, ...]}
// stdout: the answers, in order, as JSON (Dates as ISO strings; an
// argument {"$date": "ISO"} is a Date).
import { readFileSync } from "node:fs"
import { DrizzleAdapter } from "@auth/drizzle-adapter"

const req = JSON.parse(readFileSync(0, "utf8"))

// dates turns {"$date": iso} into Dates, deeply.
function dates(v) {
  if (Array.isArray(v)) return v.map(dates)
  if (v && typeof v === "object") {
    if (typeof v.$date === "string") return new Date(v.$date)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dates(x)]))
  }
  return v
}

let db, close
switch (req.dialect) {
  case "pg": {
    const { drizzle } = await import("drizzle-orm/node-postgres")
    const pg = (await import("pg")).default
    const pool = new pg.Pool({ connectionString: req.url })
    db = drizzle(pool)
    close = () => pool.end()
    break
  }
  case "mysql": {
    const { drizzle } = await import("drizzle-orm/mysql2")
    const mysql = (await import("mysql2/promise")).default
    const pool = mysql.createPool(req.url)
    db = drizzle(pool)
    close = () => pool.end()
    break
  }
  case "sqlite": {
    const { drizzle } = await import("drizzle-orm/libsql")
    const { createClient } = await import("@libsql/client")
    const client = createClient({ url: req.url })
    db = drizzle(client)
    close = () => client.close()
    break
  }
  default:
    throw new Error("unknown dialect " + req.dialect)
}

const adapter = DrizzleAdapter(db)
const out = []
try {
  for (const c of req.calls) {
    const r = await adapter[c.op](...dates(c.args ?? []))
    out.push(r === undefined ? null : r)
  }
} finally {
  await close()
}
process.stdout.write(JSON.stringify(out))
