#!/usr/bin/env bash
# The cost of security events at ingest: the collector (built jar, fresh embedded database)
# takes span batches from IngestLoad alternately without (--kind spans) and with
# (--kind recognition-spans: each RecognitionService.match span carries the doorbell
# profile's recognition attributes, so it becomes a security event) recognition results,
# ROUNDS times each, so the growing tables weigh on both alike. Prints IngestLoad's RESULT
# lines and the collector's commit time per phase (peephole_ingest_commit_seconds).
# Settings (environment): ROUNDS (3), MEASURE_SECONDS (20), WARMUP_SECONDS (10), AGENTS (8),
# BATCH (1000), INFLIGHT (4).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROUNDS=${ROUNDS:-3}; MEASURE_SECONDS=${MEASURE_SECONDS:-20}; WARMUP_SECONDS=${WARMUP_SECONDS:-10}
AGENTS=${AGENTS:-8}; BATCH=${BATCH:-1000}; INFLIGHT=${INFLIGHT:-4}
[ -f collector/target/peephole-collector.jar ] && [ -f bench/target/peephole-bench.jar ] \
  || mvn -B -q package -DskipTests -pl collector,bench -am
WORK=$(mktemp -d -t peephole-recognition.XXXXXX)
CPID=
cleanup() {
  if [ -n "$CPID" ] && kill -0 "$CPID" 2>/dev/null; then kill -TERM "$CPID"; wait "$CPID" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
mapfile -t PORTS < <(java -cp bench/target/peephole-bench.jar dev.peephole.bench.FreePort 4)
TOKEN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
ADMIN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
env -u PEEPHOLE_DB_URL -u PEEPHOLE_DB_USER -u PEEPHOLE_DB_PASSWORD \
  PEEPHOLE_HTTP_PORT="${PORTS[0]}" PEEPHOLE_GRPC_PORT="${PORTS[1]}" PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" \
  PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" PEEPHOLE_DATA_DIR="$WORK/data" PEEPHOLE_AGENT_TOKEN="$TOKEN" \
  PEEPHOLE_ADMIN_PASSWORD="$ADMIN" java -Xms1g -Xmx1g -jar collector/target/peephole-collector.jar >"$WORK/collector.log" 2>&1 &
CPID=$!
for _ in $(seq 1 180); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[0]}/ready" || true)" = 200 ] && break
  sleep 0.5
done
commit() { # prints "seconds spans" of the collector so far
  curl -s -u "admin:$ADMIN" "http://127.0.0.1:${PORTS[0]}/metrics" | awk '
    /^peephole_ingest_commit_seconds_sum/ {s=$2} /^peephole_ingest_spans_total/ {n=$2} END {printf "%s %s\n", s, n}'
}
for _ in $(seq 1 "$ROUNDS"); do
  for kind in spans recognition-spans; do
    read -r s0 n0 < <(commit)
    java -Xms256m -Xmx512m -cp bench/target/peephole-bench.jar dev.peephole.bench.IngestLoad \
      --target "127.0.0.1:${PORTS[1]}" --token "$TOKEN" --kind "$kind" --agents "$AGENTS" \
      --seconds "$MEASURE_SECONDS" --warmup "$WARMUP_SECONDS" --batch "$BATCH" --inflight "$INFLIGHT" 2>/dev/null | grep '^RESULT'
    read -r s1 n1 < <(commit)
    awk -v s0="$s0" -v s1="$s1" -v n0="$n0" -v n1="$n1" -v k="$kind" \
      'BEGIN {printf "COMMIT kind=%s commit_us_per_span=%.1f spans=%d\n", k, (s1 - s0) * 1e6 / (n1 - n0), n1 - n0}'
  done
done
echo "security events stored, by kind:"
curl -s -u "admin:$ADMIN" "http://127.0.0.1:${PORTS[0]}/api/v1/query?query=sum%20by%20(kind)(peephole_security_events_total)"
echo
