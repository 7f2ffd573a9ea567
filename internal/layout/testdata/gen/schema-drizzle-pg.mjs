// The default tables of @auth/drizzle-adapter (its defineTables, as the adapter uses them when given no schema).
import { defineTables } from "./node_modules/@auth/drizzle-adapter/lib/pg.js"
export const { usersTable, accountsTable, sessionsTable, verificationTokensTable, authenticatorsTable } = defineTables()
