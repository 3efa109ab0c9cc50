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
JAVA_OPTS_DEFAULT="-Xms256m -Xmx256m -XX:+UseParallelGC -XX:-UsePerfData"
GATEWAY_JAVA_OPTS="${GATEWAY_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"
KEEP=0
OUT=""
WAIT_IDLE=0            # max seconds to wait for a quiet machine before each measured run

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --quick             smoke run: 1 repetition, 3 s runs, 1 s warm-up
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
env: GATEWAY_JAVA_OPTS (default "$JAVA_OPTS_DEFAULT"), NGINX_WORKERS (default auto)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) REPS=1; DURATION=3; WARMUP=1; GW_WARMUP=2 ;;
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

log()  { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[bench] ERROR: %s\n' "$*" >&2; FAILED=1; exit 1; }

# ---------------------------------------------------------------- tools
need_install=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_install+=(nginx)
command -v wrk   >/dev/null 2>&1 || need_install+=(wrk)
command -v curl  >/dev/null 2>&1 || need_install+=(curl)
if [ ${#need_install[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing ${need_install[*]}; run as root (apt-get install) or install them" >&2; exit 1
  fi
  log "installing ${need_install[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need_install[@]}" >/dev/null
fi
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
STUB_PID=""; PROXY_PID=""; GW_PID=""; FAILED=0

stop_pid() {  # stop_pid PID NAME: TERM, wait up to 10 s, then KILL (and the pid's children)
  local pid="$1" name="$2" i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name ($pid) did not stop on TERM, killing"
    local kids; kids="$(pgrep -P "$pid" || true)"
    kill -KILL "$pid" $kids 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$GW_PID" gateway
  stop_pid "$PROXY_PID" nginx-proxy
  stop_pid "$STUB_PID" nginx-stub
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
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
USED_PORTS=" "
pick_port() {   # pick_port VAR; below the ephemeral range, so client sockets never collide
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    if port_free "$p"; then USED_PORTS+="$p "; printf -v "$1" '%s' "$p"; return 0; fi
  done
  die "no free port found"
}
pick_port PORT_A; pick_port PORT_B; pick_port PORT_PROXY

QUERY_ID="20261126_101530_00042_abcde"

# ---------------------------------------------------------------- nginx stub (2 clusters)
json_body() {  # json_body FILE PORT -> one-line JSON, safe inside an nginx '...' string
  local s
  s="$(sed 's/^[[:space:]]*//' "$BENCH_DIR/stub/$1" | tr -d '\n' \
       | sed "s/@PORT@/$2/g; s/@QUERY_ID@/$QUERY_ID/g")"
  case "$s" in *"'"*|*'$'*|*'\'*) die "stub/$1 must not contain ' \$ or \\" ;; esac
  [ "${#s}" -lt 4000 ] || die "stub/$1 too long for an nginx config token (${#s} bytes)"
  printf '%s' "$s"
}

nginx_common() {  # nginx_common DIR
  cat <<EOF
worker_processes $NGINX_WORKERS;
worker_rlimit_nofile 65536;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
  keepalive_timeout 75s;
  keepalive_requests 10000000;
  default_type application/json;
EOF
}

stub_server() {  # stub_server PORT
  cat <<EOF
  server {
    listen 127.0.0.1:$1 backlog=4096 reuseport;
    # submit: POST /v1/statement -> QUEUED QueryResults
    location = /v1/statement {
      if (\$request_method != POST) { return 405; }
      return 200 '$(json_body submit.json "$1")';
    }
    # follow-up poll: GET /v1/statement/{queued|executing}/ID/SLUG/N -> RUNNING page with 20 rows
    location ~ ^/v1/statement/(queued|executing)/ {
      if (\$request_method = DELETE) { return 204; }
      return 200 '$(json_body poll.json "$1")';
    }
    # health check used by the gateway
    location = /v1/info {
      return 200 '$(json_body info.json "$1")';
    }
    location / { return 404 '{"error":"not found"}'; }
  }
EOF
}

start_nginx() {  # start_nginx NAME -> pid in NGINX_PID; conf in $WORK/NAME/nginx.conf
  local dir="$WORK/$1" i
  "$NGINX_BIN" -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
    || die "nginx config $dir/nginx.conf is invalid"
  "$NGINX_BIN" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' \
    >"$dir/stdout.log" 2>&1 &
  NGINX_PID=$!
  shift
  for i in $(seq 1 100); do
    local all=1 p
    for p in "$@"; do port_free "$p" && all=0; done
    [ "$all" = 1 ] && return 0
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$dir/error.log" "$dir/stdout.log" >&2 || true; die "nginx $dir exited"; }
    sleep 0.05
  done
  die "nginx $dir did not listen on $*"
}

mkdir -p "$WORK/stub/tmp" "$WORK/proxy/tmp"
{ nginx_common "$WORK/stub"; stub_server "$PORT_A"; stub_server "$PORT_B"; echo "}"; } >"$WORK/stub/nginx.conf"
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
GW_URL=""; GW_ADMIN=""
gw_alive() { [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; }
gw_log_tail() { echo "---- last 40 lines of $WORK/gateway.log ----" >&2; tail -n 40 "$WORK/gateway.log" >&2 || true; echo "----" >&2; }

if has_target gateway; then
  GW_ADMIN_TOKEN="bench-admin-token-$RANDOM$RANDOM$RANDOM"
  cat >"$WORK/gateway.yaml" <<EOF
server:
  listen: 127.0.0.1:0
admin:
  listen: 127.0.0.1:0
  token: $GW_ADMIN_TOKEN
health:
  interval: 2s
clusters:
  - id: stub-a
    uri: http://127.0.0.1:$PORT_A
    routing-group: adhoc
  - id: stub-b
    uri: http://127.0.0.1:$PORT_B
    routing-group: adhoc
EOF
  # run a private copy: a rebuild of the jar during the benchmark must not pull it from under the JVM
  cp "$JAR" "$WORK/switchboard.jar"
  # shellcheck disable=SC2086
  java $GATEWAY_JAVA_OPTS -jar "$WORK/switchboard.jar" --config "$WORK/gateway.yaml" --ready-file "$WORK/gateway.ready" \
    >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  log "gateway starting (pid $GW_PID): java $GATEWAY_JAVA_OPTS -jar $JAR"
  for i in $(seq 1 600); do
    if [ -s "$WORK/gateway.ready" ]; then
      GW_URL="$(sed -n 's/.*"proxy"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$WORK/gateway.ready")"
      GW_ADMIN="$(sed -n 's/.*"admin"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$WORK/gateway.ready")"
      [ -n "$GW_URL" ] && [ -n "$GW_ADMIN" ] && break
    fi
    gw_alive || { gw_log_tail; die "gateway exited during startup"; }
    sleep 0.1
  done
  [ -n "$GW_URL" ] && [ -n "$GW_ADMIN" ] || { gw_log_tail; die "gateway did not write a usable ready file in 60 s"; }
  GW_URL="${GW_URL%/}"; GW_ADMIN="${GW_ADMIN%/}"
  log "gateway ready: proxy=$GW_URL admin=$GW_ADMIN; waiting for both clusters healthy"
  healthy=0
  for i in $(seq 1 300); do
    body="$(curl -s --max-time 2 -H "Authorization: Bearer $GW_ADMIN_TOKEN" "$GW_ADMIN/v1/gateway/clusters" || true)"
    healthy="$(grep -o '"healthy"[[:space:]]*:[[:space:]]*true' <<<"$body" | wc -l || true)"
    [ "$healthy" -ge 2 ] && break
    gw_alive || { gw_log_tail; die "gateway exited while waiting for healthy clusters"; }
    sleep 0.2
  done
  [ "$healthy" -ge 2 ] || { echo "last /v1/gateway/clusters answer: $body" >&2; gw_log_tail; die "clusters not healthy after 60 s"; }
  log "both clusters healthy"
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
  grep -q "\"id\":\"$QUERY_ID\"" "$body" || { echo "$t: POST answer lacks the query id: $(head -c 500 "$body")" >&2; return 1; }
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
proc_cpu_ticks() {  # utime+stime of PID (all threads)
  local s; s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  s="${s##*) }"; awk '{print $12 + $13}' <<<"$s"
}
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
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

kv() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<" $2"; }   # kv KEY "BENCH line"

RAW="$WORK/runs.tsv"
printf 'workload\ttarget\trep\trequests\tduration_us\trps\tp50_us\tp90_us\tp99_us\tmax_us\tnon2xx\tconnect\tread\twrite\ttimeout\tcpu_us_per_req\thwm_kb\tforeign_cpu_pct\n' >"$RAW"
GW_ERRORS=0; OTHER_ERRORS=0; NOISY_RUNS=0; NOISY_PCT="${NOISY_PCT:-15}"

run_wrk() {  # run_wrk TARGET WORKLOAD SECS LOGFILE -> BENCH line on stdout
  local t="$1" w="$2" secs="$3" logf="$4" method conns threads url
  case "$w" in
    get-*)  method=GET;  url="${BASE[$t]}${GETPATH[$t]}" ;;
    post-*) method=POST; url="${BASE[$t]}/v1/statement" ;;
  esac
  case "$w" in
    *-64c) conns="$CONNS"; threads="$THREADS" ;;
    *-1c)  conns=1; threads=1 ;;
  esac
  BENCH_METHOD="$method" wrk -t "$threads" -c "$conns" -d "${secs}s" --timeout 5s \
    -s "$BENCH_DIR/wrk/bench.lua" "$url" >"$logf" 2>&1 || true
  grep '^BENCH ' "$logf" | tail -n1 || true
}

measure() {  # measure WORKLOAD TARGET REP
  local w="$1" t="$2" rep="$3" line cpu0 cpu1 reqs dur rps p50 p90 p99 max non2xx con rd wr to cpu_req="" hwm="" errs
  local tag="$w/$t/rep$rep"
  if [ "$t" = gateway ] && ! gw_alive; then gw_log_tail; die "gateway process died before $tag"; fi
  wait_idle
  if [ "$WARMUP" != 0 ]; then
    line="$(run_wrk "$t" "$w" "$WARMUP" "$WORK/wrk-$w-$t-$rep-warmup.log")"
    [ -n "$line" ] || log "warm-up $tag: wrk printed no result (see $WORK/wrk-$w-$t-$rep-warmup.log)"
  fi
  if [ "$t" = gateway ] && [[ "$w" == *-64c ]]; then
    echo 5 >"/proc/$GW_PID/clear_refs" 2>/dev/null || true   # reset VmHWM to current RSS
  fi
  cpu0="$(cpu_ticks_of "$t")"; local sys0 ours0 steal0 foreign t0
  t0="$(now_us)"; sys0="$(sys_busy_ticks)"; steal0="$(sys_steal_ticks)"; ours_ticks; ours0="$OURS"
  line="$(run_wrk "$t" "$w" "$DURATION" "$WORK/wrk-$w-$t-$rep.log")"
  cpu1="$(cpu_ticks_of "$t")"
  # CPU used by anything but this benchmark during the run (+ steal), in % of one CPU
  ours_ticks
  foreign="$(foreign_pct "$(( $(sys_busy_ticks) - sys0 + $(sys_steal_ticks) - steal0 - (OURS - ours0) ))" "$(( $(now_us) - t0 ))")"
  if [ -z "$line" ]; then
    echo "!! $tag: wrk printed no result:" >&2; cat "$WORK/wrk-$w-$t-$rep.log" >&2
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
echo "   $("$NGINX_BIN" -v 2>&1 | head -n1) (workers: $NGINX_WORKERS), $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}')"
if has_target gateway; then
  echo "   gateway: $JAR ($(java -version 2>&1 | head -n1)); JVM opts: $GATEWAY_JAVA_OPTS"
fi
echo "   runs: ${DURATION}s measured after ${WARMUP}s warm-up, $REPS rep(s) per (workload, target), interleaved$(has_target gateway && echo "; initial gateway warm-up ${GW_WARMUP}s per 64c workload")"
echo "   workloads: get = follow-up GET (RUNNING page, $(wc -c <"$WORK/preflight-${TARGET_LIST[0]}-get.json") B), post = submit POST 'SELECT 1' (QUEUED, $(wc -c <"$WORK/preflight-${TARGET_LIST[0]}-post.json") B)"
echo "              64c = $CONNS connections / $THREADS wrk threads, 1c = 1 connection / 1 thread"
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
