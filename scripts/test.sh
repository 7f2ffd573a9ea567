#!/usr/bin/env bash
# The project's one test command. Run from anywhere:
#
#   ./scripts/test.sh            # everything: setup, lint, test, fuzz
#   ./scripts/test.sh lint fuzz  # only some stages, in the order given
#
# Stages:
#   setup  install what is missing (Debian packages nodejs npm chromium nginx caddy, as root
#          or through sudo; apt-get update only when something must be
#          installed), `npm ci --prefix testdata/node` (and
#          adapter/sqllayout/testdata/node) when node_modules is
#          missing or older than the lock file, the browser bundle of
#          next-auth/react (testdata/node/dist/), the pinned NextAuth.js app
#          that compare_test.go runs (scripts/nextauth-app.sh: npm ci and
#          next build into bench/.out/compare-app, only when changed), and
#          the PostgreSQL, MariaDB and Redis servers the adapter tests use
#          (see "Services" below); and it builds Ory Hydra for the OpenID Connect
#          tests (see "Ory Hydra" below)
#   lint   gofmt -l (fails if it lists a file), go vet ./...
#   test   go test -race -count=1 -timeout 20m ./..., then the allocation
#          budget tests (-run Allocations) without -race
#   fuzz   every Fuzz* target of the module, one at a time, for $FUZZTIME each
#          (a count of executions: with a duration instead, Go 1.26's fuzzing
#          coordinator can report "context deadline exceeded" as a failure
#          when the time runs out on a loaded machine, with no failing input)
#
# Environment: FUZZTIME (default 20000x; a duration such as 30s also works), FUZZMINIMIZETIME (default 5s), TEST_TIMEOUT (default 20m),
# GOTESTFLAGS (extra flags for go test in the test stage, e.g. "-run Foo").
# Idempotent: a second run installs nothing. Exits non-zero if any stage fails.
#
# Services: setup exports, for the test stage of the same run,
#   NEXTAUTH_TEST_POSTGRES_URL  a PostgreSQL URL of a role that may CREATE
#                               DATABASE (adapter/postgres makes one database
#                               per test and drops it)
#   NEXTAUTH_TEST_MYSQL_URL     a mysql://user@host:port URL of a MariaDB (or
#                               MySQL) user that may CREATE DATABASE
#                               (adapter/mysql makes one database per test and
#                               drops it)
#   NEXTAUTH_TEST_REDIS_URL     a Redis URL (adapter/redis uses its own key
#                               prefix per test and deletes its keys)
# Each is, in order: the variable as already set; else the server answering at
# 127.0.0.1:5432 (pg_isready, then a connection as postgres that may create
# databases: postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) /
# 127.0.0.1:3306 (root without a password that may create databases:
# mysql://root@127.0.0.1:3306) / 127.0.0.1:6379 (redis-cli ping:
# redis://127.0.0.1:6379/0); else a throwaway server on a free port in a
# temporary directory (Debian packages postgresql / mariadb-server /
# redis-server installed if missing), stopped and deleted when the script
# exits. Without one, its tests skip; under CI=true that fails setup.
# PGPORT_PROBE, MYSQLPORT_PROBE and REDISPORT_PROBE (default 5432, 3306, 6379)
# change the ports probed, e.g. PGPORT_PROBE=1 to exercise the throwaway path on
# a machine that runs PostgreSQL.
#
# Ory Hydra: setup builds the module in authtest/hydra (it pins
# github.com/ory/hydra/v2 in its own go.mod and go.sum, so that the project's
# go.mod stays lean; cgo, for SQLite's in-memory database) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/nextauth-test/hydra-<key>/hydra, key being the
# hash of that module's go.mod, go.sum and main.go (authtest.HydraCachePath):
# a few minutes the first time, nothing after. It exports NEXTAUTH_TEST_HYDRA
# (already set: used as it is). Without it, the tests that run Hydra skip; under
# CI=true a failed build fails setup.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
FIXTURE=testdata/node
SQLLAYOUT_FIXTURE=adapter/sqllayout/testdata/node # the official Auth.js adapters, for adapter/sqllayout's interop tests
FUZZTIME=${FUZZTIME:-20000x}
TEST_TIMEOUT=${TEST_TIMEOUT:-20m}
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/nextauth-test.XXXXXX")
SVCDIR=""       # throwaway servers' directory, when setup starts any
PG_DATA=""      # data directory of the throwaway PostgreSQL
PG_BIN=""       # its binaries
REDIS_PORT=""   # port of the throwaway Redis
MYSQL_PID=""    # process of the throwaway MariaDB
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	stop_services
	rm -rf "$LOGDIR"
}
# Signals exit through the EXIT trap, so throwaway servers are stopped.
trap cleanup EXIT
trap 'trap - INT; exit 130' INT
trap 'trap - TERM; exit 143' TERM

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	PATH=/usr/local/go/bin:$PATH
fi

SUMMARY=()
FAILED=0
TESTS_LINE=""

log() { printf '\n==> %s\n' "$*"; }
record() { # record STATUS "what" SECONDS
	SUMMARY+=("$(printf '%-4s  %-52s %5ss' "$1" "$2" "$3")")
	if [ "$1" = FAIL ]; then FAILED=1; fi
}

as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "need root to run: $*" >&2
		return 1
	fi
}

have_chromium() { [ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ]; }

# apt_install installs Debian packages, running apt-get update first.
apt_install() {
	echo "installing Debian packages: $*"
	as_root apt-get update -qq &&
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# free_port prints the first port from $1 on where nothing listens.
free_port() {
	local p
	for ((p = $1; p < $1 + 100; p++)); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	echo "no free port in $1..$(($1 + 99))" >&2
	return 1
}

# service_dir creates the throwaway servers' directory once.
service_dir() {
	if [ -z "$SVCDIR" ]; then
		SVCDIR=$(mktemp -d "${TMPDIR:-/tmp}/nextauth-services.XXXXXX") || return 1
		chmod 755 "$SVCDIR" # the postgres user must reach its data directory
	fi
}

# pg_bin prints the newest PostgreSQL server binary directory.
pg_bin() {
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

# as_postgres runs a PostgreSQL server command: initdb refuses root.
as_postgres() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# pg_usable checks that url accepts a connection of a role that may create
# databases (what adapter/postgres's tests do).
pg_usable() {
	local out
	out=$(PGCONNECT_TIMEOUT=5 psql "$1" -w -X -A -t -q -c \
		'SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user' 2>&1) && [ "$out" = t ]
}

# provide_postgres sets NEXTAUTH_TEST_POSTGRES_URL (see the header); it
# prints what it chose in $SERVICE_NOTE.
provide_postgres() {
	if [ -n "${NEXTAUTH_TEST_POSTGRES_URL:-}" ]; then
		SERVICE_NOTE="pg from env"
		return 0
	fi
	local probe=${PGPORT_PROBE:-5432}
	local url="postgres://postgres@127.0.0.1:$probe/postgres?sslmode=disable"
	if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p "$probe" && pg_usable "$url"; then
		export NEXTAUTH_TEST_POSTGRES_URL=$url
		SERVICE_NOTE="pg :$probe"
		return 0
	fi
	echo "no usable PostgreSQL at 127.0.0.1:$probe: starting a throwaway server"
	PG_BIN=$(pg_bin) || true
	if [ -z "$PG_BIN" ] || ! command -v psql >/dev/null; then
		apt_install postgresql || return 1
		PG_BIN=$(pg_bin) || {
			echo "postgresql installed, but no initdb/pg_ctl under /usr/lib/postgresql" >&2
			return 1
		}
	fi
	local port dir
	port=$(free_port 55432) && service_dir || return 1
	dir=$SVCDIR/pg
	mkdir -p "$dir" || return 1
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir" || return 1
	fi
	if ! as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		return 1
	fi
	PG_DATA=$dir/data
	if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/pg.log" -w \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
		cat "$dir/pg.log" >&2
		return 1
	fi
	url="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	if ! pg_usable "$url"; then
		echo "the throwaway PostgreSQL at 127.0.0.1:$port does not accept connections" >&2
		return 1
	fi
	export NEXTAUTH_TEST_POSTGRES_URL=$url
	SERVICE_NOTE="pg throwaway :$port"
	echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') started at 127.0.0.1:$port ($PG_DATA)"
}

# mysql_usable checks that root without a password at 127.0.0.1:$1 may
# create databases (what adapter/mysql's tests do).
mysql_usable() {
	local client
	client=$(command -v mariadb || command -v mysql) || return 1
	"$client" --protocol=tcp -h 127.0.0.1 -P "$1" -u root --connect-timeout=5 -N -B \
		-e 'CREATE DATABASE IF NOT EXISTS nextauth_probe; DROP DATABASE nextauth_probe' >/dev/null 2>&1
}

# provide_mysql sets NEXTAUTH_TEST_MYSQL_URL (see the header), like
# provide_postgres.
provide_mysql() {
	if [ -n "${NEXTAUTH_TEST_MYSQL_URL:-}" ]; then
		SERVICE_NOTE="mysql from env"
		return 0
	fi
	local probe=${MYSQLPORT_PROBE:-3306}
	if mysql_usable "$probe"; then
		export NEXTAUTH_TEST_MYSQL_URL="mysql://root@127.0.0.1:$probe"
		SERVICE_NOTE="mysql :$probe"
		return 0
	fi
	echo "no usable MariaDB at 127.0.0.1:$probe: starting a throwaway server"
	if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ] || ! command -v mariadb-install-db >/dev/null; then
		apt_install mariadb-server mariadb-client || return 1
		# The package starts the system server; the tests use their own.
	fi
	local bin port dir i user=()
	bin=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	port=$(free_port 53306) && service_dir || return 1
	dir=$SVCDIR/mariadb
	mkdir -p "$dir" || return 1
	if [ "$(id -u)" = 0 ]; then
		user=(--user=root)
	fi
	if ! mariadb-install-db --no-defaults --datadir="$dir/data" "${user[@]}" --auth-root-authentication-method=normal \
		--skip-test-db --skip-name-resolve >"$dir/install.log" 2>&1; then
		cat "$dir/install.log" >&2
		return 1
	fi
	"$bin" --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" \
		--pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" --skip-name-resolve \
		--innodb-flush-log-at-trx-commit=2 "${user[@]}" >/dev/null 2>&1 &
	MYSQL_PID=$!
	for ((i = 0; i < 300; i++)); do
		if mysql_usable "$port"; then
			export NEXTAUTH_TEST_MYSQL_URL="mysql://root@127.0.0.1:$port"
			SERVICE_NOTE="mysql throwaway :$port"
			echo "MariaDB $("$bin" --version | awk '{print $3}') started at 127.0.0.1:$port"
			return 0
		fi
		if ! kill -0 "$MYSQL_PID" 2>/dev/null; then
			break
		fi
		sleep 0.2
	done
	cat "$dir/error.log" >&2
	return 1
}

# provide_redis sets NEXTAUTH_TEST_REDIS_URL (see the header), like
# provide_postgres.
provide_redis() {
	if [ -n "${NEXTAUTH_TEST_REDIS_URL:-}" ]; then
		SERVICE_NOTE="redis from env"
		return 0
	fi
	local probe=${REDISPORT_PROBE:-6379}
	if command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p "$probe" ping 2>/dev/null)" = PONG ]; then
		export NEXTAUTH_TEST_REDIS_URL="redis://127.0.0.1:$probe/0"
		SERVICE_NOTE="redis :$probe"
		return 0
	fi
	echo "no Redis answering at 127.0.0.1:$probe: starting a throwaway server"
	if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
		apt_install redis-server || return 1
	fi
	local port dir i
	port=$(free_port 56379) && service_dir || return 1
	dir=$SVCDIR/redis
	mkdir -p "$dir" || return 1
	if ! redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
		--daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"; then
		return 1
	fi
	REDIS_PORT=$port
	for ((i = 0; i < 50; i++)); do
		if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
			export NEXTAUTH_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
			SERVICE_NOTE="redis throwaway :$port"
			echo "Redis $(redis-server --version | awk '{sub(/^v=/, "", $3); print $3}') started at 127.0.0.1:$port"
			return 0
		fi
		sleep 0.1
	done
	cat "$dir/redis.log" >&2
	return 1
}

# stop_services stops the throwaway servers and deletes their directory.
# shellcheck disable=SC2317 # called by cleanup, from the EXIT trap
stop_services() {
	if [ -n "$PG_DATA" ]; then
		as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
		PG_DATA=""
	fi
	if [ -n "$MYSQL_PID" ]; then
		kill "$MYSQL_PID" 2>/dev/null || true
		local j
		for ((j = 0; j < 100; j++)); do
			kill -0 "$MYSQL_PID" 2>/dev/null || break
			sleep 0.1
		done
		MYSQL_PID=""
	fi
	if [ -n "$REDIS_PORT" ]; then
		redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
		local pid i
		pid=$(cat "$SVCDIR/redis/redis.pid" 2>/dev/null || true)
		for ((i = 0; i < 50; i++)); do
			if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
				break
			fi
			sleep 0.1
		done
		REDIS_PORT=""
	fi
	if [ -n "$SVCDIR" ]; then
		rm -rf "$SVCDIR"
		SVCDIR=""
	fi
}

# stage_services provides PostgreSQL, MariaDB and Redis for the tests: a
# missing one fails setup under CI=true and only warns otherwise (its tests
# skip).
stage_services() {
	local start=$SECONDS notes=() status=0
	log "services (PostgreSQL, MariaDB, Redis)"
	SERVICE_NOTE=""
	if provide_postgres; then
		notes+=("$SERVICE_NOTE")
	else
		missing_service PostgreSQL $((SECONDS - start)) || status=1
	fi
	SERVICE_NOTE=""
	if provide_mysql; then
		notes+=("$SERVICE_NOTE")
	else
		missing_service MariaDB $((SECONDS - start)) || status=1
	fi
	SERVICE_NOTE=""
	if provide_redis; then
		notes+=("$SERVICE_NOTE")
	else
		missing_service Redis $((SECONDS - start)) || status=1
	fi
	echo "NEXTAUTH_TEST_POSTGRES_URL=$(redact "${NEXTAUTH_TEST_POSTGRES_URL:-}")"
	echo "NEXTAUTH_TEST_MYSQL_URL=$(redact "${NEXTAUTH_TEST_MYSQL_URL:-}")"
	echo "NEXTAUTH_TEST_REDIS_URL=$(redact "${NEXTAUTH_TEST_REDIS_URL:-}")"
	if [ ${#notes[@]} -gt 0 ]; then
		local joined
		joined=$(printf '%s, ' "${notes[@]}")
		record ok "services: ${joined%, }" $((SECONDS - start))
	fi
	return "$status"
}

# redact prints a service URL without its password.
redact() {
	sed -E -e 's#(://[^:/@]*:)[^@]*@#\1***@#' -e 's#(password=)[^ ]*#\1***#' <<<"$1"
}

# missing_service NAME SECONDS records a service setup could not provide:
# a failure under CI=true, else a warning (its tests skip).
missing_service() {
	if [ "${CI:-}" = true ]; then
		echo "could not provide $1, required under CI=true" >&2
		record FAIL "setup: $1 for the tests" "$2"
		return 1
	fi
	echo "warning: no $1: its tests will skip" >&2
	record WARN "setup: no $1 (its tests skip)" "$2"
}

# stage_nextauth_app installs and builds the pinned NextAuth.js app that
# TestCompareWithNextAuth (compare_test.go) compares our server with
# (scripts/nextauth-app.sh: npm ci and next build only when something
# changed). A failure fails setup under CI=true and only warns otherwise (the
# test then skips, unless it can prepare the app itself).
stage_nextauth_app() {
	local start=$SECONDS
	log "NextAuth.js app for the comparison test (scripts/nextauth-app.sh)"
	if ./scripts/nextauth-app.sh >/dev/null; then
		record ok "setup: NextAuth.js app (npm ci, next build)" $((SECONDS - start))
	elif [ "${CI:-}" = true ]; then
		record FAIL "setup: NextAuth.js app (scripts/nextauth-app.sh)" $((SECONDS - start))
		return 1
	else
		echo "warning: the NextAuth.js app could not be prepared: TestCompareWithNextAuth will skip" >&2
		record WARN "setup: no NextAuth.js app (its comparison skips)" $((SECONDS - start))
	fi
}

# hydra_bin prints where Ory Hydra is built (see the header).
hydra_bin() {
	local key
	key=$(cat authtest/hydra/go.mod authtest/hydra/go.sum authtest/hydra/main.go | sha256sum | cut -c1-16) || return 1
	echo "${XDG_CACHE_HOME:-$HOME/.cache}/nextauth-test/hydra-$key/hydra"
}

# stage_hydra builds Ory Hydra once per pinned version and exports
# NEXTAUTH_TEST_HYDRA (see the header). A failure fails setup under CI=true
# and only warns otherwise (the tests that run Hydra skip).
stage_hydra() {
	local start=$SECONDS bin
	log "Ory Hydra (authtest/hydra)"
	if [ -n "${NEXTAUTH_TEST_HYDRA:-}" ]; then
		echo "NEXTAUTH_TEST_HYDRA=$NEXTAUTH_TEST_HYDRA (from the environment)"
		record ok "setup: Ory Hydra from NEXTAUTH_TEST_HYDRA" $((SECONDS - start))
		return 0
	fi
	if ! bin=$(hydra_bin); then
		missing_hydra "no authtest/hydra module" $((SECONDS - start))
		return
	fi
	if [ -x "$bin" ]; then
		echo "$bin is built"
	else
		if ! command -v gcc >/dev/null && ! apt_install gcc libc6-dev; then
			missing_hydra "no C compiler for cgo" $((SECONDS - start))
			return
		fi
		echo "building Ory Hydra into $bin (a few minutes the first time)"
		mkdir -p "$(dirname "$bin")" || return 1
		if ! (cd authtest/hydra && CGO_ENABLED=1 go build -mod=readonly -buildvcs=false -trimpath -tags sqlite -o "$bin.tmp" .); then
			rm -f "$bin.tmp"
			missing_hydra "go build in authtest/hydra failed" $((SECONDS - start))
			return
		fi
		mv -f "$bin.tmp" "$bin" || return 1
		echo "built in $((SECONDS - start))s"
	fi
	export NEXTAUTH_TEST_HYDRA=$bin
	record ok "setup: Ory Hydra $(sed -n 's#^require github.com/ory/hydra/v2 ##p' authtest/hydra/go.mod)" $((SECONDS - start))
}

# missing_hydra WHY SECONDS records that Ory Hydra could not be built: a
# failure under CI=true, else a warning (its tests skip).
missing_hydra() {
	if [ "${CI:-}" = true ]; then
		echo "could not build Ory Hydra ($1), required under CI=true" >&2
		record FAIL "setup: Ory Hydra ($1)" "$2"
		return 1
	fi
	echo "warning: no Ory Hydra ($1): its tests will skip" >&2
	record WARN "setup: no Ory Hydra (its tests skip)" "$2"
}

# stage_setup runs in a "||" list, where bash ignores set -e: every step
# checks its own status.
stage_setup() {
	local start=$SECONDS
	log "setup"
	if ! command -v go >/dev/null; then
		echo "go not found: install Go 1.26 (https://go.dev/dl) into /usr/local/go" >&2
		record FAIL "setup: go toolchain" $((SECONDS - start))
		return 1
	fi
	local missing=()
	command -v node >/dev/null || missing+=(nodejs)
	command -v npm >/dev/null || missing+=(npm)
	have_chromium || missing+=(chromium)
	# forward_proxy_test.go runs them as plain processes on loopback ports;
	# a system service the package may start is not used.
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
	command -v caddy >/dev/null || missing+=(caddy)
	if [ ${#missing[@]} -gt 0 ]; then
		if ! apt_install "${missing[@]}"; then
			record FAIL "setup: apt-get install ${missing[*]}" $((SECONDS - start))
			return 1
		fi
	fi
	echo "go $(go env GOVERSION), node $(node --version), npm $(npm --version)"

	local fixture stamp
	for fixture in "$FIXTURE" "$SQLLAYOUT_FIXTURE"; do
		stamp=$fixture/node_modules/.package-lock.json
		if [ ! -f "$stamp" ] || [ "$fixture/package-lock.json" -nt "$stamp" ] || [ "$fixture/package.json" -nt "$stamp" ]; then
			echo "npm ci --prefix $fixture"
			if ! npm ci --prefix "$fixture" --no-audit --no-fund --loglevel=error; then
				record FAIL "setup: npm ci --prefix $fixture" $((SECONDS - start))
				return 1
			fi
		else
			echo "$fixture/node_modules is up to date"
		fi
	done
	if ! (cd "$FIXTURE" && node build-client.mjs); then
		record FAIL "setup: client bundle (node build-client.mjs)" $((SECONDS - start))
		return 1
	fi
	record ok "setup (packages, npm fixture, client bundle)" $((SECONDS - start))
	stage_nextauth_app || return 1
	stage_hydra || return 1
	stage_services
}

stage_lint() {
	local start=$SECONDS
	log "gofmt -l"
	local files unformatted
	files=$(find . -name '*.go' -not -path './.git/*' -not -path "./$FIXTURE/node_modules/*" -not -path "./$SQLLAYOUT_FIXTURE/node_modules/*" -not -path './tmp/*')
	# shellcheck disable=SC2086 # one word per file; Go file names have no spaces
	unformatted=$(gofmt -l $files)
	if [ -n "$unformatted" ]; then
		echo "not gofmt'ed (run gofmt -w):"
		echo "$unformatted"
		record FAIL "gofmt -l" $((SECONDS - start))
	else
		record ok "gofmt -l" $((SECONDS - start))
	fi

	start=$SECONDS
	log "go vet ./..."
	if go vet ./...; then
		record ok "go vet ./..." $((SECONDS - start))
	else
		record FAIL "go vet ./..." $((SECONDS - start))
	fi
}

stage_test() {
	local start=$SECONDS status=0
	log "go test -race -count=1 -timeout $TEST_TIMEOUT ./..."
	local out=$LOGDIR/test.log
	# -v for the counts; the noise of passing tests is filtered from the screen
	# (the full log is only kept until exit).
	# shellcheck disable=SC2086 # GOTESTFLAGS is a list of flags
	go test -race -count=1 -timeout "$TEST_TIMEOUT" -v ${GOTESTFLAGS:-} ./... >"$out" 2>&1 || status=$?
	grep -v -E '^(=== (RUN|PAUSE|CONT|NAME) |[[:space:]]*--- PASS: |PASS$)' "$out" || true
	local passed failed skipped
	passed=$(grep -c -E '^[[:space:]]*--- PASS: ' "$out" || true)
	failed=$(grep -c -E '^[[:space:]]*--- FAIL: ' "$out" || true)
	skipped=$(grep -c -E '^[[:space:]]*--- SKIP: ' "$out" || true)
	TESTS_LINE="tests: $passed passed, $failed failed, $skipped skipped"
	if [ "$status" -ne 0 ]; then
		record FAIL "go test -race ./... ($passed passed, $failed failed)" $((SECONDS - start))
	elif [ "$passed" -eq 0 ]; then
		echo "go test ran no test" >&2
		record FAIL "go test -race ./... (no test ran)" $((SECONDS - start))
	else
		record ok "go test -race ./... ($passed passed, $skipped skipped)" $((SECONDS - start))
	fi
	# Allocation budgets are counted without the race detector, which adds
	# allocations of its own.
	start=$SECONDS
	log "allocation budgets (go test -run Allocations, no -race)"
	if go test -count=1 -run 'Allocations' ./...; then
		record ok "allocation budgets" $((SECONDS - start))
	else
		record FAIL "allocation budgets" $((SECONDS - start))
	fi
	start=$SECONDS && log "soak and faults (bench/soak.sh: two instances under load, then PostgreSQL, MariaDB, Redis, OIDC and SMTP failing)" && if SOAK_DURATION=${SOAK_DURATION:-60s} SOAK_FAULT_PHASE=${SOAK_FAULT_PHASE:-3s} ./bench/soak.sh >"$LOGDIR/soak.log" 2>&1; then grep -E '\*\*[0-9]+ requests|service resumed' "$LOGDIR/soak.log" | sed 's/^ *//' || true; record ok "soak ${SOAK_DURATION:-60s} + faults (bench/soak.sh)" $((SECONDS - start)); else tail -n 100 "$LOGDIR/soak.log"; record FAIL "soak ${SOAK_DURATION:-60s} + faults (bench/soak.sh)" $((SECONDS - start)); fi
}

stage_fuzz() {
	local start=$SECONDS
	log "fuzz targets, $FUZZTIME each"
	local list=$LOGDIR/fuzz.list status=0
	go test -list '^Fuzz' ./... >"$list" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		# Fuzz what builds; the packages that do not are reported here.
		grep -v -E '^(Fuzz|ok )' "$list" || true
		record FAIL "fuzz: listing targets (build failures above)" $((SECONDS - start))
	fi
	# go test -list prints a package's names, then its "ok <pkg>" line.
	local targets=() names=() line pkg
	while IFS= read -r line; do
		case $line in
		Fuzz*) names+=("$line") ;;
		ok*)
			pkg=$(awk '{print $2}' <<<"$line")
			for n in "${names[@]}"; do targets+=("$pkg $n"); done
			names=()
			;;
		esac
	done <"$list"
	if [ ${#targets[@]} -eq 0 ]; then
		echo "no Fuzz targets in the module"
		record ok "fuzz: no targets" $((SECONDS - start))
		return 0
	fi
	local t name ok=0 bad=0
	for t in "${targets[@]}"; do
		pkg=${t% *}
		name=${t#* }
		local s=$SECONDS
		echo "--- $pkg $name"
		if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "${FUZZMINIMIZETIME:-5s}" "$pkg"; then
			ok=$((ok + 1))
			record ok "fuzz ${pkg#github.com/nextauth-go/}.$name" $((SECONDS - s))
		else
			bad=$((bad + 1))
			record FAIL "fuzz ${pkg#github.com/nextauth-go/}.$name" $((SECONDS - s))
		fi
	done
	echo "fuzz: $ok targets clean, $bad failed (new failing inputs are saved under testdata/fuzz/)"
}

stages=("$@")
if [ ${#stages[@]} -eq 0 ]; then
	stages=(setup lint test fuzz)
fi
for st in "${stages[@]}"; do
	case $st in
	setup) stage_setup || { FAILED=1; break; } ;; # the other stages need it
	lint) stage_lint ;;
	test) stage_test ;;
	fuzz) stage_fuzz ;;
	*)
		echo "unknown stage $st (want setup, lint, test or fuzz)" >&2
		exit 2
		;;
	esac
done

log "summary ($ROOT)"
printf '%s\n' "${SUMMARY[@]}"
if [ "$FAILED" -ne 0 ]; then
	echo "result: FAILED"
else
	echo "result: all stages passed"
fi
# Last line: the test counts, "tests: N passed, N failed, N skipped".
if [ -n "$TESTS_LINE" ]; then
	echo "$TESTS_LINE"
fi
exit "$FAILED"
