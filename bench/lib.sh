# Shared by bench/run.sh and bench/concurrent.sh: sourced, not run.
# The caller sets BENCH_DIR, REPO_DIR and WORK (a private temp dir), and FAILED=0; the functions below use them.

log()  { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[bench] ERROR: %s\n' "$*" >&2; FAILED=1; exit 1; }

# need_tools CMD... : installs the missing ones with apt-get when running as root (Debian package = command name, but h2load comes in nghttp2-client)
need_tools() {
  local missing=() tool
  for tool in "$@"; do
    case "$tool" in
      nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx) ;;
      h2load) command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client) ;;
      *) command -v "$tool" >/dev/null 2>&1 || missing+=("$tool") ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing ${missing[*]}; run as root (apt-get install) or install them" >&2; exit 1
  fi
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

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

# ---------------------------------------------------------------- nginx
NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
NGINX_WORKERS="${NGINX_WORKERS:-auto}"

# json_body FILE PORT QUERY_ID -> bench/stub/FILE as one line, safe inside an nginx '...' string, with @PORT@ and
# @QUERY_ID@ filled in. QUERY_ID may be an nginx variable such as ${qid}: nginx expands it per request.
json_body() {
  local raw s
  raw="$(sed 's/^[[:space:]]*//' "$BENCH_DIR/stub/$1" | tr -d '\n')"
  case "$raw" in *"'"*|*'$'*|*'\'*) die "stub/$1 must not contain ' \$ or \\" ;; esac
  s="$(sed "s/@PORT@/$2/g; s/@QUERY_ID@/$3/g" <<<"$raw")"
  [ "${#s}" -lt 4000 ] || die "stub/$1 too long for an nginx config token (${#s} bytes)"
  printf '%s' "$s"
}

# query_id_map -> an nginx map that gives each request its own Trino-shaped query id in $bench_qid
# (yyyyMMdd_HHmmss_NNNNN_xxxxx, digits where Trino has digits): the clock's seconds and milliseconds and 20 random
# bits of nginx's request id, so that every submission is a new query to the gateway, as in production.
query_id_map() {
  echo '  map "$msec:$request_id" $bench_qid { "~^[0-9]{4}(?<s>[0-9]{6})[.](?<ms>[0-9]{3}):(?<r>[0-9a-f]{5})" "20261126_${s}_${ms}00_${r}"; }'
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

start_nginx() {  # start_nginx NAME PORT... -> pid in NGINX_PID; conf in $WORK/NAME/nginx.conf
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

# ---------------------------------------------------------------- gateway
GW_PID=""; GW_URL=""; GW_ADMIN=""
gw_alive() { [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; }
gw_log_tail() { echo "---- last 40 lines of $WORK/gateway.log ----" >&2; tail -n 40 "$WORK/gateway.log" >&2 || true; echo "----" >&2; }

# write_gateway_config: $WORK/gateway.yaml over the two stub clusters ($PORT_A, $PORT_B), with server.io-threads from
# GATEWAY_IO_THREADS and server.transport from GATEWAY_TRANSPORT and backend.idle-purge-interval from GATEWAY_PURGE_INTERVAL when set, and a fresh admin token in GW_ADMIN_TOKEN (exported as SWITCHBOARD_ADMIN_TOKEN for the tools that read the admin API)
write_gateway_config() {
  GW_ADMIN_TOKEN="bench-admin-token-$RANDOM$RANDOM$RANDOM"
  export SWITCHBOARD_ADMIN_TOKEN="$GW_ADMIN_TOKEN"
  cat >"$WORK/gateway.yaml" <<YAML
server:
  listen: 127.0.0.1:0${GATEWAY_IO_THREADS:+
  io-threads: $GATEWAY_IO_THREADS}${GATEWAY_TRANSPORT:+
  transport: $GATEWAY_TRANSPORT}
admin:
  listen: 127.0.0.1:0
  token: $GW_ADMIN_TOKEN
health:
  interval: 2s${GATEWAY_PURGE_INTERVAL:+
backend:
  idle-purge-interval: $GATEWAY_PURGE_INTERVAL}
clusters:
  - id: stub-a
    uri: http://127.0.0.1:$PORT_A
    routing-group: adhoc
  - id: stub-b
    uri: http://127.0.0.1:$PORT_B
    routing-group: adhoc
YAML
}

# start_gateway JAR CLUSTERS: runs a private copy of JAR on $WORK/gateway.yaml with $GATEWAY_JAVA_OPTS, waits for its
# ready file and until the admin API shows CLUSTERS healthy clusters. Sets GW_PID, GW_URL, GW_ADMIN.
start_gateway() {
  local jar="$1" want="$2" i body healthy=0
  # a private copy: a rebuild of the jar during the benchmark must not pull it from under the JVM
  cp "$jar" "$WORK/switchboard.jar"
  # shellcheck disable=SC2086
  # MALLOC_ARENA_MAX as bin/switchboard and the container image set it
  MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" java $GATEWAY_JAVA_OPTS -jar "$WORK/switchboard.jar" --config "$WORK/gateway.yaml" --ready-file "$WORK/gateway.ready" \
    >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  log "gateway starting (pid $GW_PID): java $GATEWAY_JAVA_OPTS -jar $jar"
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
  log "gateway ready: proxy=$GW_URL admin=$GW_ADMIN; waiting for $want clusters healthy"
  for i in $(seq 1 300); do
    body="$(curl -s --max-time 2 -H "Authorization: Bearer ${GW_ADMIN_TOKEN:-}" "$GW_ADMIN/v1/gateway/clusters" || true)"
    healthy="$(grep -o '"healthy"[[:space:]]*:[[:space:]]*true' <<<"$body" | wc -l || true)"
    [ "$healthy" -ge "$want" ] && break
    gw_alive || { gw_log_tail; die "gateway exited while waiting for healthy clusters"; }
    sleep 0.2
  done
  [ "$healthy" -ge "$want" ] || { echo "last /v1/gateway/clusters answer: $body" >&2; gw_log_tail; die "clusters not healthy after 60 s"; }
  log "$want clusters healthy"
}

# ---------------------------------------------------------------- /proc
proc_cpu_ticks() {  # utime+stime of PID (all threads)
  local s; s="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  s="${s##*) }"; awk '{print $12 + $13}' <<<"$s"
}
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- results shared between the scripts
# Each script leaves its verdicts in bench/results/NAME.tsv: a '# ' header line (when, how) and one line per row:
#   TARGET<TAB>workload<TAB>measured<TAB>target<TAB>PASS|FAIL|SMOKE     or     INFO<TAB>what<TAB>measured<TAB>-<TAB>-
RESULTS_DIR="${SWITCHBOARD_BENCH_RESULTS:-$BENCH_DIR/results}"
write_results() {  # write_results NAME HEADER < rows
  mkdir -p "$RESULTS_DIR"
  { printf '# %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$2"; cat; } >"$RESULTS_DIR/$1.tsv.tmp"
  mv "$RESULTS_DIR/$1.tsv.tmp" "$RESULTS_DIR/$1.tsv"
}
# print_target_header, print_target_row WORKLOAD MEASURED TARGET RESULT: a Markdown table, as in the issue
print_target_header() {
  print_target_row workload measured target result
  printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..62})" "$(printf -- '-%.0s' {1..66})" "$(printf -- '-%.0s' {1..38})" "--------"
}
print_target_row() { printf '| %-60s | %-64s | %-36s | %-6s |\n' "$1" "$2" "$3" "$4"; }

# ---------------------------------------------------------------- bench/jmh/target/benchmarks.jar
BENCH_JAR="$REPO_DIR/bench/jmh/target/benchmarks.jar"
# ensure_bench_jar: builds the benchmark jar (and the modules it needs) when it is missing or older than its sources;
# from clean, because an incremental build keeps benchmark classes compiled against a changed API (NoSuchMethodError)
ensure_bench_jar() {
  local newer=""
  if [ -f "$BENCH_JAR" ]; then
    newer="$(find "$REPO_DIR/bench/jmh/src" "$REPO_DIR/bench/jmh/pom.xml" "$REPO_DIR/gateway-core/src/main" "$REPO_DIR/gateway-routing/src/main" \
      -newer "$BENCH_JAR" -type f -print -quit 2>/dev/null || true)"
    [ -z "$newer" ] && return 0
    log "benchmarks.jar is older than $newer: rebuilding"
  else
    log "building bench/jmh/target/benchmarks.jar"
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not on PATH: cannot build $BENCH_JAR"
  ( cd "$REPO_DIR" && { mvn -B -q -o -pl bench/jmh -am clean package -DskipTests >"$WORK/mvn.log" 2>&1 \
      || mvn -B -q -pl bench/jmh -am clean package -DskipTests >>"$WORK/mvn.log" 2>&1; } ) \
    || { tail -n 30 "$WORK/mvn.log" >&2; die "building bench/jmh failed (log: $WORK/mvn.log)"; }
}
