#!/usr/bin/env bash
# The alerting target: 1,000 rules over 10,000 series evaluated in under 1 s per round.
# Starts the collector on a fresh embedded database with 1,000 generated rules (10 groups of
# 100, every 10 s), seeds 10,000 counter series, reads each group's evaluation time from
# /api/v1/rules over 10 rounds, writes bench/results/rules-<date>-<HHMM>.md. Runs twice, side by side:
# rules of a group one after another (PEEPHOLE_RULE_CONCURRENCY=1) and four at a time (the default).
# PEEPHOLE_RULE_BATCH_READS=false in the environment compares with each rule reading on its own.
# RULE_CONCURRENCIES="1" runs one side only; COLLECTOR_JAVA_OPTS adds JVM options to the collector
# (e.g. "-XX:StartFlightRecording=filename=/tmp/rules.jfr" to profile a run); KEEP_WORK=1 keeps the
# work folder (collector log, data) and prints where it is; COLLECTOR_JAR runs another build of the
# collector (e.g. an earlier commit's, to compare before and after in one session).
set -euo pipefail
cd "$(dirname "$0")/.."
COLLECTOR_JAR=${COLLECTOR_JAR:-collector/target/peephole-collector.jar}
BENCH_JAR=bench/target/peephole-bench.jar
if [ ! -f "$COLLECTOR_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
  mvn -B -q package -DskipTests -pl collector,bench -am
fi
WORK=$(mktemp -d)
cleanup() {
  rc=$?
  if [ -n "${COLLECTOR_PID:-}" ] && kill -0 "$COLLECTOR_PID" 2>/dev/null; then
    kill -TERM "$COLLECTOR_PID"; wait "$COLLECTOR_PID" 2>/dev/null || true
  fi
  [ "$rc" = 0 ] || tail -30 "$WORK/collector.log" >&2 || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
java -cp "$BENCH_JAR" dev.peephole.bench.RuleBench write-rules "$WORK/rules" "$@"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=""
for CONCURRENCY in ${RULE_CONCURRENCIES:-1 4}; do
  mapfile -t PORTS < <(java -cp "$BENCH_JAR" dev.peephole.bench.FreePort 4)
  ADMIN_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  env -u PEEPHOLE_DB_URL PEEPHOLE_HTTP_PORT="${PORTS[0]}" PEEPHOLE_GRPC_PORT="${PORTS[1]}" \
    PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" \
    PEEPHOLE_DATA_DIR="$WORK/data-$CONCURRENCY" PEEPHOLE_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    PEEPHOLE_RULES="$WORK/rules" PEEPHOLE_DEFAULT_RULES=false PEEPHOLE_RULE_CONCURRENCY="$CONCURRENCY" \
    java -Xms1g -Xmx1g ${COLLECTOR_JAVA_OPTS:-} -jar "$COLLECTOR_JAR" >"$WORK/collector.log" 2>&1 &
  COLLECTOR_PID=$!
  for _ in $(seq 1 180); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[0]}/ready" || true)" = 200 ] && break
    sleep 0.5
  done
  PG_PORT=$(sed -n 4p "$WORK/data-$CONCURRENCY/postgres/postmaster.pid")
  RUN=$(java -Xms256m -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.RuleBench measure \
    --jdbc "jdbc:postgresql://localhost:$PG_PORT/postgres" --http "http://127.0.0.1:${PORTS[0]}" \
    --password "$ADMIN_PASSWORD" "$@")
  OUT="$OUT"$'\n'"PEEPHOLE_RULE_CONCURRENCY=$CONCURRENCY"$'\n'"$RUN"$'\n'
  kill -TERM "$COLLECTOR_PID"; wait "$COLLECTOR_PID" 2>/dev/null || true
  COLLECTOR_PID=""
done
echo "$OUT"
if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  {
    echo "# Rule evaluation benchmark, $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Commit \`$(git rev-parse --short HEAD)\`, $(nproc) cores, load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Collector: \`java -Xms1g -Xmx1g ${COLLECTOR_JAVA_OPTS:-} -jar $COLLECTOR_JAR\`, embedded PostgreSQL, rules from \`RuleBench write-rules\`."
    echo
    echo '```'
    echo "$OUT"
    echo '```'
  } > "bench/results/rules-$(date -u +%Y-%m-%d-%H%M).md"
fi
