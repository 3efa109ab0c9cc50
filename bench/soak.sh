#!/usr/bin/env bash
# Switchboard soak: mixed traffic against the gateway over the nginx stub of two Trino clusters (the same stub as
# bench/run.sh) for a while, sampling the gateway's resident memory (RSS) and open file descriptors every interval.
# Both must stay flat: a leak of buffers, connections or file descriptors shows as a rising column.
#
#   bench/soak.sh                 30 minutes, a sample every minute (the soak the README reports)
#   bench/soak.sh 2               2 minutes, to try it
#   bench/soak.sh 5 --interval 20 5 minutes, a sample every 20 s
#
# Mixed traffic, all at once for the whole run, each with few connections (the machine is shared):
#   submissions (POST /v1/statement), follow-up polls (GET of a rewritten nextUri), connection churn (a new
#   connection per request), and bad input (unknown paths, forged routing tokens, malformed HTTP, oversize headers,
#   clients that hang up half-way).
# Only talks to 127.0.0.1. Everything it starts is stopped on exit. Exits 1 when RSS or file descriptors grew.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

MINUTES=30
INTERVAL=60
JAR="${SWITCHBOARD_JAR:-$REPO_DIR/gateway-server/target/switchboard.jar}"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:--Xms128m -Xmx128m -XX:+UseParallelGC}"
# after the warm-up (JIT, pools filling), RSS may grow this much and file descriptors this many before it is a leak
RSS_TOLERANCE_PCT="${RSS_TOLERANCE_PCT:-15}"
FD_TOLERANCE="${FD_TOLERANCE:-32}"

usage() {
  cat <<EOF
usage: bench/soak.sh [MINUTES] [--interval SECONDS] [--jar PATH]
  MINUTES             how long to run (default $MINUTES)
  --interval SECONDS  seconds between samples (default $INTERVAL)
  --jar PATH          gateway jar (default gateway-server/target/switchboard.jar, env SWITCHBOARD_JAR)
env: GATEWAY_JAVA_OPTS (default "$GATEWAY_JAVA_OPTS"), RSS_TOLERANCE_PCT ($RSS_TOLERANCE_PCT), FD_TOLERANCE ($FD_TOLERANCE)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --interval) INTERVAL="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    [0-9]*) MINUTES="$1" ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
DURATION=$(( MINUTES * 60 ))
[ "$DURATION" -ge "$INTERVAL" ] || { echo "the run ($MINUTES min) must last at least one interval ($INTERVAL s)" >&2; exit 2; }

log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[soak] ERROR: %s\n' "$*" >&2; exit 1; }

for tool in nginx wrk curl java; do
  command -v "$tool" >/dev/null 2>&1 || [ "$tool" = nginx -a -x /usr/sbin/nginx ] || die "$tool is missing (bench/run.sh installs nginx, wrk and curl as root)"
done
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
[ -f "$JAR" ] || die "gateway jar not found: $JAR (mvn -B -DskipTests package)"

WORK="$(mktemp -d /tmp/switchboard-soak.XXXXXX)"
chmod 755 "$WORK"
STUB_PID=""; GW_PID=""; LOAD_PIDS=()

stop_pid() {
  local pid="$1" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${LOAD_PIDS[@]}"; do stop_pid "$pid"; done
  stop_pid "$GW_PID"
  stop_pid "$STUB_PID"
  if [ "$rc" -eq 0 ]; then
    rm -rf "$WORK"
  else
    log "work dir kept: $WORK (gateway log, wrk output, samples.tsv)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
    if port_free "$p"; then printf -v "$1" '%s' "$p"; return 0; fi
  done
  die "no free port found"
}
pick_port PORT_A
pick_port PORT_B
[ "$PORT_A" != "$PORT_B" ] || pick_port PORT_B

# ---------------------------------------------------------------- the stub: two clusters, as in bench/run.sh
QUERY_ID="20261126_101530_00042_abcde"
json_body() {
  sed 's/^[[:space:]]*//' "$BENCH_DIR/stub/$1" | tr -d '\n' | sed "s/@PORT@/$2/g; s/@QUERY_ID@/$QUERY_ID/g"
}
stub_server() {
  cat <<EOF
  server {
    listen 127.0.0.1:$1 backlog=4096;
    location = /v1/statement { return 200 '$(json_body submit.json "$1")'; }
    location ~ ^/v1/statement/(queued|executing)/ {
      if (\$request_method = DELETE) { return 204; }
      return 200 '$(json_body poll.json "$1")';
    }
    location = /v1/info { return 200 '$(json_body info.json "$1")'; }
    location / { return 404 '{"error":"not found"}'; }
  }
EOF
}
mkdir -p "$WORK/stub/tmp"
{
  cat <<EOF
worker_processes 1;
pid $WORK/stub/nginx.pid;
error_log $WORK/stub/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/stub/tmp/body;
  proxy_temp_path $WORK/stub/tmp/proxy;
  fastcgi_temp_path $WORK/stub/tmp/fastcgi;
  uwsgi_temp_path $WORK/stub/tmp/uwsgi;
  scgi_temp_path $WORK/stub/tmp/scgi;
  keepalive_requests 10000000;
  default_type application/json;
EOF
  stub_server "$PORT_A"
  stub_server "$PORT_B"
  echo "}"
} >"$WORK/stub/nginx.conf"
"$NGINX_BIN" -p "$WORK/stub" -e "$WORK/stub/error.log" -c "$WORK/stub/nginx.conf" -g 'daemon off;' >"$WORK/stub/stdout.log" 2>&1 &
STUB_PID=$!
for i in $(seq 1 100); do port_free "$PORT_A" || break; sleep 0.05; done
log "stub clusters on 127.0.0.1:$PORT_A and :$PORT_B"

# ---------------------------------------------------------------- the gateway
ADMIN_TOKEN="soak-admin-token-$RANDOM$RANDOM$RANDOM"
cat >"$WORK/gateway.yaml" <<EOF
server:
  listen: 127.0.0.1:0
  max-header-size: 8KB
  request-read-timeout: 2s
admin:
  listen: 127.0.0.1:0
  token: $ADMIN_TOKEN
  state-file: $WORK/state.json
health:
  interval: 2s
routing:
  token-secret: soak-token-secret-0123456789
clusters:
  - {id: stub-a, uri: "http://127.0.0.1:$PORT_A", routing-group: adhoc, load-probe: none}
  - {id: stub-b, uri: "http://127.0.0.1:$PORT_B", routing-group: adhoc, load-probe: none}
EOF
cp "$JAR" "$WORK/switchboard.jar"
# shellcheck disable=SC2086
java $GATEWAY_JAVA_OPTS -Dio.netty.leakDetection.level=simple -jar "$WORK/switchboard.jar" --config "$WORK/gateway.yaml" \
  --ready-file "$WORK/gateway.ready" >"$WORK/gateway.log" 2>&1 &
GW_PID=$!
for i in $(seq 1 600); do [ -s "$WORK/gateway.ready" ] && break; kill -0 "$GW_PID" 2>/dev/null || die "gateway exited: $(tail -20 "$WORK/gateway.log")"; sleep 0.1; done
GW_URL="$(sed -n 's/.*"proxy"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$WORK/gateway.ready")"
GW_ADMIN="$(sed -n 's/.*"admin"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$WORK/gateway.ready")"
GW_HOSTPORT="${GW_URL#http://}"
for i in $(seq 1 150); do
  healthy="$(curl -s --max-time 2 -H "Authorization: Bearer $ADMIN_TOKEN" "$GW_ADMIN/v1/gateway/clusters" | grep -o '"healthy":true' | wc -l || true)"
  [ "$healthy" -ge 2 ] && break
  sleep 0.2
done
[ "$healthy" -ge 2 ] || die "the stub clusters did not become healthy"
NEXT="$(curl -s -X POST -H 'X-Trino-User: soak' --data-binary 'SELECT 1' "$GW_URL/v1/statement" | grep -o '"nextUri":"[^"]*"' | head -n1 | sed 's/"nextUri":"\(.*\)"/\1/')"
[[ "$NEXT" == "$GW_URL"/sb/* ]] || die "the submission's nextUri does not point at the gateway: $NEXT"
log "gateway pid $GW_PID at $GW_URL; follow-up $NEXT"

# ---------------------------------------------------------------- mixed traffic for the whole run
LUA="$BENCH_DIR/wrk/bench.lua"
BENCH_METHOD=POST wrk -t1 -c4 -d"${DURATION}s" -s "$LUA" "$GW_URL/v1/statement" >"$WORK/wrk-submit.log" 2>&1 &
LOAD_PIDS+=($!)
BENCH_METHOD=GET wrk -t1 -c4 -d"${DURATION}s" -s "$LUA" "$NEXT" >"$WORK/wrk-poll.log" 2>&1 &
LOAD_PIDS+=($!)
BENCH_METHOD=GET wrk -t1 -c2 -d"${DURATION}s" -H 'Connection: close' -s "$LUA" "$NEXT" >"$WORK/wrk-churn.log" 2>&1 &
LOAD_PIDS+=($!)
bad_input() {
  local end=$(( SECONDS + DURATION )) forged="${NEXT/\/sb\/stub-/\/sb\/stub-x}" big
  big="$(head -c 12000 /dev/zero | tr '\0' a)"
  while [ "$SECONDS" -lt "$end" ]; do
    curl -s -o /dev/null --max-time 5 -H 'X-Trino-User: soak' "$GW_URL/nope" || true
    curl -s -o /dev/null --max-time 5 -H 'X-Trino-User: soak' "$forged" || true
    curl -s -o /dev/null --max-time 5 -H "X-Big: $big" "$GW_URL/v1/info" || true
    printf 'THIS IS NOT HTTP\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/${GW_HOSTPORT%:*}/${GW_HOSTPORT#*:}; cat >&3; cat <&3 >/dev/null" 2>/dev/null || true
    printf 'POST /v1/statement HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nSEL' \
      | timeout 1 bash -c "exec 3<>/dev/tcp/${GW_HOSTPORT%:*}/${GW_HOSTPORT#*:}; cat >&3" 2>/dev/null || true
    sleep 0.05
  done
}
bad_input >"$WORK/bad-input.log" 2>&1 &
LOAD_PIDS+=($!)

# ---------------------------------------------------------------- samples
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status"; }
fds() { ls "/proc/$GW_PID/fd" | wc -l; }
printf 'minute\tsecond\trss_mib\tfds\n' >"$WORK/samples.tsv"
printf '%8s %10s %8s\n' "elapsed" "RSS (MiB)" "open fds"
start=$SECONDS
samples=0
while [ $(( SECONDS - start )) -lt "$DURATION" ]; do
  sleep "$INTERVAL"
  kill -0 "$GW_PID" 2>/dev/null || die "the gateway died: $(tail -20 "$WORK/gateway.log")"
  elapsed=$(( SECONDS - start ))
  rss=$(( $(rss_kib) / 1024 ))
  fd=$(fds)
  printf '%s\t%d\t%d\t%d\n' "$(( elapsed / 60 ))" "$elapsed" "$rss" "$fd" >>"$WORK/samples.tsv"
  printf '%7ss %10d %8d\n' "$elapsed" "$rss" "$fd"
  samples=$(( samples + 1 ))
done
for pid in "${LOAD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
LOAD_PIDS=()

# ---------------------------------------------------------------- verdict
for name in submit poll churn; do
  line="$(grep '^BENCH ' "$WORK/wrk-$name.log" || true)"
  requests="$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")"
  errors="$(sed -n 's/.*non2xx=\([0-9]*\) connect=\([0-9]*\) read=\([0-9]*\) write=\([0-9]*\) timeout=\([0-9]*\).*/\1+\2+\3+\4+\5/p' <<<"$line")"
  printf '%-7s %10s requests, errors %s\n' "$name" "${requests:-?}" "${errors:-?}"
done
leaks="$(grep -c 'LEAK:' "$WORK/gateway.log" || true)"
# the first sample is the warm-up; compare the last against the second (or the first when there are only two)
base_line=$(( samples >= 3 ? 3 : 2 ))
read -r base_rss base_fd < <(awk -F'\t' -v n="$base_line" 'NR == n {print $3, $4}' "$WORK/samples.tsv")
read -r last_rss last_fd < <(awk -F'\t' 'END {print $3, $4}' "$WORK/samples.tsv")
verdict=flat
if [ $(( last_rss * 100 )) -gt $(( base_rss * (100 + RSS_TOLERANCE_PCT) )) ]; then verdict="RSS grew from $base_rss to $last_rss MiB"; fi
if [ $(( last_fd - base_fd )) -gt "$FD_TOLERANCE" ]; then verdict="open fds grew from $base_fd to $last_fd"; fi
if [ "$leaks" -gt 0 ]; then verdict="$leaks Netty leak reports"; fi
echo "RSS ${base_rss} -> ${last_rss} MiB, open fds ${base_fd} -> ${last_fd}, leak reports ${leaks}: $verdict"
[ "$verdict" = flat ]
