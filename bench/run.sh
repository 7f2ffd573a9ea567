#!/usr/bin/env bash
# bench/run.sh: a side-by-side benchmark of our server against the real NextAuth.js v4,
# and oauth2-proxy, on this machine, in one run; writes bench/RESULTS.md and its chart
# bench/RESULTS.svg. See bench/README.md.
#
#   ./bench/run.sh                                              # the default: 3 rounds of 10 s
#   BENCH_ROUNDS=1 BENCH_DURATION=2s BENCH_WARMUP=1s BENCH_LAYOUTS= \
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
#   BENCH_DB_PREFIX=nextauth_bench  the names of those databases start with this: give two runs
#                             on one database server different prefixes
#   NEXTAUTH_BENCH_MYSQL_URL  the same for MySQL/MariaDB (default: mysql://root@127.0.0.1:3306/)
#   BENCH_LAYOUTS=KIND:LAYOUT,...   per-layout rows: the server on another adapter's tables (made
#                             from internal/layout/testdata/LAYOUT-KIND.sql), compared with the
#                             default layout on the same database; "" = none (default: all served)
#   BENCH_COOKIES=10000       distinct session cookies the rotating rows send (JWTs minted with the
#                             secret; tokens of stored database sessions); BENCH_TOKEN_SAMPLE is
#                             the old name. BENCH_SESSIONS_LARGE is raised to it when lower
#   BENCH_PACE_MS=8           the paced rows (empty handler, JWT /session, forward check, oauth2-proxy):
#                             each connection waits this long after an answer before its next
#                             request, so that they are compared at about one request rate below
#                             saturation (32 connections, 8 ms: under 4,000 req/s); 0 = no paced rows
#   BENCH_OAUTH2_PROXY=1      measure oauth2-proxy's /oauth2/auth (built from bench/oauth2-proxy/);
#                             0 = leave it out
#   BENCH_WAIT_IDLE=10        before each measured run, wait up to this many seconds for a quiet
#                             second (machine < 0.25 cores busy); 0 = never wait
#   BENCH_MAX_OTHER=0.5       a run during which other processes used more cores than this is
#   BENCH_RETRIES=1           repeated, at most this many times (the last attempt counts)
#   BENCH_STARTUP_TRIALS=10   startup trials (new file, then existing file)
#   BENCH_RESULTS=bench/RESULTS.md  where to write the report
#   BENCH_CHART=bench/RESULTS.svg   where to write its chart (default: BENCH_RESULTS with .svg)
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
COOKIES="${BENCH_COOKIES:-${BENCH_TOKEN_SAMPLE:-10000}}"
OAUTH2_PROXY="${BENCH_OAUTH2_PROXY:-1}"
PACE="${BENCH_PACE_MS:-8}"
WAIT_IDLE="${BENCH_WAIT_IDLE:-10}"
MAX_OTHER="${BENCH_MAX_OTHER:-0.5}"
RETRIES="${BENCH_RETRIES:-1}"
RESULTS="${BENCH_RESULTS:-$HERE/RESULTS.md}"
CHART="${BENCH_CHART:-${RESULTS%.md}.svg}"
MACHINE_NOTE="${BENCH_MACHINE_NOTE:-This machine is shared: other jobs (builds, tests, fuzzing) may run during the benchmark, so figures vary from run to run.}"

# The same on both servers (also in bench/nextauth.yaml and the NextAuth app).
SECRET="nextauth-go-bench-secret-do-not-use-in-production"
USER_NAME=alice
USER_PASSWORD=wonderland
USER_EMAIL=alice@example.com
DB_PREFIX="${BENCH_DB_PREFIX:-nextauth_bench}"
PG_DBS=("$DB_PREFIX" "${DB_PREFIX}_large")
MY_DBS=("$DB_PREFIX" "${DB_PREFIX}_large")

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
is_uint "$COOKIES" && [ "$COOKIES" -ge 1 ] || die "BENCH_COOKIES=$COOKIES: want a whole number ≥ 1"
[[ "${BENCH_DB_PREFIX:-nextauth_bench}" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_DB_PREFIX=$BENCH_DB_PREFIX: want lower-case letters, digits and _"
is_uint "$PACE" || die "BENCH_PACE_MS=$PACE: want a whole number of milliseconds (0 = no paced rows)"
PACE=$((10#$PACE))
[[ "$OAUTH2_PROXY" == 0 || "$OAUTH2_PROXY" == 1 ]] || die "BENCH_OAUTH2_PROXY=$OAUTH2_PROXY: want 1 (measure oauth2-proxy) or 0"
if [ "$LARGE" -lt "$COOKIES" ]; then
  echo "[bench] BENCH_SESSIONS_LARGE=$LARGE is below BENCH_COOKIES=$COOKIES: the large databases get $COOKIES sessions, so that their rotating rows have as many distinct cookies" >&2
  LARGE="$COOKIES"
fi
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
      postgres) PG_DBS+=("${DB_PREFIX}_${n//-/_}") ;;
      mysql) MY_DBS+=("${DB_PREFIX}_${n//-/_}") ;;
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
O2P_SERVER=oauth2proxy # the server name of oauth2-proxy's rows (bench/tool report)
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

# oauth2-proxy, from its own module (bench/oauth2-proxy: the version in go.mod, pinned by go.sum),
# built once per pinned version into bench/.out/oauth2-proxy-KEY/. A failed build (no module proxy,
# say) leaves its rows out rather than stopping the benchmark.
O2P_BIN= O2P_VERSION= O2P_NOTE="not measured (BENCH_OAUTH2_PROXY=0)"
if [ "$OAUTH2_PROXY" = 1 ]; then
  O2P_VERSION="$(sed -n 's#^require github.com/oauth2-proxy/oauth2-proxy/v7 \(v[^ ]*\).*#\1#p; s#^[[:space:]]*github.com/oauth2-proxy/oauth2-proxy/v7 \(v[^ ]*\).*#\1#p' "$HERE/oauth2-proxy/go.mod" | head -n1)"
  o2p_key="$(cat "$HERE/oauth2-proxy/go.mod" "$HERE/oauth2-proxy/go.sum" | sha256sum | cut -c1-16)"
  O2P_BIN="$OUT/oauth2-proxy-$o2p_key/oauth2-proxy"
  if [ -x "$O2P_BIN" ]; then
    log "oauth2-proxy $O2P_VERSION: built already ($O2P_BIN)"
  else
    log "building oauth2-proxy $O2P_VERSION (bench/oauth2-proxy; a few minutes the first time)"
    if ! (cd "$HERE/oauth2-proxy" && go build -ldflags "-X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=$O2P_VERSION" \
      -o "$O2P_BIN.tmp" github.com/oauth2-proxy/oauth2-proxy/v7) >"$RUN/logs/oauth2-proxy-build.log" 2>&1; then
      log "warning: could not build oauth2-proxy ($(tail -n1 "$RUN/logs/oauth2-proxy-build.log")); leaving its rows out"
      O2P_NOTE="not measured: the build of bench/oauth2-proxy failed ($(tail -n1 "$RUN/logs/oauth2-proxy-build.log"))"
      O2P_BIN=
    else
      mv "$O2P_BIN.tmp" "$O2P_BIN"
    fi
  fi
fi

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
# ports: 0 ours, 1 NextAuth, 2 empty, 3-4 SQLite, 5-6 PostgreSQL, 7… the layouts, then MySQL's two,
# then the OpenID Provider and oauth2-proxy
n_ports=$((11 + ${#LAYOUT_LIST[@]}))
mapfile -t ports < <("$OUT/tool" freeport "$n_ports")
[ "${#ports[@]}" = "$n_ports" ] || die "could not find free ports"
P_OURS="${ports[0]}" P_NEXT="${ports[1]}" P_EMPTY="${ports[2]}"
P_OP="${ports[$((9 + ${#LAYOUT_LIST[@]}))]}" P_O2P="${ports[$((10 + ${#LAYOUT_LIST[@]}))]}"
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

# expect_forward WHAT SERVER COOKIE: the forward check lets the session through (200) with the
# user's e-mail in X-Auth-Request-Email.
expect_forward() {
  local head
  head="$(curl -sS --max-time 10 -o /dev/null -D - -H "Cookie: $3" "${BASE[$2]}/forward")" || die "$1: GET ${BASE[$2]}/forward failed"
  [[ "$head" =~ ^HTTP/[0-9.]+\ 200 ]] && grep -qi '^X-Auth-Request-Email: alice@example.com' <<<"$head" ||
    die "$1: GET ${BASE[$2]}/forward answered $(head -n1 <<<"$head") without X-Auth-Request-Email: alice@example.com"
}

# check_tokens CASE FILE SERVER PATH: the first cookies of a rotating row's file are live sessions.
check_tokens() {
  local t
  for t in $(head -n 3 "$2"); do
    case "$4" in
      session) expect_body "$1 session from $2" "${BASE[$3]}/session" "next-auth.session-token=$t" '"email":"alice@example.com"' ;;
      forward) expect_forward "$1 session from $2" "$3" "next-auth.session-token=$t" ;;
    esac
  done
}

for s in ours nextauth; do
  JWT[$s]="$(signin "$s")"
  csrf_pair "$s"
  expect_body "$s JWT session" "${BASE[$s]}/session" "${JWT[$s]}" '"email":"alice@example.com"'
  expect_body "$s session without cookie" "${BASE[$s]}/session" "" '^\{\}$'
  expect_body "$s csrf" "${BASE[$s]}/csrf" "" '"csrfToken":"[0-9a-f]{64}"'
  expect_body "$s providers" "${BASE[$s]}/providers" "" '"credentials":\{"id":"credentials"'
  # the rotating rows' cookies: distinct JWTs with the signed-in session's claims
  "$OUT/tool" jwt-cookies "${JWT[$s]}" "$COOKIES" "$RUN/jwt.$s.tokens" || die "$s: could not mint $COOKIES JWT session cookies"
  check_tokens "$s" "$RUN/jwt.$s.tokens" "$s" session
done
expect_forward "ours forward check" ours "${JWT[ours]}"
check_tokens ours "$RUN/jwt.ours.tokens" ours forward
log "signed in on both servers; every request type answers as expected; $COOKIES distinct JWT cookies each"

# ---- oauth2-proxy, signed in through the tests' OpenID Provider (bench/tool oidc-op) --------
O2P_COOKIE=
o2p_login() { # prints a new session cookie of oauth2-proxy (a sign-in through the provider)
  "$OUT/tool" oauth2-proxy-login -proxy "http://127.0.0.1:$P_O2P" -user "$USER_EMAIL" 2>>"$RUN/logs/oauth2-proxy-login.log" ||
    die "oauth2-proxy: the sign-in through the OpenID Provider failed (see $RUN/logs/oauth2-proxy-login.log, oidc-op.log, oauth2-proxy.log)"
}
if [ -n "$O2P_BIN" ]; then
  op_secret="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  log "starting the OpenID Provider (bench/tool oidc-op) on 127.0.0.1:$P_OP"
  start_bg "$RUN/logs/oidc-op.log" "$OUT/tool" oidc-op -addr "127.0.0.1:$P_OP" -client-id nextauth-bench -client-secret "$op_secret" \
    -redirect "http://127.0.0.1:$P_O2P/oauth2/callback" -user "1,$USER_EMAIL,Alice"
  PID[oidc_op]=$LAST_PID
  wait_http "http://127.0.0.1:$P_OP/.well-known/openid-configuration" 30 "$LAST_PID" "$RUN/logs/oidc-op.log"
  log "starting oauth2-proxy $O2P_VERSION on 127.0.0.1:$P_O2P (cookie sessions)"
  # cookie-secure=false: plain HTTP on 127.0.0.1, like the other servers; no per-request log
  # lines (ours runs at log level warn, NextAuth logs none)
  start_bg "$RUN/logs/oauth2-proxy.log" "$O2P_BIN" --http-address="127.0.0.1:$P_O2P" \
    --provider=oidc --oidc-issuer-url="http://127.0.0.1:$P_OP" --client-id=nextauth-bench --client-secret="$op_secret" \
    --redirect-url="http://127.0.0.1:$P_O2P/oauth2/callback" --code-challenge-method=S256 \
    --cookie-secret="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" --cookie-secure=false \
    --session-store-type=cookie --email-domain='*' --upstream=static://202 --skip-provider-button \
    --request-logging=false --auth-logging=false --silence-ping-logging
  PID[$O2P_SERVER]=$LAST_PID
  wait_http "http://127.0.0.1:$P_O2P/ping" 30 "$LAST_PID" "$RUN/logs/oauth2-proxy.log"
  O2P_COOKIE="$(o2p_login)"
  O2P_NOTE="oauth2-proxy $O2P_VERSION (\`bench/oauth2-proxy/go.mod\`, built with $(go version | cut -d' ' -f3)), provider \`oidc\` against the tests' OpenID Provider (\`authtest.NewOIDCProvider\`, zitadel's op package) on 127.0.0.1, cookie session store, \`--upstream=static://202\`, request and auth logging off"
  log "signed in on oauth2-proxy; GET /oauth2/auth answers 202"
fi

# ---- 5. database-session servers ----------------------------------------------------
DB_CASES=()
declare -A FWD_AFTER=() # FWD_AFTER[db_K_small]=fwd_K_small: the forward row measured after that /session row
setup_db() { # setup_db CASE PORT DATABASE_URL SESSIONS
  local name="$1" n="$4" fwd
  log "$name: starting our server on ${3%%\?*} (database sessions)"
  start_ours "$name" "$2" "$3" database
  DB_COOKIE[$name]="$(signin "$name")"
  log "$name: seeding to $n sessions"
  "$OUT/tool" seed "$3" "$n" "$USER_EMAIL" >&2 || die "$name: seeding failed"
  expect_body "$name session" "${BASE[$name]}/session" "${DB_COOKIE[$name]}" '"email":"alice@example.com"'
  expect_forward "$name forward check" "$name" "${DB_COOKIE[$name]}"
  "$OUT/tool" tokens "$3" "$COOKIES" "$RUN/$name.tokens" || die "$name: could not read session tokens"
  check_tokens "$name" "$RUN/$name.tokens" "$name" session
  check_tokens "$name" "$RUN/$name.tokens" "$name" forward
  DB_CASES+=("$name" "${name}_rot")
  # the forward check: with the signed-in session on the small database, rotating on the large
  fwd="fwd_${name#db_}"
  case "$name" in *_small) FWD_AFTER[$name]="$fwd" ;; *_large) FWD_AFTER[${name}_rot]="${fwd}_rot" ;; esac
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
pg_layout_url() { "$OUT/tool" db-url "$PG_ADMIN" "${DB_PREFIX}_${1//-/_}"; }
my_layout_url() { "$OUT/tool" db-url "$MY_ADMIN" "${DB_PREFIX}_${1//-/_}"; }

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
# server_of CASE SERVER: the name (in PID, BASE) of the server process a row loads: for our
# database rows the database's server (fwd_pg_small: db_pg_small; db_pg_large_rot and
# fwd_pg_large_rot: db_pg_large), for the others SERVER.
server_of() {
  local c="${1%_rot}"
  case "$2:$c" in
    ours:db_* | ours:lay_*) echo "$c" ;;
    ours:fwd_*) echo "db_${c#fwd_}" ;;
    *) echo "$2" ;;
  esac
}

# target CASE SERVER: sets URL, COOKIE, METHOD, BODY, TOKENS, DELAY for a request type on a server
# (CASE_paced: CASE with DELAY, the pause of the paced rows).
target() {
  local c="$1" s="$2"
  URL= COOKIE= METHOD= BODY= TOKENS= DELAY=
  case "$c" in
    *_paced) target "${c%_paced}" "$s" && DELAY="$PACE" ;;
    session_jwt) URL="${BASE[$s]}/session" COOKIE="${JWT[$s]}" ;;
    session_none) URL="${BASE[$s]}/session" ;;
    csrf) URL="${BASE[$s]}/csrf" ;;
    providers) URL="${BASE[$s]}/providers" ;;
    signin)
      URL="${BASE[$s]}/callback/credentials" COOKIE="${CSRF_COOKIE[$s]}" METHOD=POST
      BODY="csrfToken=${CSRF_TOKEN[$s]}&username=$USER_NAME&password=$USER_PASSWORD&json=true" ;;
    ceiling) URL="http://127.0.0.1:$P_EMPTY/" ;;
    session_jwt_rot) URL="${BASE[$s]}/session" TOKENS="$RUN/jwt.$s.tokens" ;;
    ceiling_rot) URL="http://127.0.0.1:$P_EMPTY/" TOKENS="$RUN/jwt.ours.tokens" ;;
    forward_jwt) URL="${BASE[ours]}/forward" COOKIE="${JWT[ours]}" ;;
    forward_jwt_rot) URL="${BASE[ours]}/forward" TOKENS="$RUN/jwt.ours.tokens" ;;
    o2p_auth) URL="http://127.0.0.1:$P_O2P/oauth2/auth" COOKIE="$O2P_COOKIE" ;;
    db_*_rot) URL="${BASE[${c%_rot}]}/session" TOKENS="$RUN/${c%_rot}.tokens" ;;
    db_* | lay_*) URL="${BASE[$c]}/session" COOKIE="${DB_COOKIE[$c]}" ;;
    fwd_*_rot) URL="${BASE[$(server_of "$c" ours)]}/forward" TOKENS="$RUN/$(server_of "$c" ours).tokens" ;;
    fwd_*) URL="${BASE[$(server_of "$c" ours)]}/forward" COOKIE="${DB_COOKIE[$(server_of "$c" ours)]}" ;;
    *) die "unknown case $c" ;;
  esac
}

# CPU accounting, to show how much of the machine other processes took during a run.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)" # the unit of /proc/PID/stat's times
ticks_of() { # ticks_of PID...: a line "PID TICKS" (utime + stime) for each process still there
  local p
  for p in "$@"; do
    awk -v p="$p" '{ sub(/^.*\) /, ""); print p, $12 + $13 }' "/proc/$p/stat" 2>/dev/null || true
  done
}
# snapshot SID [pg|my] PREFIX: the CPU ticks of the processes of session SID (our server,
# NextAuth, …) in PREFIX.srv, of the database server's (PostgreSQL's with pg, MySQL's or MariaDB's
# with my; none without) in PREFIX.db
snapshot() {
  local db=()
  case "${2:-}" in
    pg) mapfile -t db < <(pgrep -x postgres || true) ;;
    my) mapfile -t db < <(pgrep -x mariadbd || pgrep -x mysqld || true) ;;
  esac
  # shellcheck disable=SC2046 # one pid a word
  ticks_of $(ps -o pid= -s "$1") >"$3.srv"
  ticks_of "${db[@]}" >"$3.db"
}
# ticks_delta BEFORE AFTER: the ticks the processes of AFTER used since BEFORE; one that started
# in between counts whole, one that ended in between (a PostgreSQL backend) is lost
ticks_delta() { awk 'FILENAME == ARGV[1] { a[$1] = $2; next } { d += $2 - ($1 in a ? a[$1] : 0) } END { print d + 0 }' "$1" "$2"; }
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
  pid="${PID[$(server_of "$3" "$4")]}"
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"$dur" --latency --timeout 5s -s "$HERE/wrk/report.lua")
  [ -z "$COOKIE" ] || args+=(-H "Cookie: $COOKIE")
  local m0 w0 m1 w1 srv db pg=
  # the database server's work counts as the server's, not as other processes'
  case "$3" in db_pg* | lay_pg* | fwd_pg*) pg=pg ;; db_my* | lay_my* | fwd_my*) pg=my ;; esac
  children_ticks >"$RUN/.w0"
  m0="$(machine_ticks)"
  snapshot "$pid" "$pg" "$RUN/.t0"
  BENCH_METHOD="$METHOD" BENCH_BODY="$BODY" BENCH_TOKENS="$TOKENS" BENCH_THREADS="$THREADS" BENCH_DELAY_MS="$DELAY" wrk "${args[@]}" "$URL" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed: $3 on $4"; }
  children_ticks >"$RUN/.w1"
  m1="$(machine_ticks)"
  snapshot "$pid" "$pg" "$RUN/.t1"
  w0="$(cat "$RUN/.w0")" w1="$(cat "$RUN/.w1")"
  srv="$(ticks_delta "$RUN/.t0.srv" "$RUN/.t1.srv")" db="$(ticks_delta "$RUN/.t0.db" "$RUN/.t1.db")"
  grep -q '^BENCH_JSON ' "$out" || { cat "$out" >&2; die "wrk printed no result: $3 on $4"; }
  # A run whose answers are errors measures the errors: stop rather than report it.
  local bad
  bad="$(sed -n 's/^BENCH_JSON {"requests":\([0-9]*\).*"errors":{"connect":\([0-9]*\),"read":\([0-9]*\),"write":\([0-9]*\),"status":\([0-9]*\),"timeout":\([0-9]*\)}.*/\1 \2 \3 \4 \5 \6/p' "$out" |
    awk '{ e = $2 + $3 + $4 + $5 + $6; if ($1 == 0 || e * 1000 > $1) printf "%d errors in %d requests (connect %d, read %d, write %d, status not 2xx/3xx %d, timeout %d)", e, $1, $2, $3, $4, $5, $6 }')"
  [ -z "$bad" ] || die "$3 on $4: $bad; see $out and the server's log in $RUN/logs/"
  awk -v m0="$m0" -v m1="$m1" -v srv="$srv" -v db="$db" -v w="$((w1 - w0))" -v n="$(nproc)" -v hz="$CLK_TCK" 'BEGIN {
    split(m0, a, " "); split(m1, b, " "); busy = b[1] - a[1]; total = b[2] - a[2]
    if (total <= 0) total = 1
    k = n / total   # ticks -> cores
    s = srv + db
    printf "BENCH_CPU {\"machine_busy_cores\":%.2f,\"server_cores\":%.2f,\"wrk_cores\":%.2f,\"other_cores\":%.2f,\"server_ticks\":%d,\"db_ticks\":%d,\"hz\":%d}\n", busy * k, s * k, w * k, (busy - s - w) * k, srv, db, hz
  }' >>"$out"
}

show() { # show LABEL FILE: one line per run on stderr
  local j
  j="$(sed -n 's/^BENCH_JSON //p' "$2")"
  log "$(printf '%-34s %9.0f req/s  p50 %7.2f ms  p99 %7.2f ms  errors %s' "$1" \
    "$(sed 's/.*"rps":\([0-9.]*\).*/\1/' <<<"$j")" \
    "$(sed 's/.*"p50_us":\([0-9.]*\).*/\1/' <<<"$j" | awk '{print $1/1000}')" \
    "$(sed 's/.*"p99_us":\([0-9.]*\).*/\1/' <<<"$j" | awk '{print $1/1000}')" \
    "$(sed 's/.*"errors":{\([^}]*\)}.*/\1/' <<<"$j")") $(sed -n 's/^BENCH_CPU .*"other_cores":\([-0-9.]*\).*/other processes \1 cores/p' "$2")$(cpu_us "$2")"
}
cpu_us() { # cpu_us FILE: ", server N µs/request" (+ the database server's) from the run's BENCH_CPU line
  local req
  req="$(sed -n 's/^BENCH_JSON {"requests":\([0-9]*\).*/\1/p' "$1")"
  sed -n 's/^BENCH_CPU .*"server_ticks":\([0-9]*\),"db_ticks":\([0-9]*\),"hz":\([0-9]*\).*/\1 \2 \3/p' "$1" |
    awk -v n="${req:-0}" '$3 > 0 && n > 0 { printf ", server %.1f µs/request", $1 * 1e6 / $3 / n; if ($2 > 0) printf " + database %.1f", $2 * 1e6 / $3 / n }'
}

PAIR_CASES=(session_jwt session_none csrf providers signin session_jwt_rot)
# after_pair CASE: the rows ("CASE:SERVER") measured right after a pair: the empty handler and our
# forward check with the same cookies, and oauth2-proxy's check next to ours.
after_pair() {
  case "$1" in
    session_jwt)
      echo ceiling:empty forward_jwt:ours
      [ -z "$O2P_BIN" ] || echo "o2p_auth:$O2P_SERVER"
      if [ "$PACE" != 0 ]; then
        echo ceiling_paced:empty session_jwt_paced:ours forward_jwt_paced:ours
        [ -z "$O2P_BIN" ] || echo "o2p_auth_paced:$O2P_SERVER"
      fi
      ;;
    session_jwt_rot) echo ceiling_rot:empty forward_jwt_rot:ours ;;
  esac
}
# measure_after FILE_PREFIX PAIR_CASE: the rows after a pair (oauth2-proxy after a new sign-in:
# its session ends with the provider's one-hour token)
measure_after() {
  local x c s
  for x in $(after_pair "$2"); do
    c="${x%%:*}" s="${x#*:}"
    [[ "$c" != o2p_auth* ]] || O2P_COOKIE="$(o2p_login)"
    "$3" "$1.$c.$s.txt" "$c" "$s"
  done
}
warm() { load "$1" "$WARMUP" "$2" "$3"; }
FWD_CASES=()
for c in "${DB_CASES[@]}"; do [ -z "${FWD_AFTER[$c]:-}" ] || FWD_CASES+=("${FWD_AFTER[$c]}"); done
if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
  log "warm-up: $WARMUP per server and request type"
  for c in "${PAIR_CASES[@]}"; do
    for s in ours nextauth; do warm "$RUN/warmup/$c.$s.txt" "$c" "$s"; done
    measure_after "$RUN/warmup/w" "$c" warm
  done
  for c in "${DB_CASES[@]}" "${FWD_CASES[@]}" "${LAYOUT_CASES[@]}"; do warm "$RUN/warmup/$c.ours.txt" "$c" ours; done
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
    # the ceiling right after the row it is the ceiling of, then the forward checks
    measure_after "$RUN/wrk/r$r" "$c" measure
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
    # the forward check on the same server with the same cookies
    [ -z "${FWD_AFTER[$c]:-}" ] || measure "$RUN/wrk/r$r.${FWD_AFTER[$c]}.ours.txt" "${FWD_AFTER[$c]}" ours
  done
done

# ---- 7. after the load: still valid sessions, peak memory ---------------------------
for s in ours nextauth; do
  expect_body "$s JWT session after the load" "${BASE[$s]}/session" "${JWT[$s]}" '"email":"alice@example.com"'
  check_tokens "$s after the load" "$RUN/jwt.$s.tokens" "$s" session
done
expect_forward "ours forward check after the load" ours "${JWT[ours]}"
for c in "${DB_CASES[@]}" "${LAYOUT_CASES[@]}"; do
  case "$c" in
    *_rot) check_tokens "$c after the load" "$RUN/${c%_rot}.tokens" "${c%_rot}" session ;;
    *) expect_body "$c session after the load" "${BASE[$c]}/session" "${DB_COOKIE[$c]}" '"email":"alice@example.com"' ;;
  esac
done
for c in "${FWD_CASES[@]}"; do
  case "$c" in
    *_rot) check_tokens "$c after the load" "$RUN/$(server_of "$c" ours).tokens" "$(server_of "$c" ours)" forward ;;
    *) expect_forward "$c after the load" "$(server_of "$c" ours)" "${DB_COOKIE[$(server_of "$c" ours)]}" ;;
  esac
done
if [ -n "$O2P_BIN" ]; then
  code="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Cookie: $O2P_COOKIE" "http://127.0.0.1:$P_O2P/oauth2/auth")"
  [ "$code" = 202 ] || die "oauth2-proxy: GET /oauth2/auth with the last session answered $code after the load, not 202"
fi

# mem PID: "VmHWM RssAnon RssFile Pss Pss_Anon PROCESSES" in kB, summed over the processes of PID's
# session. VmHWM is the peak; the others are now. Pss counts a page shared with other mappings or
# processes (e.g. the executable's pages) in proportion, not in full.
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
    [[ "$s" != *_rot ]] || continue
    echo "$s $(mem "${PID[$s]}")"
  done
  [ -z "$O2P_BIN" ] || echo "$O2P_SERVER $(mem "${PID[$O2P_SERVER]}")"
} >"$RUN/rss.txt"

# What one password check costs each side, measured apart from the servers (one thread, after the
# rounds): our bcrypt.CompareHashAndPassword and NextAuth's bcryptjs compareSync on the hash both
# servers check, in CPU µs per comparison. The report sets them beside each server's CPU µs per
# sign-in: the share of a sign-in spent in bcrypt.
HASH="$(sed -n 's/.*password_hash: "\([^"]*\)".*/\1/p' "$HERE/nextauth.yaml")"
BCRYPT_OURS="$("$OUT/tool" bcrypt "$HASH" "$USER_PASSWORD" 300)" || die "could not time bcrypt"
BCRYPT_NEXTAUTH="$(HASH="$HASH" PASSWORD="$USER_PASSWORD" node -e '
  const bcrypt = require(process.argv[1] + "/node_modules/bcryptjs");
  const { HASH, PASSWORD } = process.env, n = 300;
  if (!bcrypt.compareSync(PASSWORD, HASH)) process.exit(1);
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) bcrypt.compareSync(PASSWORD, HASH);
  const d = process.cpuUsage(t);
  console.log(((d.user + d.system) / n).toFixed(1));' "$APP")" || die "could not time bcryptjs"
log "one bcrypt comparison at the benchmark's cost: ours $BCRYPT_OURS µs, NextAuth's bcryptjs $BCRYPT_NEXTAUTH µs (CPU)"

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
  echo "cookies=$COOKIES"
  echo "pace_ms=$PACE"
  echo "oauth2_proxy=$O2P_NOTE"
  [ -z "$O2P_BIN" ] || echo "oauth2_proxy_version=$O2P_VERSION"
  echo "wait_idle=$WAIT_IDLE"
  echo "max_other=$MAX_OTHER"
  echo "retries=$RETRIES"
  echo "bcrypt_us_ours=$BCRYPT_OURS"
  echo "bcrypt_us_nextauth=$BCRYPT_NEXTAUTH"
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
"$OUT/tool" report -dir "$RUN" -out "$RESULTS" -svg "$CHART" || die "report failed"
log "wrote $RESULTS and $CHART (raw wrk output in $RUN/wrk)"
