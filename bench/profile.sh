#!/usr/bin/env bash
# Profile of the binary (bench/README.md, "Profile of the binary"): our server under wrk beside the
# empty handler, and where its CPU goes.
#
# It builds our server and bench/empty, starts, each on a free port of 127.0.0.1:
#   empty       bench/empty: the ceiling of bench/run.sh (no server limits)
#   timeouts    bench/empty -timeouts: the same with cmd/nextauth's server limits
#   replay      bench/empty -timeouts -replay: per route, our server's own answer (saved once with
#               curl -si), written by a handler that does nothing else
#   floor       bench/empty -timeouts -replay -work: the same answer plus only the work NextAuth's
#               answer cannot skip (bench/empty/floor.go): decrypt and re-encrypt the session token
#               and mint a CSRF token (session_jwt), mint a CSRF token (session_none, csrf); none
#               for providers and signin
#   ours        our server with bench/nextauth.yaml (JWT sessions, log level warn) and
#               --pprof-addr on another loopback port
# signs in as bench/run.sh does, then for each round and route runs wrk (bench/run.sh's settings)
# against each server in turn (the order rotates), reading the server's CPU time from
# /proc/PID/stat and wrk's from the shell's `times` before and after. Then one CPU profile of ours
# per route (PROFILE_SECONDS under wrk) and, at the end, its allocation profile.
#
# Usage: ./bench/profile.sh [ROUTE...]   routes: session_jwt session_none csrf providers signin
#                                       (default: the first four)
#   PROFILE_ROUNDS=5        rounds
#   PROFILE_DURATION=3s     wrk -d of each measured run
#   PROFILE_SECONDS=8       length of each CPU profile
#   BENCH_SERVER_BIN        profile this nextauth binary instead of building ./cmd/nextauth
#
# Output in bench/.out/profile/: table.txt (medians: CPU µs per request of the server and of wrk,
# req/s, ÷ the empty handler's, p99 ÷ the empty handler's), ROUTE.cpu.pb.gz and ROUTE.top.txt
# (go tool pprof -top), allocs.pb.gz and allocs.top.txt, raw.txt (every run). The machine is
# shared: compare the servers within a run, and prefer more rounds when it is busy.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
OUT="$HERE/.out/profile"
ROUNDS="${PROFILE_ROUNDS:-5}"
DURATION="${PROFILE_DURATION:-3s}"
SECONDS_PROF="${PROFILE_SECONDS:-8}"
SECRET="nextauth-go-bench-secret-do-not-use-in-production"
ROUTES=("$@")
[ ${#ROUTES[@]} -gt 0 ] || ROUTES=(session_jwt session_none csrf providers)

log() { printf '[profile %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
for r in "${ROUTES[@]}"; do
  [[ " session_jwt session_none csrf providers signin " == *" $r "* ]] || die "unknown route $r"
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "PROFILE_ROUNDS=$ROUNDS: want a whole number ≥ 1"
[[ "$DURATION" =~ ^[1-9][0-9]*s$ ]] || die "PROFILE_DURATION=$DURATION: want e.g. 3s"
[[ "$SECONDS_PROF" =~ ^[1-9][0-9]*$ ]] || die "PROFILE_SECONDS=$SECONDS_PROF: want a whole number of seconds"
for c in go curl wrk awk; do command -v "$c" >/dev/null || die "$c not found"; done

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

rm -rf "$OUT" && mkdir -p "$OUT/logs"
log "building"
if [ -n "${BENCH_SERVER_BIN:-}" ]; then
  cp "$BENCH_SERVER_BIN" "$OUT/nextauth"
else
  (cd "$ROOT" && go build -o "$OUT/nextauth" ./cmd/nextauth)
fi
(cd "$ROOT" && go build -o "$OUT/empty" ./bench/empty && go build -o "$OUT/tool" ./bench/tool)
mapfile -t PORTS < <("$OUT/tool" freeport $((3 + 2 * ${#ROUTES[@]} + 1)))

declare -A PID=() URL=() COOKIE=() SERVERS_OF=()
start() { # start NAME PORT COMMAND...
  local name="$1" port="$2"; shift 2
  "$@" >"$OUT/logs/$name.log" 2>&1 </dev/null &
  PID[$name]=$! && PIDS+=($!)
  for _ in $(seq 1 300); do
    # any answer: it listens (a floor server answers a request without the route's cookie with 400)
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" 2>/dev/null | grep -qv '^000$' && return 0
    kill -0 "${PID[$name]}" 2>/dev/null || { tail "$OUT/logs/$name.log" >&2; die "$name did not start"; }
    sleep 0.1
  done
  die "$name did not answer"
}
P_EMPTY=${PORTS[0]} P_TIMEOUTS=${PORTS[1]} P_OURS=${PORTS[2]} P_PPROF=${PORTS[-1]}
BASE="http://127.0.0.1:$P_OURS/api/auth"
start empty "$P_EMPTY" "$OUT/empty" -addr "127.0.0.1:$P_EMPTY"
start timeouts "$P_TIMEOUTS" "$OUT/empty" -timeouts -addr "127.0.0.1:$P_TIMEOUTS"
start ours "$P_OURS" env -u NEXTAUTH_SECRET_PREVIOUS -u AUTH_SECRET NEXTAUTH_URL="$BASE" NEXTAUTH_SECRET="$SECRET" \
  "$OUT/nextauth" --config "$HERE/nextauth.yaml" --addr "127.0.0.1:$P_OURS" --pprof-addr "127.0.0.1:$P_PPROF"

# Sign in as bench/run.sh does; keep a CSRF cookie and token for the sign-in route.
jar="$OUT/jar"
token="$(curl -fsS -c "$jar" -b "$jar" "$BASE/csrf" | sed -n 's/.*"csrfToken":"\([^"]*\)".*/\1/p')"
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrfToken=$token" --data-urlencode username=alice \
  --data-urlencode password=wonderland --data-urlencode json=true "$BASE/callback/credentials"
SESSION="$(awk -F'\t' '$6 ~ /^next-auth\.session-token(\.[0-9]+)?$/ { printf "%s%s=%s", sep, $6, $7; sep = "; " }' "$jar")"
CSRF_COOKIE="$(awk -F'\t' '$6 == "next-auth.csrf-token" { print $6 "=" $7 }' "$jar")"
[ -n "$SESSION" ] && [ -n "$CSRF_COOKIE" ] || die "sign-in set no session or CSRF cookie"
SIGNIN_BODY="csrfToken=$token&username=alice&password=wonderland&json=true"

i=3
for r in "${ROUTES[@]}"; do
  case "$r" in
    session_jwt) URL[$r]="$BASE/session" COOKIE[$r]="$SESSION" ;;
    session_none) URL[$r]="$BASE/session" COOKIE[$r]="" ;;
    csrf) URL[$r]="$BASE/csrf" COOKIE[$r]="" ;;
    providers) URL[$r]="$BASE/providers" COOKIE[$r]="" ;;
    signin) URL[$r]="$BASE/callback/credentials" COOKIE[$r]="$CSRF_COOKIE" ;;
  esac
  args=(-si ${COOKIE[$r]:+-H "Cookie: ${COOKIE[$r]}"})
  [ "$r" != signin ] || args+=(--data "$SIGNIN_BODY")
  curl "${args[@]}" "${URL[$r]}" >"$OUT/resp.$r.txt"
  start "replay_$r" "${PORTS[$i]}" "$OUT/empty" -timeouts -replay "$OUT/resp.$r.txt" -addr "127.0.0.1:${PORTS[$i]}"
  URL[replay_$r]="http://127.0.0.1:${PORTS[$i]}/"
  i=$((i + 1))
  SERVERS_OF[$r]="empty timeouts replay ours"
  case "$r" in
    session_jwt) work=session_jwt ;;
    session_none | csrf) work=csrf ;;
    *) continue ;;
  esac
  # GOGC=200: our binary's default (cmd/nextauth/main.go), so that the floor collects no more often
  start "floor_$r" "${PORTS[$i]}" env NEXTAUTH_SECRET="$SECRET" GOGC=200 "$OUT/empty" -timeouts -replay "$OUT/resp.$r.txt" -work "$work" -addr "127.0.0.1:${PORTS[$i]}"
  URL[floor_$r]="http://127.0.0.1:${PORTS[$i]}/"
  i=$((i + 1))
  SERVERS_OF[$r]="empty timeouts replay floor ours"
  # the floor answers like ours: 200 with a new session token or CSRF cookie
  curl -fsS -o /dev/null -D "$OUT/floor.$r.head" ${COOKIE[$r]:+-H "Cookie: ${COOKIE[$r]}"} "${URL[floor_$r]}" ||
    die "floor_$r did not answer 200"
  grep -qi "^Set-Cookie: next-auth.csrf-token=" "$OUT/floor.$r.head" || die "floor_$r set no CSRF cookie"
done
URL[empty]="http://127.0.0.1:$P_EMPTY/" URL[timeouts]="http://127.0.0.1:$P_TIMEOUTS/"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# child_secs FILE: the children's CPU seconds in the output of `times` (its second line).
child_secs() { awk 'NR == 2 { gsub(/s/, ""); split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"; }
TICK="$(getconf CLK_TCK)"

# load ROUTE SERVER DURATION: one wrk run; prints "rps p99_us server_us_per_req wrk_us_per_req".
load() {
  local route="$1" server="$2" dur="$3" url pid c0 c1 w0 w1 out
  local -a hdr=()
  case "$server" in
    ours) url="${URL[$route]}" pid="${PID[ours]}" ;;
    replay | floor) url="${URL[${server}_$route]}" pid="${PID[${server}_$route]}" ;;
    *) url="${URL[$server]}" pid="${PID[$server]}" ;;
  esac
  # The request is the route's, cookie included, whichever server gets it.
  [ -z "${COOKIE[$route]}" ] || hdr=(-H "Cookie: ${COOKIE[$route]}")
  # `times` (a builtin, no subshell) counts wrk once it has been waited for.
  times >"$OUT/.times0"
  c0="$(cpu_ticks "$pid")"
  if [ "$route" = signin ]; then
    out="$(BENCH_METHOD=POST BENCH_BODY="$SIGNIN_BODY" wrk -t2 -c32 -d"$dur" --latency --timeout 5s -s "$HERE/wrk/report.lua" "${hdr[@]}" "$url")"
  else
    out="$(wrk -t2 -c32 -d"$dur" --latency --timeout 5s -s "$HERE/wrk/report.lua" "${hdr[@]}" "$url")"
  fi
  c1="$(cpu_ticks "$pid")"
  times >"$OUT/.times1"
  w0="$(child_secs "$OUT/.times0")" w1="$(child_secs "$OUT/.times1")"
  echo "$out" | sed -n 's/^BENCH_JSON //p' | awk -v c="$((c1 - c0))" -v t="$TICK" -v w="$(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }')" '{
    match($0, /"requests":[0-9]+/); n = substr($0, RSTART + 11, RLENGTH - 11)
    match($0, /"rps":[0-9.]+/); rps = substr($0, RSTART + 6, RLENGTH - 6)
    match($0, /"p99_us":[0-9.]+/); p99 = substr($0, RSTART + 9, RLENGTH - 9)
    printf "%.0f %.0f %.2f %.2f\n", rps, p99, c / t * 1e6 / n, w * 1e6 / n }'
}

log "warming up"
for r in "${ROUTES[@]}"; do for s in ${SERVERS_OF[$r]}; do load "$r" "$s" 1s >/dev/null; done; done
: >"$OUT/raw.txt"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round of $ROUNDS"
  for r in "${ROUTES[@]}"; do
    read -r -a servers <<<"${SERVERS_OF[$r]}"
    k=$(((round - 1) % ${#servers[@]}))
    order=("${servers[@]:$k}" "${servers[@]:0:$k}")
    for s in "${order[@]}"; do echo "$round $r $s $(load "$r" "$s" "$DURATION")" >>"$OUT/raw.txt"; done
  done
done

# Medians per route and server; ratios to the empty handler of the same round, then their median.
awk '
  { k = $2 " " $3; n[k]++; rps[k, n[k]] = $4; p99[k, n[k]] = $5; srv[k, n[k]] = $6; wrk[k, n[k]] = $7
    if ($3 == "empty") { erps[$1, $2] = $4; ep99[$1, $2] = $5 } round[k, n[k]] = $1 }
  function med(a, k, m,   i, j, t, v) { for (i = 1; i <= m; i++) v[i] = a[k, i]
    for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j > 0 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2 }
  END {
    printf "%-13s %-9s %10s %10s %9s %7s %8s %9s\n", "route", "server", "server µs", "wrk µs", "req/s", "÷empty", "p99 ms", "p99÷empty"
    split("empty timeouts replay floor ours", order, " ")
    for (k in n) { split(k, p, " "); routes[p[1]] = 1 }
    for (r in routes) for (o = 1; o <= 5; o++) { k = r " " order[o]; m = n[k]; if (!m) continue
      for (i = 1; i <= m; i++) { rr[k, i] = rps[k, i] / erps[round[k, i], r]; pr[k, i] = p99[k, i] / ep99[round[k, i], r] }
      printf "%-13s %-9s %10.2f %10.2f %9.0f %7.2f %8.2f %9.2f\n", r, order[o], med(srv, k, m), med(wrk, k, m), med(rps, k, m), med(rr, k, m), med(p99, k, m) / 1000, med(pr, k, m) }
  }' "$OUT/raw.txt" | { read -r head; echo "$head"; sort -s -k1,1; } | tee "$OUT/table.txt"

log "CPU profiles (${SECONDS_PROF}s each)"
for r in "${ROUTES[@]}"; do
  curl -fsS -o "$OUT/$r.cpu.pb.gz" "http://127.0.0.1:$P_PPROF/debug/pprof/profile?seconds=$SECONDS_PROF" &
  prof=$!
  echo "$r $(load "$r" ours "$((SECONDS_PROF + 2))s")" >"$OUT/$r.profiled-run.txt"
  wait "$prof"
  go tool pprof -top -nodecount 40 "$OUT/nextauth" "$OUT/$r.cpu.pb.gz" >"$OUT/$r.top.txt" 2>/dev/null
done
curl -fsS -o "$OUT/allocs.pb.gz" "http://127.0.0.1:$P_PPROF/debug/pprof/allocs"
go tool pprof -sample_index=alloc_space -top -nodecount 30 "$OUT/nextauth" "$OUT/allocs.pb.gz" >"$OUT/allocs.top.txt" 2>/dev/null
log "done: $OUT/table.txt, ROUTE.top.txt, allocs.top.txt"
