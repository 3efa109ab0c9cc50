#!/usr/bin/env bash
# Paired A/B of two gateway builds or JVM settings: both run at the same time, each behind its own nginx stub and
# its own wrk (bench/run.sh --targets gateway), so that whatever else slows the machine (other tenants of the host,
# which move single runs here by +-15 %) slows both alike. Prints B/A per measured repetition and their median.
#
#   bench/pair.sh [--pairs N] [--reps N] [--workload W] A_JAR B_JAR
#   env A_OPTS, B_OPTS: extra JVM options of A and B (after bench/run.sh's defaults)
#
# The first repetition of every pair is left out of the median: the two initial warm-ups overlap it unevenly.
# Only talks to 127.0.0.1.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PAIRS=2; REPS=3; WORKLOAD=get-64c
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) PAIRS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --workload) WORKLOAD="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || { echo "usage: bench/pair.sh [--pairs N] [--reps N] [--workload W] A_JAR B_JAR" >&2; exit 2; }
[ "$REPS" -ge 2 ] || { echo "--reps must be at least 2 (the first repetition is left out)" >&2; exit 2; }
A_JAR="$1"; B_JAR="$2"
DEFAULT_OPTS="-Xmx120m -XX:+UseSerialGC -XX:TrimNativeHeapInterval=5000 -XX:-UsePerfData"
WORK="$(mktemp -d /tmp/switchboard-pair.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

side() {  # side JAR OPTS TSV LOG; its verdict files stay in $WORK, not in bench/results
  SWITCHBOARD_BENCH_RESULTS="$WORK/results-$(basename "$3" .tsv)" GATEWAY_JAVA_OPTS="$DEFAULT_OPTS $2" "$BENCH_DIR/run.sh" --jar "$1" --targets gateway --workloads "$WORKLOAD" \
    --reps "$REPS" --duration 10 --warmup 2 --gateway-warmup 15 --out "$3" >"$4" 2>&1
}
column() {  # column TSV NAME -> values of reps >= 2
  awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } $3 >= 2 { print $k }' "$1"
}

RATIOS="$WORK/ratios"
: >"$RATIOS"
printf '%-5s %-4s %12s %12s %8s %14s %14s\n' pair rep 'A req/s' 'B req/s' 'B/A' 'A cpu us/req' 'B cpu us/req'
for p in $(seq 1 "$PAIRS"); do
  side "$A_JAR" "${A_OPTS:-}" "$WORK/a.tsv" "$WORK/a.log" & a=$!
  side "$B_JAR" "${B_OPTS:-}" "$WORK/b.tsv" "$WORK/b.log" & b=$!
  wait "$a" || { tail -n 20 "$WORK/a.log" >&2; exit 1; }
  wait "$b" || { tail -n 20 "$WORK/b.log" >&2; exit 1; }
  paste <(column "$WORK/a.tsv" rps) <(column "$WORK/b.tsv" rps) <(column "$WORK/a.tsv" cpu_us_per_req) <(column "$WORK/b.tsv" cpu_us_per_req) |
    awk -v p="$p" '{ r = $2 / $1; printf "%-5s %-4s %12.0f %12.0f %8.3f %14s %14s\n", p, NR + 1, $1, $2, r, $3, $4; print r >> "'"$RATIOS"'" }'
done
median="$(sort -g "$RATIOS" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
printf 'B/A requests/s: median %.3f over %d measured repetitions (A = %s %s, B = %s %s)\n' "$median" "$(wc -l <"$RATIOS")" \
  "$A_JAR" "${A_OPTS:-}" "$B_JAR" "${B_OPTS:-}"
