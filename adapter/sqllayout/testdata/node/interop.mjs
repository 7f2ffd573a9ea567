// Runs calls of an official Auth.js adapter (@auth/drizzle-adapter with its
// default tables, @auth/kysely-adapter, @auth/typeorm-adapter with its
// entities, @auth/prisma-adapter with Auth.js's or NextAuth v4's schema)
// on a database, for adapter/sqllayout's interop tests
// (interop_test.go).
//
// stdin: {"adapter": "drizzle"|"kysely"|"typeorm"|"prisma"|"prisma-v4", "dialect": "pg"|"mysql"|"sqlite", "url": "...",
//         "calls": [{"op": "createUser", "args": [...]}, ...]}
// stdout: the answers, in order, as JSON (Dates as ISO strings; an
// argument {"$date": "ISO"} is a Date).
import { readFileSync } from "node:fs"

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

let adapter, close
switch (`${req.adapter}/${req.dialect}`) {
  case "drizzle/pg": {
    const { DrizzleAdapter } = await import("@auth/drizzle-adapter")
    const { drizzle } = await import("drizzle-orm/node-postgres")
    const pg = (await import("pg")).default
    const pool = new pg.Pool({ connectionString: req.url })
    adapter = DrizzleAdapter(drizzle(pool))
    close = () => pool.end()
    break
  }
  case "drizzle/mysql": {
    const { DrizzleAdapter } = await import("@auth/drizzle-adapter")
    const { drizzle } = await import("drizzle-orm/mysql2")
    const mysql = (await import("mysql2/promise")).default
    const pool = mysql.createPool(req.url)
    adapter = DrizzleAdapter(drizzle(pool))
    close = () => pool.end()
    break
  }
  case "drizzle/sqlite": {
    const { DrizzleAdapter } = await import("@auth/drizzle-adapter")
    const { drizzle } = await import("drizzle-orm/libsql")
    const { createClient } = await import("@libsql/client")
    const client = createClient({ url: req.url })
    adapter = DrizzleAdapter(drizzle(client))
    close = () => client.close()
    break
  }
  case "kysely/pg": {
    const { KyselyAdapter } = await import("@auth/kysely-adapter")
    const { Kysely, PostgresDialect } = await import("kysely")
    const pg = (await import("pg")).default
    const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: req.url }) }) })
    adapter = KyselyAdapter(db)
    close = () => db.destroy()
    break
  }
  case "typeorm/pg":
  case "typeorm/mysql": {
    await import("reflect-metadata")
    const { TypeORMAdapter } = await import("@auth/typeorm-adapter")
    const options = { type: req.dialect === "pg" ? "postgres" : "mysql", url: req.url, synchronize: false }
    adapter = TypeORMAdapter(options)
    close = async () => {} // its connection is internal: the process exits at the end
    break
  }
  case "prisma/pg":
  case "prisma/mysql":
  case "prisma/sqlite":
  case "prisma-v4/pg":
  case "prisma-v4/mysql":
  case "prisma-v4/sqlite": {
    // Auth.js's documented schema (prisma/authjs-*.prisma) or NextAuth
    // v4's (prisma/v4-*.prisma), through the Prisma 7 client and its
    // driver adapters.
    const { PrismaAdapter } = await import("@auth/prisma-adapter")
    const provider = { pg: "postgresql", mysql: "mysql", sqlite: "sqlite" }[req.dialect]
    const dir = req.adapter === "prisma-v4" ? `v4-${provider}` : provider
    const { PrismaClient } = await import(`./generated/${dir}/index.js`)
    let driver
    if (req.dialect === "pg") {
      const { PrismaPg } = await import("@prisma/adapter-pg")
      driver = new PrismaPg({ connectionString: req.url })
    } else if (req.dialect === "mysql") {
      const { PrismaMariaDb } = await import("@prisma/adapter-mariadb")
      const u = new URL(req.url)
      driver = new PrismaMariaDb({
        host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password), database: u.pathname.slice(1),
      })
    } else {
      const { PrismaLibSql } = await import("@prisma/adapter-libsql")
      driver = new PrismaLibSql({ url: req.url })
    }
    const prisma = new PrismaClient({ adapter: driver })
    adapter = PrismaAdapter(prisma)
    close = () => prisma.$disconnect()
    break
  }
  default:
    throw new Error(`unknown adapter ${req.adapter}/${req.dialect}`)
}

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
// TypeORM keeps its connection open: end here.
process.exit(0)
