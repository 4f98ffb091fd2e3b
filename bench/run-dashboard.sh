#!/usr/bin/env bash
# The dashboard target (issue 6): the views' panel queries p95 under 50 ms, the Overview's first
# paint under 1 s, with 24 h of data. Starts the collector on a fresh embedded database, seeds a
# day of one doorbell agent's data over the agent protocol, waits for the rollups, then (a) replays
# the Overview's and the Performance view's queries for the 24 h range (DashboardBench queries)
# and (b) loads the Overview in headless Chromium 10 times (DashboardPaint).
#   BEFORE_JAR=/path/to/older/peephole-collector.jar: the same measurements with that build first,
#   on the same database (side by side in one run).
#   REQUESTS (20), LOADS (10), HOURS (24), WARMUP_PASSES (5: passes over both views' queries
#   before timing, so a just-started collector's JIT warm-up is not timed); WRITE_RESULTS=0 to
#   leave bench/results alone;
#   COLLECTOR_JAVA_OPTS: extra JVM options of the collector (e.g. -XX:StartFlightRecording=...).
set -euo pipefail
cd "$(dirname "$0")/.."
# The first paint is measured in headless Chromium: installed up front, as ./peephole test does,
# rather than failing after the queries' part has run.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "Installing chromium chromium-driver" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
COLLECTOR_JAR=${COLLECTOR_JAR:-collector/target/peephole-collector.jar}
BENCH_JAR=bench/target/peephole-bench.jar
REQUESTS=${REQUESTS:-20}
LOADS=${LOADS:-10}
HOURS=${HOURS:-24}
WARMUP_PASSES=${WARMUP_PASSES:-5}
if [ ! -f "$COLLECTOR_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
  mvn -B -q package -DskipTests -pl collector,bench -am
fi
WORK=$(mktemp -d)
DATA_DIR="$WORK/data"
stop_collector() {
  if [ -n "${COLLECTOR_PID:-}" ] && kill -0 "$COLLECTOR_PID" 2>/dev/null; then
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
ADMIN_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
AGENT_TOKEN="bench-token-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
start_collector() {
  # fresh ports for each start: another build may have taken the last ones in between
  mapfile -t PORTS < <(java -cp "$BENCH_JAR" dev.peephole.bench.FreePort 4)
  HTTP="http://127.0.0.1:${PORTS[0]}"
  env -u PEEPHOLE_DB_URL PEEPHOLE_HTTP_PORT="${PORTS[0]}" PEEPHOLE_GRPC_PORT="${PORTS[1]}" \
    PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" \
    PEEPHOLE_DATA_DIR="$DATA_DIR" PEEPHOLE_ADMIN_PASSWORD="$ADMIN_PASSWORD" PEEPHOLE_AGENT_TOKEN="$AGENT_TOKEN" \
    PEEPHOLE_ROLLUP_INTERVAL=5s PEEPHOLE_INGEST_MAX_TIME_SKEW=48h \
    java -Xms1g -Xmx1g ${COLLECTOR_JAVA_OPTS:-} -jar "$1" >>"$WORK/collector.log" 2>&1 &
  COLLECTOR_PID=$!
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/ready" || true)" = 200 ] && return 0
    sleep 0.5
  done
  echo "the collector $1 did not get ready" >&2
  return 1
}
measure() {
  echo "== $1 ($2), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xms256m -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.DashboardBench queries --http "$HTTP" \
    --password "$ADMIN_PASSWORD" --hours "$HOURS" --requests "$REQUESTS" --warmup-passes "$WARMUP_PASSES"
  java -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.DashboardPaint --http "$HTTP" --password "$ADMIN_PASSWORD" \
    --loads "$LOADS" --range "${HOURS}h" 2>"$WORK/paint.log" || { cat "$WORK/paint.log" >&2; return 1; }
}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
{
  start_collector "$COLLECTOR_JAR"
  PG_PORT=$(sed -n 4p "$DATA_DIR/postgres/postmaster.pid")
  java -Xms256m -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.DashboardBench seed --grpc-port "${PORTS[1]}" \
    --token "$AGENT_TOKEN" --jdbc "jdbc:postgresql://localhost:$PG_PORT/postgres" --hours "$HOURS"
  if [ -n "${BEFORE_JAR:-}" ]; then
    stop_collector
    start_collector "$BEFORE_JAR"
    measure before "$BEFORE_JAR"
    stop_collector
    start_collector "$COLLECTOR_JAR"
  fi
  measure after "$COLLECTOR_JAR (commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- collector dashboard-ui || echo ', with uncommitted changes'))"
  stop_collector
} > "$WORK/out.txt"
OUT=$(cat "$WORK/out.txt")
echo "$OUT"
if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  {
    echo "# Dashboard benchmark, $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Commit \`$(git rev-parse --short HEAD)\`, $(nproc) cores, load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Collector: \`java -Xms1g -Xmx1g -jar\`, embedded PostgreSQL, one doorbell agent's data seeded over the agent protocol."
    echo
    echo '```'
    echo "$OUT"
    echo '```'
  } > "bench/results/dashboard-$(date -u +%Y-%m-%d-%H%M).md"
fi
