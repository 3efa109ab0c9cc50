#!/usr/bin/env bash
# Switchboard: 10,000 concurrent in-flight queries through the gateway, each polled every second.
#
# Starts a Trino-protocol stub (nginx, two "clusters") that keeps every query RUNNING and gives each submission its
# own query id, then the gateway over it, then ConcurrentPollers (bench/jmh): one connection per client, each submits
# a query and polls its nextUri every interval for the measured window, then cancels it. Prints served polls, errors,
# the gateway's peak RSS and open files, and the verdict against issue #8's row. See bench/README.md.
#
# Only talks to 127.0.0.1. Everything it starts is stopped on exit.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

CONNECTIONS=10000
DURATION=60
INTERVAL=1
RAMP=""
WARMUP=10
THREADS=2
RSS_LIMIT_MIB=256
JAR="${SWITCHBOARD_JAR:-$REPO_DIR/gateway-server/target/switchboard.jar}"
# the issue's budget is 256 MiB of RSS for the whole process: heap plus metaspace, code cache, threads and buffers.
# The README's small-footprint profile: SerialGC (no parallel collector's work queues and mark bitmaps, ~13 MiB),
# freed native memory handed back to the OS every 5 s, and (lib.sh) glibc held to 2 malloc arenas.
JAVA_OPTS_DEFAULT="-Xmx120m -XX:+UseSerialGC -XX:TrimNativeHeapInterval=5000 -XX:-UsePerfData"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}"
POLLER_JAVA_OPTS="${POLLER_JAVA_OPTS:--Xmx1g -XX:+UseParallelGC}"
KEEP=0

usage() {
  cat <<USAGE
usage: bench/concurrent.sh [options]
  --quick             smoke run: 1,000 clients, 15 s window
  --connections N     clients, each with its own connection and query (default $CONNECTIONS)
  --duration SECS     measured window, after every client submitted (default $DURATION)
  --interval SECS     each client polls its nextUri this often (default $INTERVAL)
  --ramp SECS         clients are opened evenly over this time (default: N/1000 s, at least one interval)
  --warmup SECS       full load before the window opens, not counted (default $WARMUP)
  --threads N         event-loop threads of the load generator (default $THREADS)
  --rss-limit MIB     the gateway's RSS budget (default $RSS_LIMIT_MIB)
  --jar PATH          gateway jar (default gateway-server/target/switchboard.jar, env SWITCHBOARD_JAR)
  --keep              keep the temporary work dir (configs, logs)
env: GATEWAY_JAVA_OPTS (default "$JAVA_OPTS_DEFAULT"), POLLER_JAVA_OPTS (default "-Xmx1g -XX:+UseParallelGC"),
     NGINX_WORKERS (default auto), GATEWAY_TRANSPORT, GATEWAY_PURGE_INTERVAL (server.transport,
     backend.idle-purge-interval of the gateway)
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) CONNECTIONS=1000; DURATION=15 ;;
    --connections) CONNECTIONS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --interval) INTERVAL="$2"; shift ;;
    --ramp) RAMP="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --threads) THREADS="$2"; shift ;;
    --rss-limit) RSS_LIMIT_MIB="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
need_tools nginx curl
command -v java >/dev/null 2>&1 || { echo "java not on PATH (Java 17 needed)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "gateway jar not found: $JAR (build it: mvn -B -o package -pl gateway-server -am -DskipTests)" >&2; exit 1; }

# ---------------------------------------------------------------- kernel limits
# each client is one socket in the generator and one in the gateway; both inherit this shell's limit
want_fds=$(( CONNECTIONS + 2048 ))
if [ "$(ulimit -n)" -lt "$want_fds" ]; then
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
[ "$(ulimit -n)" -ge "$want_fds" ] || { echo "open-file limit $(ulimit -n) (hard $(ulimit -Hn)) is below the $want_fds that $CONNECTIONS clients need" >&2; exit 1; }
read -r port_lo port_hi </proc/sys/net/ipv4/ip_local_port_range
[ $(( port_hi - port_lo )) -gt $(( CONNECTIONS + 2000 )) ] \
  || { echo "ephemeral port range $port_lo-$port_hi is too small for $CONNECTIONS client connections" >&2; exit 1; }

# ---------------------------------------------------------------- work dir + cleanup
WORK="$(mktemp -d /tmp/switchboard-concurrent.XXXXXX)"
chmod 755 "$WORK"   # nginx workers drop to 'nobody' when started as root
STUB_PID=""; FAILED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$GW_PID" gateway
  stop_pid "$STUB_PID" nginx-stub
  if [ "$KEEP" = 1 ] || [ "$FAILED" = 1 ] || [ "$rc" -ne 0 ]; then
    log "work dir kept: $WORK (configs, nginx/gateway logs, generator output)"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_bench_jar

# ---------------------------------------------------------------- stub: every query its own id, always RUNNING
pick_port PORT_A; pick_port PORT_B
stub_server() {  # stub_server PORT
  cat <<NGINX
  server {
    listen 127.0.0.1:$1 backlog=4096 reuseport;
    # submit: POST /v1/statement -> QUEUED QueryResults with a new query id
    location = /v1/statement {
      if (\$request_method != POST) { return 405; }
      return 200 '$(json_body submit.json "$1" '${bench_qid}')';
    }
    # poll: GET /v1/statement/{queued|executing}/ID/... -> RUNNING page of that query, with a nextUri: it never ends
    location ~ ^/v1/statement/(queued|executing)/(?<qid>[a-z0-9_]+)/ {
      if (\$request_method = DELETE) { return 204; }
      return 200 '$(json_body poll.json "$1" '${qid}')';
    }
    location = /v1/info {
      return 200 '$(json_body info.json "$1" none)';
    }
    location / { return 404 '{"error":"not found"}'; }
  }
NGINX
}
mkdir -p "$WORK/stub/tmp"
{
  nginx_common "$WORK/stub"
  query_id_map
  stub_server "$PORT_A"; stub_server "$PORT_B"
  echo "}"
} >"$WORK/stub/nginx.conf"
start_nginx stub "$PORT_A" "$PORT_B"; STUB_PID=$NGINX_PID
log "stub clusters: stub-a=127.0.0.1:$PORT_A stub-b=127.0.0.1:$PORT_B (nginx pid $STUB_PID)"

# ---------------------------------------------------------------- gateway
write_gateway_config
start_gateway "$JAR" 2

# ---------------------------------------------------------------- run
echo "== Switchboard concurrent in-flight queries  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "   host: $(nproc) cpus, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   gateway: $JAR ($(java -version 2>&1 | head -n1)); JVM opts: $GATEWAY_JAVA_OPTS"
echo "   limits: open files $(ulimit -n), ephemeral ports $port_lo-$port_hi"
# shellcheck disable=SC2086
java $POLLER_JAVA_OPTS -cp "$BENCH_JAR" io.switchboard.bench.ConcurrentPollers \
  --url "$GW_URL" --admin "$GW_ADMIN" --gateway-pid "$GW_PID" --clock-ticks "$(getconf CLK_TCK)" \
  --connections "$CONNECTIONS" --duration "$DURATION" --interval "$INTERVAL" ${RAMP:+--ramp "$RAMP"} --warmup "$WARMUP" \
  --threads "$THREADS" --rss-limit-mib "$RSS_LIMIT_MIB" 2>&1 | tee "$WORK/pollers.log" || true
result="$(grep '^RESULT ' "$WORK/pollers.log" | tail -n1 || true)"
[ -n "$result" ] || { gw_log_tail; die "the load generator printed no result (see $WORK/pollers.log)"; }
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

gw_alive || { gw_log_tail; echo "!! the gateway died during the run" >&2; FAILED=1; }
gw_warn_re='Exception|(^|[^A-Za-z_=])(ERROR|WARN|SEVERE)([^A-Za-z_]|$)'
if grep -qE "$gw_warn_re" "$WORK/gateway.log"; then
  echo "   note: gateway log has $(grep -cE "$gw_warn_re" "$WORK/gateway.log") WARN/ERROR/exception lines; first ones:"
  grep -E "$gw_warn_re" "$WORK/gateway.log" | head -n 5 | cut -c1-300 | sed 's/^/     /'
fi

verdict="$(kv verdict "$result")"
[ "$FAILED" = 1 ] && verdict=FAIL
[ "$CONNECTIONS" -lt 10000 ] && [ "$verdict" = PASS ] && verdict=SMOKE
measured="$(printf "%'d clients, %'d/%'.0f polls served, %s errors, peak RSS %s MiB" \
  "$(kv connections "$result")" "$(kv polls_in_window "$result")" "$(kv polls_expected "$result")" "$(kv errors "$result")" \
  "$(( $(kv peak_rss_kb "$result") / 1024 ))")"
target="all served, no errors, RSS <= $RSS_LIMIT_MIB MiB"
label="10,000 concurrent in-flight queries, polling every 1 s"
printf 'TARGET\t%s\t%s\t%s\t%s\n' "$label" "$measured" "$target" "$verdict" \
  | write_results concurrent "bench/concurrent.sh connections=$CONNECTIONS duration=${DURATION}s interval=${INTERVAL}s gateway JVM: $GATEWAY_JAVA_OPTS"

echo
echo "== Target (issue #8)"
print_target_header
print_target_row "$label" "$measured" "$target" "$verdict"
reasons="$(kv reasons "$result")"
[ "$reasons" = - ] || [ -z "$reasons" ] || echo "   failed checks: $reasons"
[ "$verdict" = SMOKE ] && echo "   SMOKE: $CONNECTIONS clients only; the target needs 10,000 (run without --quick / --connections)"
echo "   written to ${RESULTS_DIR#"$REPO_DIR"/}/concurrent.tsv"
[ "$verdict" = FAIL ] && exit 1
exit 0
