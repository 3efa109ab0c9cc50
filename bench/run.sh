#!/usr/bin/env bash
# Switchboard benchmark: wrk against
#   direct      - a static Trino-protocol stub served by nginx (cluster "stub-a")
#   nginx-proxy - a plain keep-alive nginx reverse proxy over the two stub clusters
#   gateway     - Switchboard (gateway-server/target/switchboard.jar) over the two stub clusters
# for four workloads (follow-up GET / submit POST, 64 connections / 1 connection),
# interleaved and repeated, then prints medians and ratios. See bench/README.md.
#
# Only talks to 127.0.0.1. Everything it starts is stopped on exit.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

# ---------------------------------------------------------------- defaults / flags
DURATION=10            # seconds per measured wrk run
WARMUP=3               # seconds of wrk warm-up before each measured run (not recorded)
GW_WARMUP=10           # seconds of initial gateway warm-up (JIT) per 64c workload, before any measurement
REPS=3                 # repetitions of every (workload, target); medians are reported
CONNS=64               # connections of the "many connections" workloads
THREADS=2              # wrk threads of the "many connections" workloads
TARGETS="direct,nginx-proxy,gateway"
WORKLOADS="get-64c,post-64c,get-1c,post-1c"
JAR="${SWITCHBOARD_JAR:-$REPO_DIR/gateway-server/target/switchboard.jar}"
JAVA_OPTS_DEFAULT="-Xmx120m -XX:+UseSerialGC -XX:TrimNativeHeapInterval=5000 -XX:-UsePerfData"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
KEEP=0
QUICK=""
RUN_ALL=0
OUT=""
WAIT_IDLE=0            # max seconds to wait for a quiet machine before each measured run

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --quick             smoke run: 1 repetition, 3 s runs, 1 s warm-up
  --all               then also run bench/concurrent.sh and bench/jmh.sh (each --quick with --quick),
                      so that the Targets table has every row of issue #8 from this one run
  --duration SECS     seconds per measured run (default $DURATION)
  --warmup SECS       seconds of warm-up before each measured run (default $WARMUP; 0 = none)
  --gateway-warmup S  seconds of initial gateway (JIT) warm-up per 64c workload, before any
                      measurement (default $GW_WARMUP; 0 = none)
  --reps N            repetitions per (workload, target), medians reported (default $REPS)
  --connections N     connections of the *-64c workloads (default $CONNS; label stays "64c")
  --targets LIST      comma list of direct,nginx-proxy,gateway (default all)
  --workloads LIST    comma list of get-64c,post-64c,get-1c,post-1c (default all)
  --jar PATH          gateway jar (default gateway-server/target/switchboard.jar, env SWITCHBOARD_JAR)
  --wait-idle SECS    before each measured run wait (up to SECS) until other processes use less
                      than NOISY_PCT (default 15) % of a CPU; for a machine shared with builds
  --out FILE          also write every raw run as TSV to FILE
  --keep              keep the temporary work dir (configs, logs, raw results)
env: GATEWAY_JAVA_OPTS (default "$JAVA_OPTS_DEFAULT"), NGINX_WORKERS (default auto),
     GATEWAY_IO_THREADS, GATEWAY_TRANSPORT, GATEWAY_PURGE_INTERVAL (server.io-threads / server.transport /
     backend.idle-purge-interval of the gateway)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) REPS=1; DURATION=3; WARMUP=1; GW_WARMUP=2; QUICK=1 ;;
    --all) RUN_ALL=1 ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --gateway-warmup) GW_WARMUP="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    --connections) CONNS="$2"; shift ;;
    --targets) TARGETS="$2"; shift ;;
    --workloads) WORKLOADS="$2"; shift ;;
    --jar) JAR="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --wait-idle) WAIT_IDLE="$2"; shift ;;
    --keep) KEEP=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

IFS=',' read -r -a TARGET_LIST <<<"$TARGETS"
IFS=',' read -r -a WORKLOAD_LIST <<<"$WORKLOADS"
for t in "${TARGET_LIST[@]}"; do
  case "$t" in direct|nginx-proxy|gateway) ;; *) echo "unknown target: $t" >&2; exit 2 ;; esac
done
for w in "${WORKLOAD_LIST[@]}"; do
  case "$w" in get-64c|post-64c|get-1c|post-1c) ;; *) echo "unknown workload: $w" >&2; exit 2 ;; esac
done
has_target() { [[ ",$TARGETS," == *",$1,"* ]]; }

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

# ---------------------------------------------------------------- tools
need_tools nginx wrk h2load curl
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"

if has_target gateway; then
  command -v java >/dev/null 2>&1 || { echo "java not on PATH (Java 17 needed for the gateway)" >&2; exit 1; }
  if [ ! -f "$JAR" ]; then
    echo "gateway jar not found: $JAR" >&2
    echo "build it first, or run without the gateway: bench/run.sh --targets direct,nginx-proxy" >&2
    exit 1
  fi
fi

# ---------------------------------------------------------------- work dir + cleanup
WORK="$(mktemp -d /tmp/switchboard-bench.XXXXXX)"
chmod 755 "$WORK"   # nginx workers drop to 'nobody' when started as root
STUB_PID=""; PROXY_PID=""; FAILED=0

stop_all() {
  stop_pid "$GW_PID" gateway
  stop_pid "$PROXY_PID" nginx-proxy
  stop_pid "$STUB_PID" nginx-stub
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  if [ "$KEEP" = 1 ] || [ "$FAILED" = 1 ] || [ "$rc" -ne 0 ]; then
    log "work dir kept: $WORK (configs, nginx/gateway logs, raw wrk output)"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- ports
pick_port PORT_A; pick_port PORT_B; pick_port PORT_PROXY

QUERY_ID="20261126_101530_00042_abcde"

# ---------------------------------------------------------------- nginx stub (2 clusters)
stub_server() {  # stub_server PORT
  cat <<EOF
  server {
    listen 127.0.0.1:$1 backlog=4096 reuseport;
    # submit: POST /v1/statement -> QUEUED QueryResults of a new query (its own id, see query_id_map)
    location = /v1/statement {
      if (\$request_method != POST) { return 405; }
      return 200 '$(json_body submit.json "$1" '${bench_qid}')';
    }
    # follow-up poll: GET /v1/statement/{queued|executing}/ID/SLUG/N -> RUNNING page with 20 rows
    location ~ ^/v1/statement/(queued|executing)/ {
      if (\$request_method = DELETE) { return 204; }
      return 200 '$(json_body poll.json "$1" "$QUERY_ID")';
    }
    # health check used by the gateway
    location = /v1/info {
      return 200 '$(json_body info.json "$1" "$QUERY_ID")';
    }
    location / { return 404 '{"error":"not found"}'; }
  }
EOF
}

mkdir -p "$WORK/stub/tmp" "$WORK/proxy/tmp"
{ nginx_common "$WORK/stub"; query_id_map; stub_server "$PORT_A"; stub_server "$PORT_B"; echo "}"; } >"$WORK/stub/nginx.conf"
start_nginx stub "$PORT_A" "$PORT_B"; STUB_PID=$NGINX_PID
log "stub clusters: stub-a=127.0.0.1:$PORT_A stub-b=127.0.0.1:$PORT_B (nginx pid $STUB_PID)"

# ---------------------------------------------------------------- nginx keep-alive reverse proxy
if has_target nginx-proxy; then
  {
    nginx_common "$WORK/proxy"
    cat <<EOF
  upstream trino_stubs {
    server 127.0.0.1:$PORT_A;
    server 127.0.0.1:$PORT_B;
    keepalive 64;
    keepalive_requests 10000000;
  }
  server {
    listen 127.0.0.1:$PORT_PROXY backlog=4096 reuseport;
    location / {
      proxy_pass http://trino_stubs;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
    }
  }
}
EOF
  } >"$WORK/proxy/nginx.conf"
  start_nginx proxy "$PORT_PROXY"; PROXY_PID=$NGINX_PID
  log "nginx-proxy: 127.0.0.1:$PORT_PROXY (nginx pid $PROXY_PID)"
fi

# ---------------------------------------------------------------- gateway
if has_target gateway; then
  write_gateway_config
  start_gateway "$JAR" 2
fi

# ---------------------------------------------------------------- targets: base URL + follow-up path
declare -A BASE GETPATH
BASE[direct]="http://127.0.0.1:$PORT_A"
BASE[nginx-proxy]="http://127.0.0.1:$PORT_PROXY"
BASE[gateway]="$GW_URL"

# POST once through the target, check the answer, and derive the follow-up GET path from nextUri.
preflight() {
  local t="$1" base="${BASE[$1]}" code body next path origin
  body="$WORK/preflight-$t-post.json"
  code="$(curl -s -o "$body" -w '%{http_code}' --max-time 10 -X POST \
          -H 'X-Trino-User: bench' -H 'X-Trino-Source: switchboard-bench' \
          -H 'Content-Type: text/plain; charset=utf-8' --data-binary 'SELECT 1' "$base/v1/statement" || echo 000)"
  [ "$code" = 200 ] || { echo "$t: POST /v1/statement -> HTTP $code: $(head -c 500 "$body" 2>/dev/null)" >&2; return 1; }
  grep -Eq '"id":"[0-9]{8}_[0-9]{6}_[0-9]{5}_[0-9a-z]{5}"' "$body" || { echo "$t: POST answer lacks a Trino query id: $(head -c 500 "$body")" >&2; return 1; }
  next="$(grep -o '"nextUri"[[:space:]]*:[[:space:]]*"[^"]*"' "$body" | head -n1 | sed 's/.*:[[:space:]]*"\(.*\)"$/\1/')"
  [ -n "$next" ] || { echo "$t: POST answer has no nextUri" >&2; return 1; }
  origin="$(sed -n 's#^\(https\?://[^/]*\).*#\1#p' <<<"$next")"
  path="${next#"$origin"}"
  if [ "$t" = gateway ]; then
    if [ "$origin" != "$GW_URL" ]; then
      echo "!! gateway misbehaviour: nextUri of the submit answer is not rewritten to the gateway: $next" >&2
    else
      log "gateway submit nextUri: $next"
    fi
  fi
  GETPATH[$t]="$path"
  body="$WORK/preflight-$t-get.json"
  code="$(curl -s -o "$body" -w '%{http_code}' --max-time 10 -H 'X-Trino-User: bench' "$base$path" || echo 000)"
  [ "$code" = 200 ] || { echo "$t: GET $path -> HTTP $code: $(head -c 500 "$body" 2>/dev/null)" >&2; return 1; }
  grep -q '"state":"RUNNING"' "$body" || { echo "$t: GET $path answer is not the RUNNING page: $(head -c 500 "$body")" >&2; return 1; }
  if [ "$t" = gateway ]; then
    next="$(grep -o '"nextUri"[[:space:]]*:[[:space:]]*"[^"]*"' "$body" | head -n1 | sed 's/.*:[[:space:]]*"\(.*\)"$/\1/')"
    [[ "$next" == "$GW_URL"/* ]] || echo "!! gateway misbehaviour: nextUri of the follow-up answer is not rewritten to the gateway: $next" >&2
  fi
  return 0
}

for t in "${TARGET_LIST[@]}"; do
  preflight "$t" || { [ "$t" = gateway ] && gw_log_tail; die "preflight failed for target $t"; }
  log "target $t: ${BASE[$t]}  follow-up GET path ${GETPATH[$t]}"
done

# ---------------------------------------------------------------- measurement helpers
CLK_TCK="$(getconf CLK_TCK)"
group_cpu_ticks() {  # PID plus its direct children (nginx master + workers)
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do total=$(( total + $(proc_cpu_ticks "$p") )); done
  echo "$total"
}
cpu_ticks_of() {
  case "$1" in
    gateway) proc_cpu_ticks "$GW_PID" ;;
    nginx-proxy) group_cpu_ticks "$PROXY_PID" ;;
    *) echo "" ;;
  esac
}
sys_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat; }   # user+nice+system+irq+softirq, all CPUs
sys_steal_ticks() { awk '/^cpu / {print $9; exit}' /proc/stat; }
ours_ticks() {  # sets OURS: CPU ticks of stub nginx + nginx-proxy + gateway + wrk/curl.
  # Must run in the main shell (not in $(...)): `times` reports the waited-for descendants
  # (wrk) of the shell that calls it, and a subshell starts with none.
  times >"$WORK/.times"
  local t
  t="$(tail -n1 "$WORK/.times" | awk -v hz="$CLK_TCK" '{
    t = 0
    for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
    printf "%d\n", t * hz + 0.5 }')"
  t=$(( t + $(group_cpu_ticks "$STUB_PID") ))
  if [ -n "$PROXY_PID" ]; then t=$(( t + $(group_cpu_ticks "$PROXY_PID") )); fi
  if [ -n "$GW_PID" ]; then t=$(( t + $(proc_cpu_ticks "$GW_PID") )); fi
  OURS="$t"
}
now_us() { local t="${EPOCHREALTIME/[.,]/}"; echo "${t:-$(( $(date +%s) * 1000000 ))}"; }
foreign_pct() {  # foreign_pct TICKS ELAPSED_US -> % of one CPU, >= 0
  awk -v t="$1" -v e="$2" -v hz="$CLK_TCK" 'BEGIN { f = (e > 0 ? t * 1e8 / (hz * e) : 0); printf "%d", (f < 0 ? 0 : f) }'
}
foreign_pct_1s() {  # sets FOREIGN: % of one CPU used outside the benchmark (plus steal) in the next second
  local b0 st0 o0 t0
  t0="$(now_us)"; b0="$(sys_busy_ticks)"; st0="$(sys_steal_ticks)"; ours_ticks; o0="$OURS"; sleep 1
  ours_ticks
  FOREIGN="$(foreign_pct "$(( $(sys_busy_ticks) - b0 + $(sys_steal_ticks) - st0 - (OURS - o0) ))" "$(( $(now_us) - t0 ))")"
}
wait_idle() {
  [ "$WAIT_IDLE" != 0 ] || return 0
  local deadline=$(( SECONDS + WAIT_IDLE )) f waited=0
  while :; do
    foreign_pct_1s; f="$FOREIGN"
    if [ "$f" -lt "$NOISY_PCT" ]; then
      [ "$waited" = 0 ] || log "machine quiet again after ${waited}s"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "machine still busy (~${f}% of a CPU outside the benchmark) after ${WAIT_IDLE}s; measuring anyway"
      return 0
    fi
    [ "$waited" = 0 ] && log "machine busy (~${f}% of a CPU outside the benchmark); waiting up to ${WAIT_IDLE}s"
    waited=$(( waited + 1 ))
  done
}

kv() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $2"; }   # kv KEY "BENCH line"

RAW="$WORK/runs.tsv"
printf 'workload\ttarget\trep\trequests\tduration_us\trps\tp50_us\tp90_us\tp99_us\tmax_us\tnon2xx\tconnect\tread\twrite\ttimeout\tcpu_us_per_req\thwm_kb\tforeign_cpu_pct\n' >"$RAW"
GW_ERRORS=0; OTHER_ERRORS=0; NOISY_RUNS=0; NOISY_PCT="${NOISY_PCT:-15}"

run_wrk() {  # run_wrk TARGET WORKLOAD SECS LOGFILE -> BENCH line on stdout
  local t="$1" w="$2" secs="$3" logf="$4" method url
  case "$w" in
    get-*)  method=GET;  url="${BASE[$t]}${GETPATH[$t]}" ;;
    post-*) method=POST; url="${BASE[$t]}/v1/statement" ;;
  esac
  BENCH_METHOD="$method" wrk -t "$THREADS" -c "$CONNS" -d "${secs}s" --timeout 5s \
    -s "$BENCH_DIR/wrk/bench.lua" "$url" >"$logf" 2>&1 || true
  grep '^BENCH ' "$logf" | tail -n1 || true
}

# One connection: h2load, one request at a time, every request's latency in its log (exact percentiles).
# wrk 4.1 is not used here: at one connection its latencies for submissions summed to 3-22 times the run's
# wall time (impossible on one connection, one request at a time), see bench/README.md.
run_h2load() {  # run_h2load TARGET WORKLOAD SECS LOGFILE -> BENCH line on stdout
  local t="$1" w="$2" secs="$3" logf="$4" url reqlog="$4.requests" body=()
  case "$w" in
    get-*)  url="${BASE[$t]}${GETPATH[$t]}" ;;
    post-*) url="${BASE[$t]}/v1/statement"; body=(-d "$BENCH_DIR/wrk/submit.sql" -H 'Content-Type: text/plain; charset=utf-8') ;;
  esac
  rm -f "$reqlog"
  timeout $(( secs + 30 )) h2load --h1 -c 1 -t 1 -D "$secs" --log-file="$reqlog" \
    -H 'X-Trino-User: bench' -H 'X-Trino-Source: switchboard-bench' "${body[@]}" "$url" >"$logf" 2>&1 || true
  [ -s "$reqlog" ] || return 0
  # log lines: start (us since the epoch), status, latency (us)
  sort -n -k3,3 "$reqlog" | awk -v out="$logf" '
    { lat[NR] = $3; sum += $3; if ($2 >= 400) bad++
      if (first == "" || $1 < first) first = $1; if ($1 + $3 > last) last = $1 + $3 }
    function pct(p,  r) { r = int(p / 100 * NR + 0.999999); if (r < 1) r = 1; return lat[r] }
    END {
      if (NR == 0) exit
      # "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
      while ((getline l < out) > 0) if (l ~ /^requests:/) { split(l, f, /[ ,]+/); err = f[12]; to = f[14] }
      printf "BENCH requests=%d duration_us=%d bytes=0 mean_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d connect=0 read=%d write=0 timeout=%d\n", \
        NR, last - first, sum / NR + 0.5, pct(50), pct(90), pct(99), lat[NR], bad, err + 0, to + 0
    }'
}

run_load() {  # run_load TARGET WORKLOAD SECS LOGFILE -> BENCH line on stdout
  case "$2" in
    *-64c) run_wrk "$@" ;;
    *-1c)  run_h2load "$@" ;;
  esac
}

measure() {  # measure WORKLOAD TARGET REP
  local w="$1" t="$2" rep="$3" line cpu0 cpu1 reqs dur rps p50 p90 p99 max non2xx con rd wr to cpu_req="" hwm="" errs
  local tag="$w/$t/rep$rep"
  if [ "$t" = gateway ] && ! gw_alive; then gw_log_tail; die "gateway process died before $tag"; fi
  wait_idle
  if [ "$WARMUP" != 0 ]; then
    line="$(run_load "$t" "$w" "$WARMUP" "$WORK/load-$w-$t-$rep-warmup.log")"
    [ -n "$line" ] || log "warm-up $tag: the load generator printed no result (see $WORK/load-$w-$t-$rep-warmup.log)"
  fi
  if [ "$t" = gateway ] && [[ "$w" == *-64c ]]; then
    echo 5 >"/proc/$GW_PID/clear_refs" 2>/dev/null || true   # reset VmHWM to current RSS
  fi
  cpu0="$(cpu_ticks_of "$t")"; local sys0 ours0 steal0 foreign t0
  t0="$(now_us)"; sys0="$(sys_busy_ticks)"; steal0="$(sys_steal_ticks)"; ours_ticks; ours0="$OURS"
  line="$(run_load "$t" "$w" "$DURATION" "$WORK/load-$w-$t-$rep.log")"
  cpu1="$(cpu_ticks_of "$t")"
  # CPU used by anything but this benchmark during the run (+ steal), in % of one CPU
  ours_ticks
  foreign="$(foreign_pct "$(( $(sys_busy_ticks) - sys0 + $(sys_steal_ticks) - steal0 - (OURS - ours0) ))" "$(( $(now_us) - t0 ))")"
  if [ -z "$line" ]; then
    echo "!! $tag: the load generator printed no result:" >&2; cat "$WORK/load-$w-$t-$rep.log" >&2
    if [ "$t" = gateway ]; then
      GW_ERRORS=$((GW_ERRORS + 1))
      gw_alive || { gw_log_tail; die "gateway died during $tag"; }
    else
      OTHER_ERRORS=$((OTHER_ERRORS + 1))
    fi
    return 0
  fi
  reqs="$(kv requests "$line")"; dur="$(kv duration_us "$line")"
  p50="$(kv p50_us "$line")"; p90="$(kv p90_us "$line")"; p99="$(kv p99_us "$line")"; max="$(kv max_us "$line")"
  non2xx="$(kv non2xx "$line")"; con="$(kv connect "$line")"; rd="$(kv read "$line")"; wr="$(kv write "$line")"; to="$(kv timeout "$line")"
  rps="$(awk -v r="$reqs" -v d="$dur" 'BEGIN { printf "%.1f", (d > 0 ? r * 1e6 / d : 0) }')"
  if [ -n "$cpu0" ] && [ "$reqs" -gt 0 ]; then
    cpu_req="$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$CLK_TCK" -v r="$reqs" 'BEGIN { printf "%.2f", (b - a) * 1e6 / hz / r }')"
  fi
  if [ "$t" = gateway ] && [[ "$w" == *-64c ]]; then hwm="$(hwm_kb "$GW_PID")"; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$w" "$t" "$rep" "$reqs" "$dur" "$rps" "$p50" "$p90" "$p99" "$max" "$non2xx" "$con" "$rd" "$wr" "$to" "$cpu_req" "$hwm" "$foreign" >>"$RAW"
  errs=$(( non2xx + con + rd + wr + to ))
  printf '  %-9s %-12s rep %-2s %10s req/s  p50 %7s us  p99 %7s us  non2xx %s  socket errors c/r/w/t %s/%s/%s/%s%s%s\n' \
    "$w" "$t" "$rep" "$rps" "$p50" "$p99" "$non2xx" "$con" "$rd" "$wr" "$to" \
    "${cpu_req:+  cpu ${cpu_req} us/req}" "${hwm:+  VmHWM $((hwm / 1024)) MiB}"
  if [ "$foreign" -ge "$NOISY_PCT" ]; then
    echo "     ^ noisy: other processes (or the hypervisor, steal) used ~${foreign}% of a CPU during this run"
    NOISY_RUNS=$((NOISY_RUNS + 1))
  fi
  if [ "$errs" -gt 0 ] || [ "$reqs" -eq 0 ]; then
    if [ "$t" = gateway ]; then
      GW_ERRORS=$((GW_ERRORS + 1))
      echo "!! GATEWAY ERRORS in $tag: $non2xx non-2xx responses, socket errors connect=$con read=$rd write=$wr timeout=$to" >&2
      curl -s -i --max-time 5 -H 'X-Trino-User: bench' "${BASE[gateway]}${GETPATH[gateway]}" 2>&1 | head -c 800 >&2 || true
      echo >&2
      gw_log_tail
    else
      OTHER_ERRORS=$((OTHER_ERRORS + 1))
      echo "!! errors in $tag (non-gateway target): non2xx=$non2xx connect=$con read=$rd write=$wr timeout=$to" >&2
    fi
  fi
}

# ---------------------------------------------------------------- run
echo "== Switchboard bench  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "   host: $(nproc) cpus, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "   $("$NGINX_BIN" -v 2>&1 | head -n1) (workers: $NGINX_WORKERS), $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}'), $(h2load --version 2>&1 | head -n1)"
if has_target gateway; then
  echo "   gateway: $JAR ($(java -version 2>&1 | head -n1)); JVM opts: $GATEWAY_JAVA_OPTS"
fi
echo "   runs: ${DURATION}s measured after ${WARMUP}s warm-up, $REPS rep(s) per (workload, target), interleaved$(has_target gateway && echo "; initial gateway warm-up ${GW_WARMUP}s per 64c workload")"
echo "   workloads: get = follow-up GET (RUNNING page, $(wc -c <"$WORK/preflight-${TARGET_LIST[0]}-get.json") B), post = submit POST 'SELECT 1' (QUEUED, $(wc -c <"$WORK/preflight-${TARGET_LIST[0]}-post.json") B)"
echo "              64c = wrk, $CONNS connections / $THREADS threads; 1c = h2load, 1 connection, every request timed"
foreign_pct_1s; idle_busy="$FOREIGN"
echo "   machine before start: ~${idle_busy}% of a CPU busy outside the benchmark; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$idle_busy" -ge "$NOISY_PCT" ]; then
  hint=""; [ "$WAIT_IDLE" = 0 ] && hint=" (consider --wait-idle SECS)"
  echo "   WARNING: the machine is not idle; throughput and especially p99 will be noisy$hint"
fi
echo

if has_target gateway && [ "$GW_WARMUP" != 0 ]; then
  for w in get-64c post-64c; do
    log "initial gateway warm-up: $w for ${GW_WARMUP}s"
    line="$(run_wrk gateway "$w" "$GW_WARMUP" "$WORK/wrk-$w-gateway-initial-warmup.log")"
    [ -n "$line" ] || { cat "$WORK/wrk-$w-gateway-initial-warmup.log" >&2; gw_log_tail; die "gateway warm-up produced no wrk result"; }
    if [ "$(kv non2xx "$line")" != 0 ] || [ "$(( $(kv connect "$line") + $(kv read "$line") + $(kv write "$line") + $(kv timeout "$line") ))" != 0 ]; then
      echo "!! GATEWAY ERRORS during initial warm-up $w: $line" >&2
      GW_ERRORS=$((GW_ERRORS + 1))
    fi
    gw_alive || { gw_log_tail; die "gateway died during the initial warm-up"; }
  done
  echo
fi

for w in "${WORKLOAD_LIST[@]}"; do
  for rep in $(seq 1 "$REPS"); do
    for t in "${TARGET_LIST[@]}"; do
      measure "$w" "$t" "$rep"
    done
  done
done

# ---------------------------------------------------------------- report
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print ""; exit } if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() {  # col WORKLOAD TARGET COLUMN-NAME -> median over reps
  awk -F'\t' -v w="$1" -v t="$2" -v c="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
    $1 == w && $2 == t && $k != "" { print $k }' "$RAW" | median
}
sum_col() {
  awk -F'\t' -v w="$1" -v t="$2" -v c="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
    $1 == w && $2 == t { s += $k } END { print s + 0 }' "$RAW"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
diff_us() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%+d", a - b }'; }
fmt_rps() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.0f", v }'; }
fmt() { [ -n "$1" ] && echo "$1" || echo "-"; }

echo
echo "== Results: median of $REPS run(s); latencies in microseconds"
printf '%-9s %-12s %10s %9s %9s %9s %8s %9s %9s\n' workload target 'req/s' p50_us p90_us p99_us non2xx sock_err cpu_us/req
for w in "${WORKLOAD_LIST[@]}"; do
  for t in "${TARGET_LIST[@]}"; do
    sockerr=$(( $(sum_col "$w" "$t" connect) + $(sum_col "$w" "$t" read) + $(sum_col "$w" "$t" write) + $(sum_col "$w" "$t" timeout) ))
    printf '%-9s %-12s %10s %9s %9s %9s %8s %9s %9s\n' "$w" "$t" \
      "$(fmt_rps "$(col "$w" "$t" rps)")" "$(fmt "$(col "$w" "$t" p50_us)")" "$(fmt "$(col "$w" "$t" p90_us)")" \
      "$(fmt "$(col "$w" "$t" p99_us)")" "$(sum_col "$w" "$t" non2xx)" "$sockerr" "$(fmt "$(col "$w" "$t" cpu_us_per_req)")"
  done
done

echo
echo "== Ratios (medians): gw = gateway, nginx = nginx-proxy; req/s ratio > 1 = first is faster, latency ratio > 1 = first is slower"
printf '%-9s %-7s %11s %11s %13s   %s\n' workload metric 'gw/direct' 'gw/nginx' 'nginx/direct' 'added latency vs direct (us): gw / nginx'
for w in "${WORKLOAD_LIST[@]}"; do
  for m in rps p50_us p99_us; do
    d="$(col "$w" direct "$m")"; n="$(col "$w" nginx-proxy "$m")"; g="$(col "$w" gateway "$m")"
    extra=""
    [ "$m" != rps ] && extra="$(diff_us "$g" "$d") / $(diff_us "$n" "$d")"
    printf '%-9s %-7s %11s %11s %13s   %s\n' "$w" "${m%_us}" "$(ratio "$g" "$d")" "$(ratio "$g" "$n")" "$(ratio "$n" "$d")" "$extra"
  done
done

if has_target gateway; then
  echo
  echo "== Gateway resources"
  for w in "${WORKLOAD_LIST[@]}"; do
    [[ "$w" == *-64c ]] || continue
    c="$(col "$w" gateway cpu_us_per_req)"; h="$(awk -F'\t' -v w="$w" '$1 == w && $2 == "gateway" && $17 != "" { if ($17 > m) m = $17 } END { print m + 0 }' "$RAW")"
    nc="$(col "$w" nginx-proxy cpu_us_per_req)"
    printf '   %-9s CPU time %s us/request (nginx-proxy: %s us/request); peak RSS (VmHWM) %s MiB\n' \
      "$w" "$(fmt "$c")" "$(fmt "$nc")" "$(( h / 1024 ))"
  done
  if gw_alive; then
    printf '   at end: VmRSS %s MiB, VmHWM since start %s MiB\n' "$(( $(rss_kb "$GW_PID") / 1024 ))" "$(( $(hwm_kb "$GW_PID") / 1024 ))"
  fi
  gw_warn_re='Exception|(^|[^A-Za-z_=])(ERROR|WARN|SEVERE)([^A-Za-z_]|$)'
  if grep -qE "$gw_warn_re" "$WORK/gateway.log"; then
    echo "   note: gateway log has $(grep -cE "$gw_warn_re" "$WORK/gateway.log") WARN/ERROR/exception lines; first ones:"
    grep -E "$gw_warn_re" "$WORK/gateway.log" | head -n 5 | cut -c1-300 | sed 's/^/     /'
  fi
  echo "   gateway log: $(wc -l <"$WORK/gateway.log") lines, $(( $(wc -c <"$WORK/gateway.log") / 1024 )) KiB"
fi

if [ -n "$OUT" ]; then cp "$RAW" "$OUT"; log "raw runs written to $OUT"; fi

total_runs=$(( $(wc -l <"$RAW") - 1 ))
echo
if [ "$NOISY_RUNS" -gt 0 ]; then
  echo "== NOTE: $NOISY_RUNS of $total_runs measured runs were noisy (other processes or steal used >= ${NOISY_PCT}% of a CPU);"
  echo "   this is a 2-CPU machine shared by wrk, nginx and the gateway: rerun on an idle machine for clean numbers"
else
  echo "== machine stayed quiet: no run saw >= ${NOISY_PCT}% of a CPU used outside the benchmark"
fi

# ---------------------------------------------------------------- targets (issue #8)
# verdict MEASURED-OK -> PASS/FAIL; rows whose inputs were not measured say so and get "-"
verdict() { [ "$1" = 1 ] && echo PASS || echo FAIL; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }' && echo 1 || echo 0; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }' && echo 1 || echo 0; }
REP_NOTE=""; [ "$REPS" -lt 3 ] && REP_NOTE=", $REPS rep"
has_run() { awk -F'\t' -v w="$1" -v t="$2" '$1 == w && $2 == t { f = 1 } END { exit !f }' "$RAW"; }
{
  for w in get-64c post-64c; do
    case "$w" in get-*) label="follow-up GET, 64 connections" ;; *) label="submit POST, 64 connections" ;; esac
    if has_run "$w" gateway && has_run "$w" nginx-proxy; then
      g="$(col "$w" gateway rps)"; n="$(col "$w" nginx-proxy rps)"; r="$(ratio "$g" "$n")"
      printf 'TARGET\t%s\t%sx nginx (%s / %s req/s%s)\t>= 0.75x nginx req/s\t%s\n' "$label" "$r" "$(fmt_rps "$g")" "$(fmt_rps "$n")" "$REP_NOTE" "$(verdict "$(ge "$r" 0.75)")"
    else
      printf 'TARGET\t%s\tnot measured (needs gateway and nginx-proxy)\t>= 0.75x nginx req/s\t-\n' "$label"
    fi
  done
  for w in get-1c post-1c; do
    case "$w" in
      get-*) label="follow-up GET, 1 connection"; t50=100; t99=1000 ;;
      *) label="submit POST, 1 connection"; t50=150; t99=1500 ;;
    esac
    if has_run "$w" gateway && has_run "$w" direct; then
      a50="$(awk -v g="$(col "$w" gateway p50_us)" -v d="$(col "$w" direct p50_us)" 'BEGIN { printf "%d", g - d }')"
      a99="$(awk -v g="$(col "$w" gateway p99_us)" -v d="$(col "$w" direct p99_us)" 'BEGIN { printf "%d", g - d }')"
      ok=$(( $(le "$a50" "$t50") * $(le "$a99" "$t99") ))
      printf 'TARGET\t%s\t+%s us p50, +%s us p99 over direct%s\t<= +%s us p50, <= +%s us p99\t%s\n' "$label" "$a50" "$a99" "$REP_NOTE" "$t50" "$t99" "$(verdict "$ok")"
    else
      printf 'TARGET\t%s\tnot measured (needs gateway and direct)\t<= +%s us p50, <= +%s us p99\t-\n' "$label" "$t50" "$t99"
    fi
  done
  hwm_max=0; hwm_seen=0
  for w in get-64c post-64c; do
    case "$w" in get-*) label="gateway CPU per request, GET 64 connections" ;; *) label="gateway CPU per request, POST 64 connections" ;; esac
    c=""; has_run "$w" gateway && c="$(col "$w" gateway cpu_us_per_req)"
    if [ -n "$c" ]; then
      printf 'TARGET\t%s\t%s us/request%s\t<= 40 us\t%s\n' "$label" "$c" "$REP_NOTE" "$(verdict "$(le "$c" 40)")"
      h="$(awk -F'\t' -v w="$w" '$1 == w && $2 == "gateway" && $17 != "" { if ($17 > m) m = $17 } END { print m + 0 }' "$RAW")"
      [ "$h" -gt "$hwm_max" ] && hwm_max="$h"
      hwm_seen=1
    else
      printf 'TARGET\t%s\tnot measured\t<= 40 us\t-\n' "$label"
    fi
  done
  if [ "$hwm_seen" = 1 ]; then
    printf 'TARGET\tgateway RSS during the 64-connection runs\t%s MiB peak VmHWM (JVM %s)%s\t<= 256 MiB\t%s\n' \
      "$(( hwm_max / 1024 ))" "$(grep -o -- '-Xmx[^ ]*' <<<"$GATEWAY_JAVA_OPTS" || echo "default heap")" "$REP_NOTE" "$(verdict "$(le "$(( hwm_max / 1024 ))" 256)")"
  else
    printf 'TARGET\tgateway RSS during the 64-connection runs\tnot measured\t<= 256 MiB\t-\n'
  fi
} | write_results run "bench/run.sh reps=$REPS duration=${DURATION}s noisy_runs=$NOISY_RUNS/$total_runs"

if [ "$RUN_ALL" = 1 ]; then
  # the other scripts start their own stub and gateway: free the CPUs and ports first
  stop_all; GW_PID=""; PROXY_PID=""; STUB_PID=""
  echo
  log "--all: bench/concurrent.sh${QUICK:+ --quick}"
  "$BENCH_DIR/concurrent.sh" ${QUICK:+--quick} --jar "$JAR" || log "bench/concurrent.sh failed or missed its target (exit $?)"
  echo
  log "--all: bench/jmh.sh${QUICK:+ --quick}"
  "$BENCH_DIR/jmh.sh" ${QUICK:+--quick} || log "bench/jmh.sh failed (exit $?)"
fi

echo
echo "== Targets (issue #8): this run, plus the last results of bench/concurrent.sh and bench/jmh.sh"
print_target_header
print_results_file() {  # print_results_file NAME SCRIPT PLACEHOLDER-ROWS...
  local name="$1" script="$2" file="$RESULTS_DIR/$1.tsv" header
  shift 2
  if [ -f "$file" ]; then
    while IFS=$'\t' read -r kind workload measured target result; do
      case "$kind" in TARGET|INFO) print_target_row "$workload" "$measured" "$target" "$result" ;; esac
    done <"$file"
    header="$(head -n1 "$file")"
    [ "$name" = run ] || SOURCES+=("   ${file#"$REPO_DIR"/}: ${header#\# }")
  else
    local row
    for row in "$@"; do print_target_row "$row" "not run: $script" "" "-"; done
  fi
}
SOURCES=()
print_results_file run bench/run.sh
print_results_file concurrent bench/concurrent.sh "10,000 concurrent in-flight queries, polling every 1 s"
print_results_file heap "bench/jmh.sh" "1,000,000 entries in the recent-query map / ring buffer"
print_results_file jmh "bench/jmh.sh" "URI rewriter, 1 MB statement page" "routing decision, 50 clusters"
counts="$( { cat "$RESULTS_DIR"/run.tsv "$RESULTS_DIR"/concurrent.tsv "$RESULTS_DIR"/heap.tsv 2>/dev/null || true; } \
  | awk -F'\t' '$1 == "TARGET" { n[$5]++ } END { printf "%d PASS, %d FAIL, %d SMOKE (too small to judge), %d not measured", n["PASS"], n["FAIL"], n["SMOKE"], n["-"] }')"
echo "   $counts"
if [ ${#SOURCES[@]} -gt 0 ]; then
  echo "   rows not from this run come from:"
  printf '%s\n' "${SOURCES[@]}"
fi
[ "$REPS" -lt 3 ] && echo "   note: the issue asks for medians of at least 3 repetitions; this run had $REPS, so its rows are indicative only"
[ "$NOISY_RUNS" -gt 0 ] && echo "   note: $NOISY_RUNS of $total_runs runs were noisy; latency rows in particular need a quiet machine"

if [ "$GW_ERRORS" -gt 0 ]; then
  FAILED=1
  echo
  echo "!! FAILED: the gateway returned errors in $GW_ERRORS run(s) (non-2xx or socket errors, see above)" >&2
  exit 1
fi
if [ "$OTHER_ERRORS" -gt 0 ]; then
  FAILED=1
  echo
  echo "!! FAILED: errors in $OTHER_ERRORS non-gateway run(s); the numbers are not trustworthy" >&2
  exit 1
fi
echo
echo "== OK: no errors"
