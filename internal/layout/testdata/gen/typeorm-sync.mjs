// Creates @auth/typeorm-adapter's tables as a user would: TypeORM's
// synchronize with the adapter's default entities.
import "reflect-metadata"
import { DataSource } from "typeorm"
import { entities } from "@auth/typeorm-adapter"
const [type, url] = process.argv.slice(2)
const ds = new DataSource({ type, url, entities: Object.values(entities), synchronize: true })
await ds.initialize()
await ds.destroy()
