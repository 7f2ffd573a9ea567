#!/usr/bin/env bash
# Load, soak and fault tests of the nextauth binary (bench/soak/): two
# instances on loopback ports sharing a database and a secret, many
# concurrent clients signing in (credentials, e-mail, OIDC), reading and
# updating sessions and signing out, each checking it always sees its own
# user; then the same with PostgreSQL, MariaDB, Redis, the OpenID Provider
# and SMTP failing under load. See bench/soak/RESULTS.md for a run's figures.
#
#   ./bench/soak.sh                          # TestSoak (60 s) and every TestFaults*
#   SOAK_DURATION=30m ./bench/soak.sh        # a real soak
#   SOAK_RUN=TestFaultsRedis ./bench/soak.sh # one test
#   SOAK_WRITE_RESULTS=1 SOAK_RACE=0 ./bench/soak.sh   # rewrite bench/soak/RESULTS.md
#
# Environment:
#   SOAK_DURATION        TestSoak's load (Go duration; default 60s)
#   SOAK_CLIENTS         TestSoak's concurrent clients (default 32)
#   SOAK_FAULT_PHASE     each phase of a fault test (default 5s)
#   SOAK_FAULT_CLIENTS   a fault test's clients (default 16)
#   SOAK_RUN             the tests to run (go test -run; default 'TestSoak|TestFaults')
#   SOAK_RACE            1 (default): tests and server with the race detector, which
#                        then also hunts data races in the server under load;
#                        0: without, for representative memory and throughput
#   SOAK_SEED            the clients' random seed (logged by every run)
#   SOAK_WRITE_RESULTS=1 write bench/soak/RESULTS.md when every test passes
#   NEXTAUTH_TEST_POSTGRES_URL  PostgreSQL where the tests create their databases
#                        (default: the server on 127.0.0.1:5432 if it answers);
#                        TestFaultsPostgres, TestFaultsMySQL and TestFaultsRedis
#                        start throwaway servers of their own (Debian's
#                        postgresql, mariadb-server, redis-server)
#   CI=true              a missing service fails the tests instead of skipping them
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
	PATH=/usr/local/go/bin:$PATH
fi

export SOAK=1
export SOAK_DURATION=${SOAK_DURATION:-60s}
RUN=${SOAK_RUN:-TestSoak|TestFaults}

if [ -z "${NEXTAUTH_TEST_POSTGRES_URL:-}" ] && command -v pg_isready >/dev/null &&
	pg_isready -q -h 127.0.0.1 -p 5432; then
	export NEXTAUTH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
fi

# seconds prints a Go duration of whole units (90s, 30m, 1h30m) in seconds.
seconds() {
	local d=$1 total=0 n unit
	while [[ $d =~ ^([0-9]+)(h|m|s)(.*)$ ]]; do
		n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]} d=${BASH_REMATCH[3]}
		case $unit in
		h) total=$((total + n * 3600)) ;;
		m) total=$((total + n * 60)) ;;
		s) total=$((total + n)) ;;
		esac
	done
	if [ -n "$d" ]; then
		echo "SOAK_DURATION=$SOAK_DURATION: want whole hours, minutes or seconds such as 90s, 30m or 1h30m" >&2
		return 1
	fi
	echo "$total"
}
soak=$(seconds "$SOAK_DURATION")
# The soak, plus room for the builds and the fault tests.
timeout="$((soak + 900))s"

race=-race
if [ "${SOAK_RACE:-1}" = 0 ]; then
	race=""
fi

echo "bench/soak.sh: go test $race -run '$RUN' (SOAK_DURATION=$SOAK_DURATION, timeout $timeout)"
# shellcheck disable=SC2086 # $race is empty or one flag
exec go test $race -count=1 -v -timeout "$timeout" -run "$RUN" ./bench/soak
