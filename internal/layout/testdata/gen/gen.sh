#!/usr/bin/env bash
# Remakes the fixtures of internal/layout/testdata that the official tools
# can make here: each tool creates its adapter's tables in a scratch
# database, which is then dumped. (Prisma's and @auth/pg-adapter's fixtures
# are SQL kept by hand: the Prisma CLI cannot fetch its engines here, and
# pg-adapter's schema.sql is not in its npm package.)
#
#   PG=postgres://postgres@127.0.0.1:5432 MYSQL=mysql://root@127.0.0.1:3306 ./gen.sh
#
# Needs psql, pg_dump, mariadb, mariadb-dump and sqlite3; drops and creates
# the databases lay_drizzle, lay_typeorm and lay_kysely.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PG=${PG:-postgres://postgres@127.0.0.1:5432}
MYSQL=${MYSQL:-mysql://root@127.0.0.1:3306}
OUT=..
npm install --no-audit --no-fund --loglevel=error
for db in lay_drizzle lay_typeorm lay_kysely; do
	psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
	mariadb -uroot -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
done
rm -f drizzle.sqlite
DIALECT=pg DATABASE_URL=$PG/lay_drizzle npx drizzle-kit push --config=drizzle.config.mjs --force
DIALECT=mysql DATABASE_URL=$MYSQL/lay_drizzle npx drizzle-kit push --config=drizzle.config.mjs --force
DIALECT=sqlite DATABASE_URL=file:drizzle.sqlite npx drizzle-kit push --config=drizzle.config.mjs --force
node typeorm-sync.mjs postgres "$PG/lay_typeorm"
node typeorm-sync.mjs mysql "$MYSQL/lay_typeorm"
node kysely-create.mjs "$PG/lay_kysely"

pgdump() { pg_dump -s -O -x --no-comments "$PG/$1" | grep -v -E '^\\|^--|^$'; }
mydump() { mariadb-dump -uroot --no-data --skip-comments --skip-add-drop-table --skip-dump-date "$1" | grep -v -E '^$|sandbox mode'; }
keep() { # keep FILE: the header lines of FILE (its leading -- comments) then stdin
	local head
	head=$(grep -E '^-- ' "$OUT/$1" | head -n 3)
	{ echo "$head"; cat; } >"$OUT/$1.new" && mv "$OUT/$1.new" "$OUT/$1"
}
pgdump lay_drizzle | keep drizzle-postgres.sql
mydump lay_drizzle | keep drizzle-mysql.sql
sqlite3 drizzle.sqlite .schema | keep drizzle-sqlite.sql
pgdump lay_typeorm | keep typeorm-postgres.sql
mydump lay_typeorm | keep typeorm-mysql.sql
pgdump lay_kysely | keep kysely-postgres.sql
rm -f drizzle.sqlite
echo "fixtures remade; update the versions in their headers if package.json changed"
