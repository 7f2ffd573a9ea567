#!/usr/bin/env bash
# Installs and builds the pinned NextAuth.js app (bench/nextauth-app: next-auth 4.24.15 in
# Next.js 14, pinned by its lock file) for the request-by-request comparison test
# (compare_test.go), in a directory of its own:
#
#   ./scripts/nextauth-app.sh [DIR]
#
# DIR defaults to $NEXTAUTH_COMPARE_APP_DIR, else bench/.out/compare-app (git-ignored; not
# the benchmark's bench/.out/nextauth-app, so the two never race). The sources are copied
# there; `npm ci` runs only when the lock file (or Node's version) changed, `next build` only
# when a source changed, so a second run takes a second. Concurrent runs wait for each other.
# scripts/test.sh's setup stage runs it; the test runs it again (a no-op then) and starts
# `next start` from DIR itself.
#
# Exit status: 0 ready (DIR is the last line of output), 2 node or npm missing, 3 npm ci
# failed (e.g. no registry), 4 next build failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/bench/nextauth-app"
DIR="${1:-${NEXTAUTH_COMPARE_APP_DIR:-$ROOT/bench/.out/compare-app}}"

log() { printf '[nextauth-app %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for cmd in node npm flock sha256sum; do
	if ! command -v "$cmd" >/dev/null; then
		log "$cmd not found (Debian: apt-get install nodejs npm coreutils util-linux)"
		exit 2
	fi
done

mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
exec 9>"$DIR/.lock"
flock 9

# The files the app is made of: everything in bench/nextauth-app but node_modules and .next.
cp "$SRC/package.json" "$SRC/package-lock.json" "$SRC/.npmrc" "$SRC/next.config.js" "$SRC/compare.js" "$DIR/"
rm -rf "$DIR/pages" && cp -R "$SRC/pages" "$DIR/pages"

start=$SECONDS
lock_sum="$(cat "$DIR/package-lock.json" "$DIR/.npmrc" | sha256sum | cut -d' ' -f1)-node$(node --version)"
if [ -d "$DIR/node_modules" ] && [ "$(cat "$DIR/node_modules/.compare-lock" 2>/dev/null)" = "$lock_sum" ]; then
	log "node_modules up to date"
else
	log "npm ci in $DIR"
	if ! (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error >&2); then
		log "npm ci failed in $DIR"
		exit 3
	fi
	echo "$lock_sum" >"$DIR/node_modules/.compare-lock"
	log "npm ci took $((SECONDS - start)) s"
fi

start=$SECONDS
build_sum="$(cd "$DIR" && find package.json package-lock.json next.config.js compare.js pages -type f -print0 |
	sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)-$lock_sum"
if [ -f "$DIR/.next/BUILD_ID" ] && [ "$(cat "$DIR/.next/.compare-build" 2>/dev/null)" = "$build_sum" ]; then
	log "build up to date"
else
	log "next build in $DIR"
	if ! (cd "$DIR" && NEXT_TELEMETRY_DISABLED=1 node node_modules/next/dist/bin/next build >&2); then
		log "next build failed in $DIR"
		exit 4
	fi
	echo "$build_sum" >"$DIR/.next/.compare-build"
	log "next build took $((SECONDS - start)) s"
fi
echo "$DIR"
