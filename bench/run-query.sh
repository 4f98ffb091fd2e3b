#!/usr/bin/env bash
# The query target: query_range over 24 h of 10 s data for 100 series answers in under
# 50 ms (p95). For each variant, starts the collector on a fresh embedded database, seeds the
# data, waits for the rollups, times query_range over HTTP; writes
# bench/results/query-<date>-<time>.md with all variants, one after the other in one run.
#
# Settings (environment): VARIANTS (default "current"): space-separated LABEL=JAR[:CACHE_MB]
# (JAR: a collector jar, e.g. a copy of main's; CACHE_MB: PEEPHOLE_QUERY_ROLLUP_CACHE_MB, unset:
# the collector's default), e.g.
#   VARIANTS="before=/tmp/collector-main.jar no-cache=collector/target/peephole-collector.jar:0 \
#             cache=collector/target/peephole-collector.jar" bench/run-query.sh --requests 20
# COLLECTOR_JAVA_OPTS: extra JVM options (e.g. -XX:StartFlightRecording=...); WRITE_RESULTS (1).
# Arguments go to QueryBench (--requests 40, --warmup 50, --series 100, --hours 24, --interval-seconds 10).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --help ]; then sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
DEFAULT_JAR=collector/target/peephole-collector.jar
BENCH_JAR=bench/target/peephole-bench.jar
VARIANTS=${VARIANTS:-current=$DEFAULT_JAR}
if [ ! -f "$DEFAULT_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
  mvn -B -q package -DskipTests -pl collector,bench -am
fi
for v in $VARIANTS; do
  jar=${v#*=}; jar=${jar%%:*}
  [ -f "$jar" ] || { echo "run-query.sh: $jar (variant ${v%%=*}) not found" >&2; exit 2; }
done
WORK=$(mktemp -d)
COLLECTOR_PID=
stop_collector() {
  if [ -n "$COLLECTOR_PID" ] && kill -0 "$COLLECTOR_PID" 2>/dev/null; then
    kill -TERM "$COLLECTOR_PID"; wait "$COLLECTOR_PID" 2>/dev/null || true
  fi
  COLLECTOR_PID=
}
cleanup() {
  rc=$?
  stop_collector
  [ "$rc" = 0 ] || tail -30 "$WORK/collector.log" >&2 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
REPORT="$WORK/report.md"
: > "$REPORT"
for v in $VARIANTS; do
  label=${v%%=*}; spec=${v#*=}; jar=${spec%%:*}; cache=
  [ "$spec" != "$jar" ] && cache=${spec#*:}
  DATA_DIR="$WORK/data-$label"
  mapfile -t PORTS < <(java -cp "$BENCH_JAR" dev.peephole.bench.FreePort 4)
  ADMIN_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  env -u PEEPHOLE_DB_URL ${cache:+PEEPHOLE_QUERY_ROLLUP_CACHE_MB=$cache} PEEPHOLE_HTTP_PORT="${PORTS[0]}" \
    PEEPHOLE_GRPC_PORT="${PORTS[1]}" PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" \
    PEEPHOLE_DATA_DIR="$DATA_DIR" PEEPHOLE_ADMIN_PASSWORD="$ADMIN_PASSWORD" PEEPHOLE_ROLLUP_INTERVAL=5s \
    java -Xms1g -Xmx1g ${COLLECTOR_JAVA_OPTS:-} -jar "$jar" >"$WORK/collector.log" 2>&1 &
  COLLECTOR_PID=$!
  for _ in $(seq 1 180); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[0]}/ready" || true)" = 200 ] && break
    sleep 0.5
  done
  PG_PORT=$(sed -n 4p "$DATA_DIR/postgres/postmaster.pid")
  PG_PID=$(sed -n 1p "$DATA_DIR/postgres/postmaster.pid")
  LOAD_AT=$(cut -d' ' -f1-3 /proc/loadavg)
  OUT=$(java -Xms256m -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.QueryBench \
    --jdbc "jdbc:postgresql://localhost:$PG_PORT/postgres" --http "http://127.0.0.1:${PORTS[0]}" \
    --password "$ADMIN_PASSWORD" --collector-pid "$COLLECTOR_PID" --postgres-pid "$PG_PID" "$@")
  stop_collector
  rm -rf "$DATA_DIR"
  {
    echo "## $label: \`$jar\`${cache:+, PEEPHOLE_QUERY_ROLLUP_CACHE_MB=$cache}"
    echo
    echo "Load average at the start: $LOAD_AT."
    echo
    echo '```'
    echo "$OUT"
    echo '```'
    echo
  } >> "$REPORT"
  echo "== $label"; echo "$OUT"
done
if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  {
    echo "# Query benchmark, $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Commit \`$(git rev-parse --short HEAD)\`, $(nproc) cores, load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Collector: \`java -Xms1g -Xmx1g -jar JAR\` on a fresh embedded PostgreSQL per variant; requests over HTTP with Basic auth"
    echo "(no Accept-Encoding), one at a time; \"first\" is the first request of a query (nothing of it cached), p50/p95/max over"
    echo "the requests after the warm-ups (--warmup, 50 unless given (5 before 2 Dec 2026 16:00 UTC); each variant's output"
    echo "says; since then the warm-ups after the first read the answer as the timed ones do), timed until the answer's last"
    echo "byte arrived (from 2 Dec 2026 01:40 UTC; before that, until the client had decoded it into a string); cpu is the"
    echo "collector's and its PostgreSQL's CPU time per request."
    echo
    cat "$REPORT"
  } > "bench/results/query-$(date -u +%Y-%m-%d-%H%M).md"
fi
