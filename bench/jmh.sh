#!/usr/bin/env bash
# Switchboard microbenchmarks and heap footprint (bench/jmh): JMH for the statement URI rewriter and the routing
# decision, then the heap that a million entries of the query map, the recent-query list and the in-flight tracker
# take. Builds bench/jmh/target/benchmarks.jar when needed. Prints compact tables; see bench/README.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

FORKS=1; WI=3; W=2s; I=5; R=2s
ENTRIES=1000000
JOL=1
DETAIL=0
ONLY=""
KEEP=0
EXTRA=()
HEAP_JAVA_OPTS="${HEAP_JAVA_OPTS:--Xmx3g -XX:+UseParallelGC}"

usage() {
  cat <<USAGE
usage: bench/jmh.sh [options] [-- extra JMH options]
  --quick            smoke run: JMH 1 x 1 s warm-up, 2 x 1 s measured; heap with 100,000 entries, no JOL
  --only jmh|heap    run only the JMH benchmarks or only the heap footprint
  --forks N          JMH forks (default $FORKS)
  --warmup N         JMH warm-up iterations of $W (default $WI)
  --iterations N     JMH measured iterations of $R (default $I)
  --entries N        entries per structure for the heap footprint (default $ENTRIES)
  --no-jol           heap by used heap after full GC only (fast); default: JOL GraphLayout, cross-checked by GC
  --detail           heap: also the classes that hold most of each structure
  --keep             keep the work dir (JMH log and CSV, heap output)
env: HEAP_JAVA_OPTS (default "-Xmx3g -XX:+UseParallelGC")
USAGE
}

while [ $# -gt 0 ]; do
  case "$1" in
    --quick) WI=1; W=1s; I=2; R=1s; ENTRIES=100000; JOL=0 ;;
    --only) ONLY="$2"; shift ;;
    --forks) FORKS="$2"; shift ;;
    --warmup) WI="$2"; shift ;;
    --iterations) I="$2"; shift ;;
    --entries) ENTRIES="$2"; shift ;;
    --no-jol) JOL=0 ;;
    --detail) DETAIL=1 ;;
    --keep) KEEP=1 ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
case "$ONLY" in ""|jmh|heap) ;; *) echo "--only takes jmh or heap" >&2; exit 2 ;; esac

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
command -v java >/dev/null 2>&1 || { echo "java not on PATH (Java 17 needed)" >&2; exit 1; }
WORK="$(mktemp -d /tmp/switchboard-jmh.XXXXXX)"
FAILED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$KEEP" = 1 ] || [ "$FAILED" = 1 ] || [ "$rc" -ne 0 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_bench_jar
JAVA_VERSION="$(java -version 2>&1 | head -n1)"

fmt_num() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "" || v == "NaN") print "-"; else printf "%.*f", d, v }'; }

if [ "$ONLY" != heap ]; then
  runs=4
  secs="$(awk -v f="$FORKS" -v wi="$WI" -v w="${W%s}" -v i="$I" -v r="${R%s}" -v n="$runs" 'BEGIN { printf "%d", n * f * (wi * w + i * r + 2) }')"
  log "JMH: $runs benchmark runs, forks $FORKS, warm-up $WI x $W, measured $I x $R: about ${secs} s (log: $WORK/jmh.log)"
  java -jar "$BENCH_JAR" 'io.switchboard.bench.*' -f "$FORKS" -wi "$WI" -w "$W" -i "$I" -r "$R" \
    -rf csv -rff "$WORK/jmh.csv" "${EXTRA[@]}" >"$WORK/jmh.log" 2>&1 \
    || { tail -n 40 "$WORK/jmh.log" >&2; FAILED=1; die "JMH failed (log: $WORK/jmh.log)"; }
  # CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: ...": no field has a comma
  row() {  # row BENCHMARK-SUFFIX PARAM-VALUE -> "score error"
    tr -d '"\r' <"$WORK/jmh.csv" | awk -F, -v b="$1" -v p="$2" \
      'NR > 1 && substr($1, length($1) - length(b) + 1) == b && (p == "" || index($0, "," p) > 0) { print $5, $6; exit }'
  }
  mbs() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f MB/s", s / 1e6; if (e != "" && e != "NaN") printf " ± %.1f", e / 1e6 }'; }
  ns() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.0f ns/decision", s; if (e != "" && e != "NaN") printf " ± %.0f", e }'; }
  read -r rw_s rw_e <<<"$(row 'RewriterBenchmark.rewrite:bytes' '')"
  read -r po_s po_e <<<"$(row 'RewriterBenchmark.parseOnly:bytes' '')"
  read -r ll_s ll_e <<<"$(row 'RouterBenchmark.route' 'least-loaded')"
  read -r wr_s wr_e <<<"$(row 'RouterBenchmark.route' 'weighted-round-robin')"
  page_kib="$(tr -d '"\r' <"$WORK/jmh.csv" | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "Param: pageBytes") k = i } NR > 1 && k && $k != "" { printf "%d", $k / 1024; exit }')"
  {
    printf 'INFO\tURI rewriter, %s KiB statement page in 8 KiB chunks (JMH)\t%s\treported (no target)\t-\n' "$page_kib" "$(mbs "$rw_s" "$rw_e")"
    printf 'INFO\tJackson parse only, same page: the floor (JMH)\t%s\treported (no target)\t-\n' "$(mbs "$po_s" "$po_e")"
    printf 'INFO\trouting decision, 50 clusters, least-loaded (JMH)\t%s\treported (no target)\t-\n' "$(ns "$ll_s" "$ll_e")"
    printf 'INFO\trouting decision, 50 clusters, weighted-round-robin (JMH)\t%s\treported (no target)\t-\n' "$(ns "$wr_s" "$wr_e")"
  } >"$WORK/jmh.tsv"
  write_results jmh "bench/jmh.sh forks=$FORKS warmup=${WI}x$W measured=${I}x$R; $JAVA_VERSION" <"$WORK/jmh.tsv"

  echo "== JMH  $(date -u +%Y-%m-%dT%H:%M:%SZ): forks $FORKS, warm-up $WI x $W, measured $I x $R; $JAVA_VERSION; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '| %-62s | %-28s |\n' benchmark "result (± 99.9% error)"
  printf '|%s|%s|\n' "$(printf -- '-%.0s' {1..64})" "$(printf -- '-%.0s' {1..30})"
  while IFS=$'\t' read -r _ what measured _ _; do printf '| %-62s | %-28s |\n' "$what" "$measured"; done <"$WORK/jmh.tsv"
  [ "$I" -lt 5 ] && echo "   note: $I measured iterations: indicative only"
  echo "   raw JMH table: $(sed -n '/^Benchmark /,$p' "$WORK/jmh.log" | wc -l) lines in the log; rerun with --keep to read it"
  echo
fi

if [ "$ONLY" != jmh ]; then
  heap_args=(--entries "$ENTRIES")
  [ "$JOL" = 1 ] || heap_args+=(--no-jol)
  [ "$DETAIL" = 1 ] && heap_args+=(--detail)
  log "heap footprint: $ENTRIES entries per structure$([ "$JOL" = 1 ] && echo ", JOL (a few minutes)")"
  # JOL reads record fields through its own offsets, and attaches its agent to this JVM
  # shellcheck disable=SC2086
  java $HEAP_JAVA_OPTS -Djol.magicFieldOffset=true -Djdk.attach.allowAttachSelf=true \
    --add-exports java.base/jdk.internal.vm.annotation=ALL-UNNAMED \
    -cp "$BENCH_JAR" io.switchboard.bench.HeapFootprint "${heap_args[@]}" >"$WORK/heap.log" 2>&1 \
    || { cat "$WORK/heap.log" >&2; FAILED=1; die "heap footprint failed"; }
  grep -v -e '^TARGET' -e '^INFO' "$WORK/heap.log"
  grep -e '^TARGET' -e '^INFO' "$WORK/heap.log" \
    | write_results heap "bench/jmh.sh HeapFootprint entries=$ENTRIES jol=$JOL; $JAVA_VERSION; $HEAP_JAVA_OPTS"
  echo
  print_target_header
  while IFS=$'\t' read -r _ workload measured target result; do
    print_target_row "$workload" "$measured" "$target" "$result"
  done < <(grep -e '^TARGET' -e '^INFO' "$WORK/heap.log")
fi
echo "   written to ${RESULTS_DIR#"$REPO_DIR"/}/$([ "$ONLY" = heap ] || echo -n "jmh.tsv ")$([ "$ONLY" = jmh ] || echo -n "heap.tsv")"
