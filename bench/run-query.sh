#!/usr/bin/env bash
# The query target: query_range over 24 h of 10 s data for 100 series answers in under
# 50 ms (p95). Starts the collector on a fresh embedded database, seeds the data, waits for
# the rollups, times query_range over HTTP, writes bench/results/query-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# COLLECTOR_JAR: another build of the collector (e.g. a copy of the jar before a change), for
# before/after runs; COLLECTOR_JAVA_OPTS: extra JVM options (e.g. -XX:StartFlightRecording=...).
COLLECTOR_JAR=${COLLECTOR_JAR:-collector/target/peephole-collector.jar}
BENCH_JAR=bench/target/peephole-bench.jar
if [ ! -f "$COLLECTOR_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
  mvn -B -q package -DskipTests -pl collector,bench -am
fi
WORK=$(mktemp -d)
DATA_DIR="$WORK/data"
cleanup() {
  rc=$?
  if [ -n "${COLLECTOR_PID:-}" ] && kill -0 "$COLLECTOR_PID" 2>/dev/null; then
    kill -TERM "$COLLECTOR_PID"; wait "$COLLECTOR_PID" 2>/dev/null || true
  fi
  [ "$rc" = 0 ] || tail -30 "$WORK/collector.log" >&2 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
mapfile -t PORTS < <(java -cp "$BENCH_JAR" dev.peephole.bench.FreePort 4)
ADMIN_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
env -u PEEPHOLE_DB_URL PEEPHOLE_HTTP_PORT="${PORTS[0]}" PEEPHOLE_GRPC_PORT="${PORTS[1]}" \
  PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" \
  PEEPHOLE_DATA_DIR="$DATA_DIR" PEEPHOLE_ADMIN_PASSWORD="$ADMIN_PASSWORD" PEEPHOLE_ROLLUP_INTERVAL=5s \
  java -Xms1g -Xmx1g ${COLLECTOR_JAVA_OPTS:-} -jar "$COLLECTOR_JAR" >"$WORK/collector.log" 2>&1 &
COLLECTOR_PID=$!
for _ in $(seq 1 180); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[0]}/ready" || true)" = 200 ] && break
  sleep 0.5
done
PG_PORT=$(sed -n 4p "$DATA_DIR/postgres/postmaster.pid")
PG_PID=$(sed -n 1p "$DATA_DIR/postgres/postmaster.pid")
OUT=$(java -Xms256m -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.QueryBench \
  --jdbc "jdbc:postgresql://localhost:$PG_PORT/postgres" --http "http://127.0.0.1:${PORTS[0]}" \
  --password "$ADMIN_PASSWORD" --collector-pid "$COLLECTOR_PID" --postgres-pid "$PG_PID" "$@")
echo "$OUT"
if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  {
    echo "# Query benchmark, $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Commit \`$(git rev-parse --short HEAD)\`, $(nproc) cores, load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Collector: \`java -Xms1g -Xmx1g -jar $COLLECTOR_JAR\`, embedded PostgreSQL; requests over HTTP with Basic auth, one at a time."
    echo
    echo '```'
    echo "$OUT"
    echo '```'
  } > "bench/results/query-$(date -u +%Y-%m-%d).md"
fi
