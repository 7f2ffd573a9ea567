#!/usr/bin/env bash
# bench/run.sh: a side-by-side benchmark of our server against the real NextAuth.js v4,
# on this machine, in one run; writes bench/RESULTS.md. See bench/README.md.
#
#   ./bench/run.sh                                              # the default: 3 rounds of 10 s
#   BENCH_ROUNDS=1 BENCH_DURATION=2s BENCH_WARMUP=1s \
#     BENCH_SESSIONS_LARGE=20000 BENCH_RESULTS=/tmp/r.md ./bench/run.sh   # a quick check
#
# Knobs (environment):
#   BENCH_ROUNDS=3            rounds; every round measures everything once
#   BENCH_DURATION=10s        wrk -d of each measured run
#   BENCH_THREADS=2           wrk -t
#   BENCH_CONNECTIONS=32      wrk -c
#   BENCH_WARMUP=3s           wrk run per server and request type before round 1 (0 = none)
#   BENCH_SESSIONS_SMALL=1000       sessions stored for the "small" database rows
#   BENCH_SESSIONS_LARGE=1000000    sessions stored for the "large" database rows
#   BENCH_DATABASES=sqlite,postgres,mysql  which database rows to run ("" = none)
#   NEXTAUTH_BENCH_POSTGRES_URL     admin URL of a PostgreSQL server (default: the local one,
#                             postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); the run
#                             creates and drops the databases nextauth_bench and nextauth_bench_large
#                             (and nextauth_bench_LAYOUT for the layout rows)
#   NEXTAUTH_BENCH_MYSQL_URL  the same for MySQL/MariaDB (default: mysql://root@127.0.0.1:3306/)
#   BENCH_LAYOUTS=KIND:LAYOUT,...   per-layout rows: the server on another adapter's tables (made
#                             from internal/layout/testdata/LAYOUT-KIND.sql), compared with the
#                             default layout on the same database; "" = none (default: all served)
#   BENCH_TOKEN_SAMPLE=10000  stored sessions the random-token database rows pick from
#   BENCH_WAIT_IDLE=10        before each measured run, wait up to this many seconds for a quiet
#                             second (machine < 0.25 cores busy); 0 = never wait
#   BENCH_MAX_OTHER=0.5       a run during which other processes used more cores than this is
#   BENCH_RETRIES=1           repeated, at most this many times (the last attempt counts)
#   BENCH_STARTUP_TRIALS=10   startup trials (new file, then existing file)
#   BENCH_RESULTS=bench/RESULTS.md  where to write the report
#   BENCH_MACHINE_NOTE        a sentence about the machine for the report
#   BENCH_SERVER_BIN          measure this nextauth binary instead of building ./cmd/nextauth
#
# Everything it builds or installs goes to bench/.out/ (git-ignored). Every process it starts
# runs in its own session and is stopped on exit, whatever the exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/.out"
RUN="$OUT/run"
APP_SRC="$HERE/nextauth-app"
APP="$OUT/nextauth-app"

ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
WARMUP="${BENCH_WARMUP:-3s}"
SMALL="${BENCH_SESSIONS_SMALL:-1000}"
LARGE="${BENCH_SESSIONS_LARGE:-1000000}"
DATABASES="${BENCH_DATABASES-sqlite,postgres,mysql}"
PG_ADMIN="${NEXTAUTH_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
MY_ADMIN="${NEXTAUTH_BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/}"
LAYOUTS="${BENCH_LAYOUTS-postgres:pg-adapter,postgres:prisma,postgres:drizzle,postgres:kysely,postgres:typeorm,mysql:prisma,mysql:drizzle,mysql:typeorm,sqlite:prisma,sqlite:drizzle}"
STARTUP_TRIALS="${BENCH_STARTUP_TRIALS:-10}"
TOKEN_SAMPLE="${BENCH_TOKEN_SAMPLE:-10000}"
WAIT_IDLE="${BENCH_WAIT_IDLE:-10}"
MAX_OTHER="${BENCH_MAX_OTHER:-0.5}"
RETRIES="${BENCH_RETRIES:-1}"
RESULTS="${BENCH_RESULTS:-$HERE/RESULTS.md}"
MACHINE_NOTE="${BENCH_MACHINE_NOTE:-This machine is shared: other jobs (builds, tests, fuzzing) may run during the benchmark, so figures vary from run to run.}"

# The same on both servers (also in bench/nextauth.yaml and the NextAuth app).
SECRET="nextauth-go-bench-secret-do-not-use-in-production"
USER_NAME=alice
USER_PASSWORD=wonderland
USER_EMAIL=alice@example.com
PG_DBS=(nextauth_bench nextauth_bench_large)
MY_DBS=(nextauth_bench nextauth_bench_large)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- checks -------------------------------------------------------------------------
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_dur() { [[ "$1" =~ ^[0-9]+[smh]?$ ]]; }
is_uint "$ROUNDS" && [ "$ROUNDS" -ge 1 ] || die "BENCH_ROUNDS=$ROUNDS: want a whole number ≥ 1"
is_dur "$DURATION" && [ "${DURATION%[smh]}" -ge 1 ] || die "BENCH_DURATION=$DURATION: want e.g. 10s"
is_dur "$WARMUP" || die "BENCH_WARMUP=$WARMUP: want e.g. 3s, or 0"
is_uint "$THREADS" && [ "$THREADS" -ge 1 ] || die "BENCH_THREADS=$THREADS: want a whole number ≥ 1"
is_uint "$CONNECTIONS" && [ "$CONNECTIONS" -ge "$THREADS" ] || die "BENCH_CONNECTIONS=$CONNECTIONS: want a whole number ≥ BENCH_THREADS"
is_uint "$SMALL" && [ "$SMALL" -ge 1 ] || die "BENCH_SESSIONS_SMALL=$SMALL: want a whole number ≥ 1"
is_uint "$LARGE" && [ "$LARGE" -ge 1 ] || die "BENCH_SESSIONS_LARGE=$LARGE: want a whole number ≥ 1"
is_uint "$TOKEN_SAMPLE" && [ "$TOKEN_SAMPLE" -ge 1 ] || die "BENCH_TOKEN_SAMPLE=$TOKEN_SAMPLE: want a whole number ≥ 1"
is_uint "$WAIT_IDLE" || die "BENCH_WAIT_IDLE=$WAIT_IDLE: want a whole number of seconds (0 = do not wait)"
[[ "$MAX_OTHER" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "BENCH_MAX_OTHER=$MAX_OTHER: want a number of cores, e.g. 0.5"
is_uint "$RETRIES" || die "BENCH_RETRIES=$RETRIES: want a whole number (0 = never repeat)"
is_uint "$STARTUP_TRIALS" && [ "$STARTUP_TRIALS" -ge 1 ] || die "BENCH_STARTUP_TRIALS=$STARTUP_TRIALS: want a whole number ≥ 1"
want_db() { [[ ",$DATABASES," == *",$1,"* ]]; }
for d in ${DATABASES//,/ }; do
  [[ "$d" == sqlite || "$d" == postgres || "$d" == mysql ]] || die "BENCH_DATABASES: unknown database \"$d\" (want sqlite, postgres, mysql)"
done
# short names of the kinds in case ids (db_pg_small, lay_my_prisma, …)
declare -A KIND_ID=([sqlite]=sqlite [postgres]=pg [mysql]=my)
LAYOUT_LIST=()
for l in ${LAYOUTS//,/ }; do
  k="${l%%:*}" n="${l#*:}"
  [[ "$l" == *:* && -n "${KIND_ID[$k]:-}" ]] || die "BENCH_LAYOUTS: \"$l\" (want KIND:LAYOUT, KIND one of sqlite, postgres, mysql)"
  [ -f "$ROOT/internal/layout/testdata/$n-$k.sql" ] || die "BENCH_LAYOUTS: \"$l\": no schema internal/layout/testdata/$n-$k.sql"
  if want_db "$k"; then
    LAYOUT_LIST+=("$l")
    case "$k" in
      postgres) PG_DBS+=("nextauth_bench_${n//-/_}") ;;
      mysql) MY_DBS+=("nextauth_bench_${n//-/_}") ;;
    esac
  else
    echo "[bench] BENCH_LAYOUTS: skipping $l ($k is not in BENCH_DATABASES=$DATABASES: the row needs the default layout's row to compare with)" >&2
  fi
done

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
need go "install Go 1.26 (https://go.dev/dl)"
need curl "apt-get install curl"
need node "apt-get install nodejs npm (Node 18 or newer)"
need npm "apt-get install npm"
need flock "apt-get install util-linux"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 18 ] || die "Node $(node --version) is too old for Next.js 14: need 18 or newer"
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing wrk (Debian package)"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2 || die "apt-get install wrk failed"
  else
    die "wrk not found: install it (Debian: apt-get install wrk)"
  fi
fi

# ---- process bookkeeping ------------------------------------------------------------
PIDS=()          # every background process we started (each leads its own session)
PG_CREATED=0
MY_CREATED=0
SQLITE_FILES=()

stop_pid() { # stop_pid PID: SIGTERM to its session's process group, SIGKILL after 5 s
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid f
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [ "$PG_CREATED" = 1 ]; then
    "$OUT/tool" db-drop "$PG_ADMIN" "${PG_DBS[@]}" >&2 || log "warning: could not drop ${PG_DBS[*]}"
  fi
  if [ "$MY_CREATED" = 1 ]; then
    "$OUT/tool" db-drop "$MY_ADMIN" "${MY_DBS[@]}" >&2 || log "warning: could not drop the MySQL databases ${MY_DBS[*]}"
  fi
  for f in "${SQLITE_FILES[@]}"; do rm -f "$f" "$f-wal" "$f-shm" "$f-journal"; done
  [ "$rc" = 0 ] || log "failed (exit $rc); logs are in $RUN"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# one run at a time: a second one would delete this one's run directory
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock -n 9 || die "another bench/run.sh is running (lock: $OUT/.lock)"

LAST_PID=
start_bg() { # start_bg LOGFILE COMMAND...: in its own session, output to LOGFILE
  local logf="$1"; shift
  setsid "$@" >"$logf" 2>&1 </dev/null &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

wait_http() { # wait_http URL SECONDS PID LOGFILE: until URL answers 200
  local url="$1" secs="$2" pid="$3" logf="$4" i
  for i in $(seq 1 $((secs * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "process $pid exited; the end of $logf:"; tail -n 20 "$logf" >&2 || true
      die "server for $url did not start"
    fi
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  tail -n 20 "$logf" >&2 || true
  die "$url did not answer 200 within ${secs}s (log: $logf)"
}

# ---- 1. build ---------------------------------------------------------------------------
rm -rf "$RUN"
mkdir -p "$OUT" "$RUN/wrk" "$RUN/warmup" "$RUN/logs"
if [ -n "${BENCH_SERVER_BIN:-}" ]; then
  [ -x "$BENCH_SERVER_BIN" ] || die "BENCH_SERVER_BIN=$BENCH_SERVER_BIN is not an executable"
  log "using the prebuilt server $BENCH_SERVER_BIN (BENCH_SERVER_BIN)"
  cp "$BENCH_SERVER_BIN" "$OUT/nextauth"
else
  log "building our server (go build -o bench/.out/nextauth ./cmd/nextauth)"
  (cd "$ROOT" && go build -o "$OUT/nextauth" ./cmd/nextauth) || die "go build ./cmd/nextauth failed (see above)"
fi
log "building the empty handler and the helper"
(cd "$ROOT" && go build -o "$OUT/empty" ./bench/empty && go build -o "$OUT/tool" ./bench/tool) || die "go build ./bench/... failed"

# ---- 2. the NextAuth.js app: npm ci only when the lock changed, next build only when a source did
mkdir -p "$APP"
cp "$APP_SRC/package.json" "$APP_SRC/package-lock.json" "$APP_SRC/.npmrc" "$APP_SRC/next.config.js" "$APP_SRC/compare.js" "$APP/"
rm -rf "$APP/pages" && cp -R "$APP_SRC/pages" "$APP/pages"
lock_sum="$(cat "$APP/package-lock.json" "$APP/.npmrc" | sha256sum | cut -d' ' -f1)-node$(node --version)"
if [ -d "$APP/node_modules" ] && [ "$(cat "$APP/node_modules/.bench-lock" 2>/dev/null)" = "$lock_sum" ]; then
  log "NextAuth app: node_modules up to date (lock unchanged)"
else
  log "NextAuth app: npm ci"
  (cd "$APP" && npm ci --no-audit --no-fund >&2) || die "npm ci failed in $APP"
  echo "$lock_sum" >"$APP/node_modules/.bench-lock"
fi
build_sum="$(cd "$APP" && find package.json package-lock.json next.config.js compare.js pages -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
if [ -f "$APP/.next/BUILD_ID" ] && [ "$(cat "$APP/.next/.bench-build" 2>/dev/null)" = "$build_sum" ]; then
  log "NextAuth app: build up to date"
else
  log "NextAuth app: next build"
  (cd "$APP" && NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >&2) || die "next build failed in $APP"
  echo "$build_sum" >"$APP/.next/.bench-build"
fi

export NEXTAUTH_SECRET="$SECRET"
unset AUTH_SECRET NEXTAUTH_SECRET_PREVIOUS NEXTAUTH_URL BENCH_DATABASE BENCH_SESSION_STRATEGY BENCH_DATABASE_LAYOUT

# ---- 3. startup time of our binary (before any load) ------------------------------------
log "startup: $STARTUP_TRIALS trials with a new SQLite file, $STARTUP_TRIALS with an existing one"
"$OUT/tool" startup -bin "$OUT/nextauth" -config "$HERE/nextauth.yaml" -dir "$RUN" -n "$STARTUP_TRIALS" >"$RUN/startup.json" \
  || die "startup measurement failed"

# ---- 4. the servers ---------------------------------------------------------------------
n_ports=$((9 + ${#LAYOUT_LIST[@]}))
mapfile -t ports < <("$OUT/tool" freeport "$n_ports")
[ "${#ports[@]}" = "$n_ports" ] || die "could not find free ports"
P_OURS="${ports[0]}" P_NEXT="${ports[1]}" P_EMPTY="${ports[2]}"
declare -A BASE=() PID=() JWT=() CSRF_COOKIE=() CSRF_TOKEN=() DB_COOKIE=() SERVER_LOG=()

start_ours() { # start_ours NAME PORT DATABASE_URL STRATEGY [LAYOUT]
  local name="$1" port="$2" logf="$RUN/logs/$1.log"
  start_bg "$logf" env -u NEXTAUTH_SECRET_PREVIOUS -u AUTH_SECRET \
    NEXTAUTH_URL="http://127.0.0.1:$port/api/auth" NEXTAUTH_SECRET="$SECRET" \
    BENCH_DATABASE="$3" BENCH_SESSION_STRATEGY="$4" BENCH_DATABASE_LAYOUT="${5:-}" \
    "$OUT/nextauth" --config "$HERE/nextauth.yaml" --addr "127.0.0.1:$port"
  PID[$name]=$LAST_PID SERVER_LOG[$name]=$logf BASE[$name]="http://127.0.0.1:$port/api/auth"
  wait_http "http://127.0.0.1:$port/healthz" 60 "$LAST_PID" "$logf"
}

log "starting NextAuth.js (next start) on 127.0.0.1:$P_NEXT"
start_bg "$RUN/logs/nextauth.log" env -C "$APP" NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 \
  NEXTAUTH_URL="http://127.0.0.1:$P_NEXT" NEXTAUTH_SECRET="$SECRET" \
  node node_modules/next/dist/bin/next start -H 127.0.0.1 -p "$P_NEXT"
PID[nextauth]=$LAST_PID SERVER_LOG[nextauth]="$RUN/logs/nextauth.log" BASE[nextauth]="http://127.0.0.1:$P_NEXT/api/auth"
wait_http "${BASE[nextauth]}/providers" 120 "${PID[nextauth]}" "${SERVER_LOG[nextauth]}"

log "starting our server (JWT sessions) on 127.0.0.1:$P_OURS"
start_ours ours "$P_OURS" "" jwt

log "starting the empty handler on 127.0.0.1:$P_EMPTY"
start_bg "$RUN/logs/empty.log" "$OUT/empty" -addr "127.0.0.1:$P_EMPTY"
PID[empty]=$LAST_PID
wait_http "http://127.0.0.1:$P_EMPTY/" 30 "$LAST_PID" "$RUN/logs/empty.log"

# signin NAME: a session through the API (GET /csrf with a cookie jar, then POST
# /callback/credentials); prints the session-token cookie as "name=value".
signin() {
  local name="$1" base="${BASE[$1]}" jar="$RUN/$1.jar" token code cookie
  rm -f "$jar"
  token="$(curl -fsS --max-time 10 -c "$jar" -b "$jar" "$base/csrf" | sed -n 's/.*"csrfToken":"\([^"]*\)".*/\1/p')"
  [ -n "$token" ] || die "$name: no csrfToken from $base/csrf"
  code="$(curl -sS --max-time 30 -o "$RUN/$1.signin.json" -w '%{http_code}' -c "$jar" -b "$jar" \
    --data-urlencode "csrfToken=$token" --data-urlencode "username=$USER_NAME" --data-urlencode "password=$USER_PASSWORD" \
    --data-urlencode "json=true" "$base/callback/credentials")"
  [ "$code" = 200 ] || die "$name: sign-in answered $code: $(cat "$RUN/$1.signin.json")"
  cookie="$(awk -F'\t' '$6 ~ /^next-auth\.session-token(\.[0-9]+)?$/ { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$jar")"
  [ -n "$cookie" ] || die "$name: sign-in set no next-auth.session-token cookie"
  echo "$cookie"
}

# csrf_pair NAME: a CSRF cookie and its token, for the sign-in load.
csrf_pair() {
  local name="$1" jar="$RUN/$1.csrf.jar" token
  rm -f "$jar"
  token="$(curl -fsS --max-time 10 -c "$jar" "${BASE[$name]}/csrf" | sed -n 's/.*"csrfToken":"\([^"]*\)".*/\1/p')"
  [ -n "$token" ] || die "$name: no csrfToken"
  CSRF_TOKEN[$name]="$token"
  CSRF_COOKIE[$name]="$(awk -F'\t' '$6 == "next-auth.csrf-token" { print $6 "=" $7 }' "$jar")"
  [ -n "${CSRF_COOKIE[$name]}" ] || die "$name: /csrf set no next-auth.csrf-token cookie"
}

expect_body() { # expect_body WHAT URL COOKIE PATTERN
  local body
  body="$(curl -fsS --max-time 10 ${3:+-H "Cookie: $3"} "$2")" || die "$1: GET $2 failed"
  [[ "$body" =~ $4 ]] || die "$1: GET $2 answered $body (wanted $4)"
}

for s in ours nextauth; do
  JWT[$s]="$(signin "$s")"
  csrf_pair "$s"
  expect_body "$s JWT session" "${BASE[$s]}/session" "${JWT[$s]}" '"email":"alice@example.com"'
  expect_body "$s session without cookie" "${BASE[$s]}/session" "" '^\{\}$'
  expect_body "$s csrf" "${BASE[$s]}/csrf" "" '"csrfToken":"[0-9a-f]{64}"'
  expect_body "$s providers" "${BASE[$s]}/providers" "" '"credentials":\{"id":"credentials"'
done
log "signed in on both servers; every request type answers as expected"

# ---- 5. database-session servers ----------------------------------------------------
DB_CASES=()
setup_db() { # setup_db CASE PORT DATABASE_URL SESSIONS
  local name="$1" n="$4"
  log "$name: starting our server on ${3%%\?*} (database sessions)"
  start_ours "$name" "$2" "$3" database
  DB_COOKIE[$name]="$(signin "$name")"
  log "$name: seeding to $n sessions"
  "$OUT/tool" seed "$3" "$n" "$USER_EMAIL" >&2 || die "$name: seeding failed"
  expect_body "$name session" "${BASE[$name]}/session" "${DB_COOKIE[$name]}" '"email":"alice@example.com"'
  "$OUT/tool" tokens "$3" "$TOKEN_SAMPLE" "$RUN/$name.tokens" || die "$name: could not read session tokens"
  check_tokens "$name"
  DB_CASES+=("$name" "${name}_random")
}

check_tokens() { # check_tokens CASE: the first stored tokens of the sample are live sessions
  local t
  for t in $(head -n 3 "$RUN/$1.tokens"); do
    expect_body "$1 stored session" "${BASE[$1]}/session" "next-auth.session-token=$t" '"email":"alice@example.com"'
  done
}

# setup_layout CASE PORT DATABASE_URL KIND LAYOUT: our server on another adapter's tables (the
# schema its tooling made, from internal/layout/testdata), signed in and seeded to the small
# count through the adapter for that layout, like the default layout's small row.
LAYOUT_CASES=()
setup_layout() {
  local name="$1" kind="$4" lay="$5"
  log "$name: $lay's tables (internal/layout/testdata/$lay-$kind.sql)"
  "$OUT/tool" schema "$3" "$ROOT/internal/layout/testdata/$lay-$kind.sql" >&2 || die "$name: could not create $lay's tables"
  log "$name: starting our server on ${3%%\?*} (database sessions, database_layout: $lay)"
  start_ours "$name" "$2" "$3" database "$lay"
  DB_COOKIE[$name]="$(signin "$name")"
  log "$name: seeding to $SMALL sessions through the $lay layout's adapter"
  "$OUT/tool" seed "$3" "$SMALL" "$USER_EMAIL" "$lay" >&2 || die "$name: seeding failed"
  expect_body "$name session" "${BASE[$name]}/session" "${DB_COOKIE[$name]}" '"email":"alice@example.com"'
  LAYOUT_CASES+=("$name")
}

redact() { sed -E 's#(://[^:/@]*):[^@/]*@#\1:xxxxx@#' <<<"$1"; }
next_port=7
layouts_of() { # layouts_of KIND URL_FUNCTION: set up the layout rows of KIND
  local l lay url
  for l in "${LAYOUT_LIST[@]}"; do
    [ "${l%%:*}" = "$1" ] || continue
    lay="${l#*:}"
    url="$("$2" "$lay")"
    setup_layout "lay_${KIND_ID[$1]}_$lay" "${ports[$next_port]}" "$url" "$1" "$lay"
    next_port=$((next_port + 1))
  done
}
sqlite_layout_url() { echo "sqlite://$RUN/layout-$1.db"; }
pg_layout_url() { "$OUT/tool" db-url "$PG_ADMIN" "nextauth_bench_${1//-/_}"; }
my_layout_url() { "$OUT/tool" db-url "$MY_ADMIN" "nextauth_bench_${1//-/_}"; }

PG_NOTE="not measured (BENCH_DATABASES=$DATABASES)"
MY_NOTE="not measured (BENCH_DATABASES=$DATABASES)"
MY_PRODUCT=
if want_db sqlite; then
  SQLITE_FILES+=("$RUN/db-small.db" "$RUN/db-large.db")
  for l in "${LAYOUT_LIST[@]}"; do [ "${l%%:*}" != sqlite ] || SQLITE_FILES+=("$RUN/layout-${l#*:}.db"); done
  setup_db db_sqlite_small "${ports[3]}" "sqlite://$RUN/db-small.db" "$SMALL"
  setup_db db_sqlite_large "${ports[4]}" "sqlite://$RUN/db-large.db" "$LARGE"
  layouts_of sqlite sqlite_layout_url
fi
if want_db postgres; then
  if "$OUT/tool" db-create "$PG_ADMIN" "${PG_DBS[@]}" 2>"$RUN/logs/pg-create.log"; then
    PG_CREATED=1
    pg_small="$("$OUT/tool" db-url "$PG_ADMIN" "${PG_DBS[0]}")"
    pg_large="$("$OUT/tool" db-url "$PG_ADMIN" "${PG_DBS[1]}")"
    pg_version="$("$OUT/tool" db-version "$PG_ADMIN" 2>/dev/null || true)"
    PG_NOTE="PostgreSQL ${pg_version:-server} at $(redact "${PG_ADMIN%%\?*}"), databases ${PG_DBS[*]} created for the run and dropped after"
    setup_db db_pg_small "${ports[5]}" "$pg_small" "$SMALL"
    setup_db db_pg_large "${ports[6]}" "$pg_large" "$LARGE"
    layouts_of postgres pg_layout_url
  else
    log "warning: PostgreSQL at $(redact "${PG_ADMIN%%\?*}") is not usable ($(tail -n1 "$RUN/logs/pg-create.log")); skipping the PostgreSQL rows"
    PG_NOTE="not measured: no usable PostgreSQL at $(redact "${PG_ADMIN%%\?*}") ($(tail -n1 "$RUN/logs/pg-create.log"))"
  fi
fi
if want_db mysql; then
  if "$OUT/tool" db-create "$MY_ADMIN" "${MY_DBS[@]}" 2>"$RUN/logs/mysql-create.log"; then
    MY_CREATED=1
    my_small="$("$OUT/tool" db-url "$MY_ADMIN" "${MY_DBS[0]}")"
    my_large="$("$OUT/tool" db-url "$MY_ADMIN" "${MY_DBS[1]}")"
    my_version="$("$OUT/tool" db-version "$MY_ADMIN" 2>/dev/null || true)"
    MY_PRODUCT=MySQL
    [[ "$my_version" != *MariaDB* ]] || MY_PRODUCT=MariaDB
    MY_NOTE="$MY_PRODUCT ${my_version:-server} at $(redact "${MY_ADMIN%%\?*}"), databases ${MY_DBS[*]} created for the run and dropped after"
    setup_db db_my_small "${ports[$((7 + ${#LAYOUT_LIST[@]}))]}" "$my_small" "$SMALL"
    setup_db db_my_large "${ports[$((8 + ${#LAYOUT_LIST[@]}))]}" "$my_large" "$LARGE"
    layouts_of mysql my_layout_url
  else
    log "warning: MySQL/MariaDB at $(redact "${MY_ADMIN%%\?*}") is not usable ($(tail -n1 "$RUN/logs/mysql-create.log")); skipping the MySQL/MariaDB rows"
    MY_NOTE="not measured: no usable MySQL/MariaDB at $(redact "${MY_ADMIN%%\?*}") ($(tail -n1 "$RUN/logs/mysql-create.log"))"
  fi
fi

# ---- 6. load --------------------------------------------------------------------------
# target CASE SERVER: sets URL, COOKIE, METHOD, BODY for a request type on a server.
target() {
  local c="$1" s="$2"
  URL= COOKIE= METHOD= BODY= TOKENS=
  case "$c" in
    session_jwt) URL="${BASE[$s]}/session" COOKIE="${JWT[$s]}" ;;
    session_none) URL="${BASE[$s]}/session" ;;
    csrf) URL="${BASE[$s]}/csrf" ;;
    providers) URL="${BASE[$s]}/providers" ;;
    signin)
      URL="${BASE[$s]}/callback/credentials" COOKIE="${CSRF_COOKIE[$s]}" METHOD=POST
      BODY="csrfToken=${CSRF_TOKEN[$s]}&username=$USER_NAME&password=$USER_PASSWORD&json=true" ;;
    ceiling) URL="http://127.0.0.1:$P_EMPTY/" ;;
    db_*_random) URL="${BASE[${c%_random}]}/session" TOKENS="$RUN/${c%_random}.tokens" ;;
    db_* | lay_*) URL="${BASE[$c]}/session" COOKIE="${DB_COOKIE[$c]}" ;;
    *) die "unknown case $c" ;;
  esac
}

# CPU accounting, to show how much of the machine other processes took during a run.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
session_ticks() { # utime + stime of the processes of session $1 (and of PostgreSQL's with $2 = pg, MySQL's or MariaDB's with $2 = my)
  local p t=0 v db=()
  case "${2:-}" in
    pg) mapfile -t db < <(pgrep -x postgres || true) ;;
    my) mapfile -t db < <(pgrep -x mariadbd || pgrep -x mysqld || true) ;;
  esac
  for p in $(ps -o pid= -s "$1") "${db[@]}"; do
    v="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)"
    t=$((t + v))
  done
  echo "$t"
}
children_ticks() { # CPU ticks of this shell's finished children; `times` must run in this shell, not a subshell
  times >"$RUN/.times"
  awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%d", n * 100 }' "$RUN/.times"
}

# wait_idle: before a run, wait (at most BENCH_WAIT_IDLE seconds) for a second in which the
# whole machine used less than 0.25 cores (our servers are idle between runs).
wait_idle() {
  [ "$WAIT_IDLE" -gt 0 ] || return 0
  local start=$SECONDS a b
  while :; do
    a="$(machine_ticks)"; sleep 1; b="$(machine_ticks)"
    awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; exit !(t > 0 && (y[1] - x[1]) * n / t < 0.25) }' && return 0
    if [ $((SECONDS - start)) -ge "$WAIT_IDLE" ]; then
      log "(the machine stayed busy for ${WAIT_IDLE}s; measuring anyway)"
      return 0
    fi
  done
}

# load OUTFILE DURATION CASE SERVER: one wrk run; appends a BENCH_CPU line (in cores, over the
# run: the whole machine busy, the server, wrk, and the rest = other processes) to OUTFILE.
load() {
  local out="$1" dur="$2" pid
  target "$3" "$4"
  case "$4" in ours) [[ "$3" != db_* && "$3" != lay_* ]] && pid="${PID[ours]}" || pid="${PID[${3%_random}]}" ;; *) pid="${PID[$4]}" ;; esac
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"$dur" --latency --timeout 5s -s "$HERE/wrk/report.lua")
  [ -z "$COOKIE" ] || args+=(-H "Cookie: $COOKIE")
  local m0 s0 w0 m1 s1 w1 pg=
  # the database server's work counts as the server's, not as other processes'
  case "$3" in db_pg* | lay_pg*) pg=pg ;; db_my* | lay_my*) pg=my ;; esac
  children_ticks >"$RUN/.w0"
  m0="$(machine_ticks)" s0="$(session_ticks "$pid" "$pg")"
  BENCH_METHOD="$METHOD" BENCH_BODY="$BODY" BENCH_TOKENS="$TOKENS" wrk "${args[@]}" "$URL" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed: $3 on $4"; }
  children_ticks >"$RUN/.w1"
  m1="$(machine_ticks)" s1="$(session_ticks "$pid" "$pg")" w0="$(cat "$RUN/.w0")" w1="$(cat "$RUN/.w1")"
  grep -q '^BENCH_JSON ' "$out" || { cat "$out" >&2; die "wrk printed no result: $3 on $4"; }
  # A run whose answers are errors measures the errors: stop rather than report it.
  local bad
  bad="$(sed -n 's/^BENCH_JSON {"requests":\([0-9]*\).*"errors":{"connect":\([0-9]*\),"read":\([0-9]*\),"write":\([0-9]*\),"status":\([0-9]*\),"timeout":\([0-9]*\)}.*/\1 \2 \3 \4 \5 \6/p' "$out" |
    awk '{ e = $2 + $3 + $4 + $5 + $6; if ($1 == 0 || e * 1000 > $1) printf "%d errors in %d requests (connect %d, read %d, write %d, status not 2xx/3xx %d, timeout %d)", e, $1, $2, $3, $4, $5, $6 }')"
  [ -z "$bad" ] || die "$3 on $4: $bad; see $out and the server's log in $RUN/logs/"
  awk -v m0="$m0" -v m1="$m1" -v s="$((s1 - s0))" -v w="$((w1 - w0))" -v n="$(nproc)" 'BEGIN {
    split(m0, a, " "); split(m1, b, " "); busy = b[1] - a[1]; total = b[2] - a[2]
    if (total <= 0) total = 1
    k = n / total   # ticks -> cores
    printf "BENCH_CPU {\"machine_busy_cores\":%.2f,\"server_cores\":%.2f,\"wrk_cores\":%.2f,\"other_cores\":%.2f}\n", busy * k, s * k, w * k, (busy - s - w) * k
  }' >>"$out"
}

show() { # show LABEL FILE: one line per run on stderr
  local j
  j="$(sed -n 's/^BENCH_JSON //p' "$2")"
  log "$(printf '%-34s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %s' "$1" \
    "$(sed 's/.*"rps":\([0-9.]*\).*/\1/' <<<"$j")" \
    "$(sed 's/.*"p50_us":\([0-9.]*\).*/\1/' <<<"$j" | awk '{print $1/1000}')" \
    "$(sed 's/.*"p99_us":\([0-9.]*\).*/\1/' <<<"$j" | awk '{print $1/1000}')" \
    "$(sed 's/.*"errors":{\([^}]*\)}.*/\1/' <<<"$j")") $(sed -n 's/^BENCH_CPU .*"other_cores":\([-0-9.]*\).*/other processes \1 cores/p' "$2")"
}

PAIR_CASES=(session_jwt session_none csrf providers signin)
if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
  log "warm-up: $WARMUP per server and request type"
  for c in "${PAIR_CASES[@]}"; do
    for s in ours nextauth; do load "$RUN/warmup/$c.$s.txt" "$WARMUP" "$c" "$s"; done
  done
  load "$RUN/warmup/ceiling.empty.txt" "$WARMUP" ceiling empty
  for c in "${DB_CASES[@]}" "${LAYOUT_CASES[@]}"; do load "$RUN/warmup/$c.ours.txt" "$WARMUP" "$c" ours; done
fi

# measure FILE CASE SERVER: one measured run. If other processes took more than MAX_OTHER cores
# during it, it is repeated (at most RETRIES times; the busy attempts are kept in wrk/busy/) and the
# last attempt counts, whatever its figure.
measure() {
  local f="$1" i other
  for i in $(seq 0 "$RETRIES"); do
    wait_idle
    load "$f" "$DURATION" "$2" "$3"
    show "$2 $3" "$f"
    other="$(sed -n 's/^BENCH_CPU .*"other_cores":\([-0-9.]*\).*/\1/p' "$f")"
    awk -v o="$other" -v m="$MAX_OTHER" 'BEGIN { exit !(o > m) }' || return 0
    [ "$i" -lt "$RETRIES" ] || { log "(still busy after $RETRIES repeats; keeping this one)"; return 0; }
    mkdir -p "$RUN/wrk/busy"
    mv "$f" "$RUN/wrk/busy/$(basename "$f" .txt).attempt$((i + 1)).txt"
    log "(other processes took $other cores, more than $MAX_OTHER: measuring again)"
  done
}

LOADS=()
for r in $(seq 1 "$ROUNDS"); do
  LOADS+=("$(cut -d' ' -f1-3 /proc/loadavg)")
  log "round $r of $ROUNDS (wrk -t$THREADS -c$CONNECTIONS -d$DURATION; load average ${LOADS[-1]})"
  order=(ours nextauth)
  [ $((r % 2)) = 1 ] || order=(nextauth ours)
  for c in "${PAIR_CASES[@]}"; do
    for s in "${order[@]}"; do
      measure "$RUN/wrk/r$r.$c.$s.txt" "$c" "$s"
    done
    if [ "$c" = session_jwt ]; then # the ceiling right after the row it is the ceiling of
      measure "$RUN/wrk/r$r.ceiling.empty.txt" ceiling empty
    fi
  done
  for c in "${DB_CASES[@]}"; do
    measure "$RUN/wrk/r$r.$c.ours.txt" "$c" ours
    # the layout rows of a kind right after its default layout's small row, which they are compared with
    if [[ "$c" == db_*_small ]]; then
      k="${c#db_}" k="${k%_small}"
      for l in "${LAYOUT_CASES[@]}"; do
        [[ "$l" != "lay_${k}_"* ]] || measure "$RUN/wrk/r$r.$l.ours.txt" "$l" ours
      done
    fi
  done
done

# ---- 7. after the load: still valid sessions, peak memory ---------------------------
for s in ours nextauth; do
  expect_body "$s JWT session after the load" "${BASE[$s]}/session" "${JWT[$s]}" '"email":"alice@example.com"'
done
for c in "${DB_CASES[@]}" "${LAYOUT_CASES[@]}"; do
  case "$c" in
    *_random) check_tokens "${c%_random}" ;;
    *) expect_body "$c session after the load" "${BASE[$c]}/session" "${DB_COOKIE[$c]}" '"email":"alice@example.com"' ;;
  esac
done

# mem PID: "VmHWM RssAnon RssFile Pss Pss_Anon PROCESSES" in kB, summed over the processes of PID's
# session. VmHWM is the peak; the others are now. Pss counts a page shared by several mappings
# (e.g. SQLite's memory map, once per pooled connection) once in total, not once per mapping.
mem() {
  local p hwm=0 anon=0 file=0 pss=0 pssanon=0 n=0 a b c d e
  for p in $(ps -o pid= -s "$1"); do
    read -r a b c < <(awk '/^VmHWM:/ { h = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } END { print h + 0, a + 0, f + 0 }' "/proc/$p/status" 2>/dev/null || echo "0 0 0")
    read -r d e < <(awk '/^Pss:/ { p = $2 } /^Pss_Anon:/ { a = $2 } END { print p + 0, a + 0 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0")
    hwm=$((hwm + a)) anon=$((anon + b)) file=$((file + c)) pss=$((pss + d)) pssanon=$((pssanon + e)) n=$((n + 1))
  done
  echo "$hwm $anon $file $pss $pssanon $n"
}
{
  for s in ours nextauth empty "${DB_CASES[@]}" "${LAYOUT_CASES[@]}"; do
    [[ "$s" != *_random ]] || continue
    echo "$s $(mem "${PID[$s]}")"
  done
} >"$RUN/rss.txt"

# ---- 8. report --------------------------------------------------------------------------
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine_note=$MACHINE_NOTE"
  echo "load_before=${LOADS[0]}"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "nproc=$(nproc)"
  echo "memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "kernel=$(uname -sr)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}")"
  echo "go=$(go version | cut -d' ' -f3-)"
  echo "node=$(node --version)"
  echo "nextjs=$(node -p "require('$APP/node_modules/next/package.json').version")"
  echo "nextauth_js=$(node -p "require('$APP/node_modules/next-auth/package.json').version")"
  echo "bcryptjs=$(node -p "require('$APP/node_modules/bcryptjs/package.json').version")"
  echo "wrk=$(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  echo "commit=$commit (HEAD; the working tree may hold uncommitted changes)"
  echo "rounds=$ROUNDS"
  echo "duration=$DURATION"
  echo "threads=$THREADS"
  echo "connections=$CONNECTIONS"
  echo "warmup=$WARMUP"
  echo "sessions_small=$SMALL"
  echo "sessions_large=$LARGE"
  echo "token_sample=$TOKEN_SAMPLE"
  echo "wait_idle=$WAIT_IDLE"
  echo "max_other=$MAX_OTHER"
  echo "retries=$RETRIES"
  echo "busy_repeats=$(find "$RUN/wrk/busy" -name '*.txt' 2>/dev/null | wc -l)"
  echo "secret_note=$SECRET"
  echo "postgres=$PG_NOTE"
  echo "mysql=$MY_NOTE"
  echo "mysql_product=${MY_PRODUCT:-MySQL/MariaDB}"
  sep=
  printf 'round_loads='
  for i in "${!LOADS[@]}"; do printf '%sround %d: %s' "$sep" $((i + 1)) "${LOADS[$i]}"; sep=', '; done
  echo
} >"$RUN/meta.env"
"$OUT/tool" report -dir "$RUN" -out "$RESULTS" || die "report failed"
log "wrote $RESULTS (raw wrk output in $RUN/wrk)"
