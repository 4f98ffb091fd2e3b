#!/usr/bin/env bash
# What the rollup job (plain PostgreSQL's 1-minute and 1-hour rollups, RollupMaintainer) costs
# the database while points arrive, for this build and, with BEFORE_REF, another commit's
# collector, side by side in one run. Each variant starts its collector jar on a fresh embedded
# database (alert rules off), writes PRESEED_POINTS points into the last 45 minutes (today's
# partition as a busy collector has it; most of them behind the rollup watermark once the job has
# run, as on a collector that has been up), then feeds SERIES series a point every 10 s each
# (SERIES / 10 points a second, one INSERT a second from one psql session, on time: no late
# points) and reads PostgreSQL's CPU (postmaster and backends, from /proc) over MEASURE_SECONDS
# after WARMUP_SECONDS. The variant "off" is this build with the rollup job switched off: the
# cost of the feed itself, to subtract.
#
# Settings (environment): BEFORE_REF (unset: "off" and this build only; e.g. HEAD~1),
# SERIES (100000), PRESEED_POINTS (10000000), WARMUP_SECONDS (40), MEASURE_SECONDS (120),
# ROUNDS (1: the variants in turn, ROUNDS times), WRITE_RESULTS (1). Needs java, curl, psql.
# Writes bench/results/rollup-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --help ]; then sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0; fi
for tool in java curl psql awk; do
  command -v "$tool" >/dev/null || { echo "run-rollup.sh needs $tool" >&2; exit 1; }
done
SERIES=${SERIES:-100000}
PRESEED_POINTS=${PRESEED_POINTS:-10000000}
WARMUP_SECONDS=${WARMUP_SECONDS:-40}
MEASURE_SECONDS=${MEASURE_SECONDS:-120}
ROUNDS=${ROUNDS:-1}
COLLECTOR_JAR=collector/target/peephole-collector.jar
BENCH_JAR=bench/target/peephole-bench.jar
[ -f "$COLLECTOR_JAR" ] && [ -f "$BENCH_JAR" ] || mvn -B -q package -DskipTests -pl collector,bench -am </dev/null
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d -t peephole-rollup.XXXXXX)
COLLECTOR_PID=
FEED_PID=
stop_collector() {
  [ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null || true
  FEED_PID=
  if [ -n "$COLLECTOR_PID" ] && kill -0 "$COLLECTOR_PID" 2>/dev/null; then
    kill -TERM "$COLLECTOR_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$COLLECTOR_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$COLLECTOR_PID" 2>/dev/null || true
  fi
  COLLECTOR_PID=
}
cleanup() {
  stop_collector
  if [ -n "${BEFORE_REF:-}" ]; then git worktree remove --force "$WORK/before" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

VARIANTS=("off|$COLLECTOR_JAR|0s" "after|$COLLECTOR_JAR|30s")
if [ -n "${BEFORE_REF:-}" ]; then
  git worktree add -q --detach "$WORK/before" "$BEFORE_REF"
  echo "== building $BEFORE_REF's collector" >&2
  (cd "$WORK/before" && mvn -B -q -o package -DskipTests -pl collector -am </dev/null >"$WORK/before-build.log" 2>&1) \
    || { tail -20 "$WORK/before-build.log" >&2; exit 1; }
  VARIANTS=("off|$COLLECTOR_JAR|0s" "before|$WORK/before/collector/target/peephole-collector.jar|30s" "after|$COLLECTOR_JAR|30s")
fi

proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { # the postmaster (with its ended children) and its live children
  local t c
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat")
  for c in $(pgrep -P "$1"); do t=$((t + $(proc_ticks "$c"))); done
  echo "$t"
}

run_variant() { # run_variant NAME JAR INTERVAL ROUND
  local name=$1 jar=$2 interval=$3 round=$4 data ports pg_port pg_pid psqlc t0 t1 c0 c1
  data=$WORK/data-$name-$round
  mapfile -t ports < <(java -cp "$BENCH_JAR" dev.peephole.bench.FreePort 4)
  echo "== round $round: $name (rollup interval $interval)" >&2
  env -u PEEPHOLE_DB_URL -u PEEPHOLE_DB_USER -u PEEPHOLE_DB_PASSWORD \
    PEEPHOLE_HTTP_PORT="${ports[0]}" PEEPHOLE_GRPC_PORT="${ports[1]}" \
    PEEPHOLE_OTLP_GRPC_PORT="${ports[2]}" PEEPHOLE_OTLP_HTTP_PORT="${ports[3]}" \
    PEEPHOLE_DATA_DIR="$data" PEEPHOLE_AGENT_TOKEN="bench-rollup-token" PEEPHOLE_ADMIN_PASSWORD="bench-rollup-admin" \
    PEEPHOLE_ALERTING_ENABLED=false PEEPHOLE_ROLLUP_INTERVAL="$interval" \
    java -Xms1g -Xmx1g -jar "$jar" >"$WORK/collector-$name-$round.log" 2>&1 &
  COLLECTOR_PID=$!
  for _ in $(seq 1 180); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${ports[0]}/ready" || true)" = 200 ] && break
    sleep 0.5
  done
  pg_port=$(sed -n 4p "$data/postgres/postmaster.pid"); pg_pid=$(head -1 "$data/postgres/postmaster.pid")
  psqlc=(psql -X -q -v ON_ERROR_STOP=1 -h localhost -p "$pg_port" -U postgres -d postgres)
  # In time order, as points arrive (a block range of the BRIN index on t then spans a short time).
  "${psqlc[@]}" -c "INSERT INTO metric_points SELECT (i % $SERIES) + 1,
                      now() - interval '2700 seconds' + (i::float8 / $PRESEED_POINTS * 2700) * interval '1 second', random()
                    FROM generate_series(1, $PRESEED_POINTS) i" -c "ANALYZE metric_points"
  # The feed: each second a tenth of the series, so each series has a point every 10 s.
  "${psqlc[@]}" -c "DO \$\$ BEGIN FOR k IN 0..100000 LOOP
      INSERT INTO metric_points SELECT s, clock_timestamp(), random() FROM generate_series(k % 10 + 1, $SERIES, 10) s;
      COMMIT; PERFORM pg_sleep(1); END LOOP; END \$\$" >/dev/null 2>&1 &
  FEED_PID=$!
  sleep "$WARMUP_SECONDS"
  t0=$(date +%s.%N); c0=$(pg_ticks "$pg_pid")
  sleep "$MEASURE_SECONDS"
  t1=$(date +%s.%N); c1=$(pg_ticks "$pg_pid")
  awk -v n="$name" -v r="$round" -v c=$((c1 - c0)) -v k="$CLK_TCK" -v a="$t0" -v b="$t1" -v s="$SERIES" \
    'BEGIN {secs = b - a; cores = c / k / secs; printf "%s %s %.3f %.2f\n", n, r, cores, cores / (s / 10) * 1e6}' \
    >>"$WORK/results"
  stop_collector
  rm -rf "$data"
}

for r in $(seq 1 "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    IFS='|' read -r name jar interval <<<"$v"
    run_variant "$name" "$jar" "$interval" "$r"
  done
done

REPORT=$WORK/report.md
{
  echo "# Rollup job cost while points arrive, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Commit \`$(git rev-parse --short HEAD)\`$( [ -n "$(git status --porcelain -- collector)" ] && echo ' (with local changes)')${BEFORE_REF:+, before = \`$(git rev-parse --short "$BEFORE_REF")\`};"
  echo "$(nproc) cores, load average before the report $(cut -d' ' -f1-3 /proc/loadavg). $PRESEED_POINTS points preseeded over the"
  echo "last 45 minutes, then $SERIES series a point every 10 s ($((SERIES / 10)) points/s) by INSERT; PostgreSQL CPU over"
  echo "$MEASURE_SECONDS s after $WARMUP_SECONDS s; \"off\": rollup job switched off (the feed alone)."
  echo
  echo "| variant | round | PostgreSQL cores | µs of PostgreSQL CPU a fed point | of it the rollup job (minus \"off\" of the round) |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  awk '{off[$2] = ($1 == "off") ? $4 : off[$2]; line[NR] = $0}
       END {for (i = 1; i <= NR; i++) {split(line[i], f, " ");
              printf "| %s | %s | %.3f | %.2f | %s |\n", f[1], f[2], f[3], f[4], (f[1] == "off" ? "-" : sprintf("%.2f", f[4] - off[f[2]]))}}' \
    "$WORK/results"
} >"$REPORT"
cat "$REPORT"
if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  out=bench/results/rollup-$(date -u +%Y-%m-%d-%H%M).md
  cp "$REPORT" "$out"
  echo "written to $out" >&2
fi
