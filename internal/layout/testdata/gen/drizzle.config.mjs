const d = process.env.DIALECT
export default {
  dialect: { pg: "postgresql", mysql: "mysql", sqlite: "turso" }[d],
  schema: `./schema-drizzle-${d}.mjs`,
  dbCredentials: { url: process.env.DATABASE_URL },
}
