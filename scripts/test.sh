#!/usr/bin/env bash
# The project's one test command. Run from anywhere:
#
#   ./scripts/test.sh            # everything: setup, lint, test, fuzz
#   ./scripts/test.sh lint fuzz  # only some stages, in the order given
#
# Stages:
#   setup  install what is missing (Debian packages nodejs npm chromium, as root
#          or through sudo; apt-get update only when something must be
#          installed), `npm ci --prefix testdata/node` when node_modules is
#          missing or older than the lock file, and the browser bundle of
#          next-auth/react (testdata/node/dist/)
#   lint   gofmt -l (fails if it lists a file), go vet ./...
#   test   go test -race -count=1 -timeout 20m ./...
#   fuzz   every Fuzz* target of the module, one at a time, for $FUZZTIME each
#
# Environment: FUZZTIME (default 5s), TEST_TIMEOUT (default 20m),
# GOTESTFLAGS (extra flags for go test in the test stage, e.g. "-run Foo").
# Idempotent: a second run installs nothing. Exits non-zero if any stage fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
FIXTURE=testdata/node
FUZZTIME=${FUZZTIME:-5s}
TEST_TIMEOUT=${TEST_TIMEOUT:-20m}
LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/nextauth-test.XXXXXX")
trap 'rm -rf "$LOGDIR"' EXIT

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
	if [ ${#missing[@]} -gt 0 ]; then
		echo "installing Debian packages: ${missing[*]}"
		if ! as_root apt-get update -qq ||
			! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
			record FAIL "setup: apt-get install ${missing[*]}" $((SECONDS - start))
			return 1
		fi
	fi
	echo "go $(go env GOVERSION), node $(node --version), npm $(npm --version)"

	local stamp=$FIXTURE/node_modules/.package-lock.json
	if [ ! -f "$stamp" ] || [ "$FIXTURE/package-lock.json" -nt "$stamp" ] || [ "$FIXTURE/package.json" -nt "$stamp" ]; then
		echo "npm ci --prefix $FIXTURE"
		if ! npm ci --prefix "$FIXTURE" --no-audit --no-fund --loglevel=error; then
			record FAIL "setup: npm ci --prefix $FIXTURE" $((SECONDS - start))
			return 1
		fi
	else
		echo "$FIXTURE/node_modules is up to date"
	fi
	if ! (cd "$FIXTURE" && node build-client.mjs); then
		record FAIL "setup: client bundle (node build-client.mjs)" $((SECONDS - start))
		return 1
	fi
	record ok "setup (packages, npm fixture, client bundle)" $((SECONDS - start))
}

stage_lint() {
	local start=$SECONDS
	log "gofmt -l"
	local files unformatted
	files=$(find . -name '*.go' -not -path './.git/*' -not -path "./$FIXTURE/node_modules/*" -not -path './tmp/*')
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
		if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"; then
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
