#!/usr/bin/env bash
# The ingest benchmark, side by side:
#   1. the collector (java -jar collector/target/peephole-collector.jar) on a fresh embedded
#      database, driven by IngestLoad (many agents over gRPC; rows count once acknowledged,
#      i.e. committed): points, then spans;
#   2. CopyBaseline: the same rows COPYed straight into the same database, with as many
#      connections as the collector has ingest writers and transactions as large as the
#      collector's were (its measured batches per commit): the ceiling.
# Prints a table and writes it to bench/results/ingest-<date>.md.
#
# Settings (environment):
#   MEASURE_SECONDS (20), WARMUP_SECONDS (10: the collector's JIT is still busy after 5 s),
#   AGENTS (8), BATCH (1000), INFLIGHT (4), SERIES_PER_AGENT (200),
#   WRITERS (the collector's PEEPHOLE_INGEST_WRITERS, 2), BASELINE_CONNECTIONS (= WRITERS),
#   COLLECTOR_JAVA_OPTS (-Xms1g -Xmx1g), BENCH_JAVA_OPTS (-Xms256m -Xmx512m),
#   ROUNDS (1; more: after the four phases, ROUNDS-1 more rounds of collector points, baseline
#   points, collector spans, baseline spans, each baseline phase right after the collector phase it
#   is compared with, so that the machine's drift stays out of a ratio; reported per round with
#   their median),
#   PEEPHOLE_* (other collector settings: passed on and named in the report; e.g.
#   PEEPHOLE_ROLLUP_INTERVAL=0s PEEPHOLE_ALERTING_ENABLED=false: ingest without the collector's
#   background work),
#   PROFILE (0; 1: sample the collector's threads with jcmd Thread.print during each load:
#   costs CPU, so numbers of a profiled run are lower), RESULTS_DIR (bench/results),
#   WRITE_RESULTS (1; 0 prints only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "usage: bench/run-ingest.sh   (settings in the environment; --help lists them)" >&2; exit 2 ;;
esac

MEASURE_SECONDS=${MEASURE_SECONDS:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-10}
AGENTS=${AGENTS:-8}
BATCH=${BATCH:-1000}
INFLIGHT=${INFLIGHT:-4}
SERIES_PER_AGENT=${SERIES_PER_AGENT:-200}
WRITERS=${WRITERS:-2}
ROUNDS=${ROUNDS:-1}
BASELINE_CONNECTIONS=${BASELINE_CONNECTIONS:-$WRITERS}
COLLECTOR_JAVA_OPTS=${COLLECTOR_JAVA_OPTS:--Xms1g -Xmx1g}
BENCH_JAVA_OPTS=${BENCH_JAVA_OPTS:--Xms256m -Xmx512m}
PROFILE=${PROFILE:-0}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
WRITE_RESULTS=${WRITE_RESULTS:-1}

# The targets the numbers are held against (reported, never assumed).
TARGET_POINTS=500000
TARGET_SPANS=100000
TARGET_RATIO=0.7

COLLECTOR_JAR=collector/target/peephole-collector.jar
BENCH_JAR=bench/target/peephole-bench.jar
CLK_TCK=$(getconf CLK_TCK)

for tool in java curl awk; do
  command -v "$tool" >/dev/null || { echo "run-ingest.sh needs $tool" >&2; exit 1; }
done

# ---------------------------------------------------------------- build if needed
needs_build() {
  [ -f "$COLLECTOR_JAR" ] && [ -f "$BENCH_JAR" ] || return 0
  local oldest=$COLLECTOR_JAR
  [ "$BENCH_JAR" -ot "$oldest" ] && oldest=$BENCH_JAR
  [ -n "$(find pom.xml proto/pom.xml proto/src collector/pom.xml collector/src bench/pom.xml bench/src \
           -type f -newer "$oldest" -print -quit 2>/dev/null)" ]
}
if needs_build; then
  echo "== building (mvn -B -q package -DskipTests -pl collector,bench -am)"
  mvn -B -q package -DskipTests -pl collector,bench -am
fi

# ---------------------------------------------------------------- collector
WORK=$(mktemp -d -t peephole-bench.XXXXXX)
DATA_DIR=$WORK/data
COLLECTOR_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$COLLECTOR_PID" ] && kill -0 "$COLLECTOR_PID" 2>/dev/null; then
    echo "== stopping the collector (SIGTERM)"
    local t0=$SECONDS
    kill -TERM "$COLLECTOR_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$COLLECTOR_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$COLLECTOR_PID" 2>/dev/null; then
      echo "   still running after 30 s: SIGKILL" >&2
      kill -KILL "$COLLECTOR_PID" 2>/dev/null || true
    else
      echo "   stopped in $((SECONDS - t0)) s"
    fi
  fi
  # An embedded PostgreSQL left behind by a killed collector: stop it by its pid.
  if [ -f "$DATA_DIR/postgres/postmaster.pid" ]; then
    local pg
    pg=$(head -1 "$DATA_DIR/postgres/postmaster.pid")
    if [ -n "$pg" ] && kill -0 "$pg" 2>/dev/null; then
      echo "   stopping the embedded PostgreSQL left running (pid $pg)" >&2
      kill -TERM "$pg" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pg" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  if [ "$rc" -ne 0 ] && [ -f "$WORK/collector.log" ]; then
    echo "---- last lines of the collector's log" >&2
    tail -40 "$WORK/collector.log" >&2
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mapfile -t PORTS < <(java -cp "$BENCH_JAR" dev.peephole.bench.FreePort 4)
HTTP_PORT=${PORTS[0]} GRPC_PORT=${PORTS[1]}
TOKEN="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
ADMIN_PASSWORD="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== starting the collector: java $COLLECTOR_JAVA_OPTS -jar $COLLECTOR_JAR (data in $DATA_DIR)"
# shellcheck disable=SC2086 # the JVM options are words
env -u PEEPHOLE_DB_URL -u PEEPHOLE_DB_USER -u PEEPHOLE_DB_PASSWORD \
  PEEPHOLE_HTTP_PORT="$HTTP_PORT" PEEPHOLE_GRPC_PORT="$GRPC_PORT" \
  PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" \
  PEEPHOLE_DATA_DIR="$DATA_DIR" PEEPHOLE_AGENT_TOKEN="$TOKEN" PEEPHOLE_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  PEEPHOLE_INGEST_WRITERS="$WRITERS" \
  java $COLLECTOR_JAVA_OPTS -jar "$COLLECTOR_JAR" >"$WORK/collector.log" 2>&1 &
COLLECTOR_PID=$!

ready=
for _ in $(seq 1 180); do
  kill -0 "$COLLECTOR_PID" 2>/dev/null || { echo "the collector exited before it was ready" >&2; exit 1; }
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/ready" || true)" = 200 ]; then
    ready=1; break
  fi
  sleep 0.5
done
[ -n "$ready" ] || { echo "the collector was not ready after 90 s" >&2; exit 1; }
PG_PORT=$(sed -n 4p "$DATA_DIR/postgres/postmaster.pid")
PG_PID=$(head -1 "$DATA_DIR/postgres/postmaster.pid")
JDBC="jdbc:postgresql://localhost:$PG_PORT/postgres"
echo "   ready: http $HTTP_PORT, grpc $GRPC_PORT, embedded PostgreSQL $PG_PORT"

# ---------------------------------------------------------------- measuring helpers
# CPU ticks of a process (user + system).
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU ticks of the embedded PostgreSQL: the postmaster, its live backends and those that ended.
pg_ticks() {
  local t c
  t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$PG_PID/stat")
  for c in $(pgrep -P "$PG_PID"); do t=$((t + $(proc_ticks "$c"))); done
  echo "$t"
}
# busy and total ticks of the whole machine
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
metric() { # metric NAME-WITH-LABELS from a /metrics snapshot file
  awk -v m="$2" '$1 == m {print $2; found=1} END {if (!found) print 0}' "$1"
}
scrape() { curl -s -u "admin:$ADMIN_PASSWORD" "http://127.0.0.1:$HTTP_PORT/metrics" >"$1" || true; }
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
cores() { awk -v t="$1" -v s="$2" -v k="$CLK_TCK" 'BEGIN {printf "%.2f", t / k / s}'; }

now() { date +%s.%N; }
# Samples CPU over the measured window of a phase into $WORK/cpu-PHASE: from 1 s after the
# warmup (the bench JVM takes a moment to start) to 1 s before the end, so that it stays
# inside the window. With PROFILE=1 it also takes the collector's thread dumps.
sample_cpu() {
  local phase=$1 watch_pid=$2 c0 p0 m0 c1 p1 m1 t0 t1 deadline
  sleep "$((WARMUP_SECONDS + 1))"
  t0=$(now); c0=$(proc_ticks "$watch_pid"); p0=$(pg_ticks); m0=$(machine_ticks)
  deadline=$(awk -v t="$t0" -v w="$((MEASURE_SECONDS - 2))" 'BEGIN {printf "%.3f", t + w}')
  local profiling=
  if [ "$PROFILE" = 1 ] && [ "$watch_pid" = "$COLLECTOR_PID" ] && command -v jcmd >/dev/null; then profiling=1; fi
  [ -n "$profiling" ] && jcmd "$COLLECTOR_PID" Thread.print >"$WORK/threads-$phase-start.txt" 2>/dev/null
  # a thread dump takes about a second: stop sampling early enough to end on time
  while awk -v n="$(now)" -v d="$deadline" -v m="${profiling:+1.5}" 'BEGIN {exit !(n < d - m)}'; do
    if [ -n "$profiling" ]; then
      jcmd "$COLLECTOR_PID" Thread.print >>"$WORK/threads-$phase-samples.txt" 2>/dev/null
      sleep 0.5
    else
      sleep 0.2
    fi
  done
  [ -n "$profiling" ] && jcmd "$COLLECTOR_PID" Thread.print >"$WORK/threads-$phase-end.txt" 2>/dev/null
  t1=$(now); c1=$(proc_ticks "$watch_pid"); p1=$(pg_ticks); m1=$(machine_ticks)
  echo "$c0 $c1 $p0 $p1 $m0 $m1 $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')" >"$WORK/cpu-$phase"
}

# ---------------------------------------------------------------- phases
# PostgreSQL's WAL, checkpoint and backend-write counters, before and after each phase.
walstat() { # walstat FILE
  java -cp "$BENCH_JAR" dev.peephole.bench.PgWalStats "$JDBC" 2>/dev/null | grep '^RESULT' >"$1" || : >"$1"
}
run_load() { # run_load KIND [TAG: a later round's phase]
  local kind=$1 tag=${2:-} out=$WORK/load-$1${2:-}.out
  walstat "$WORK/wal-$kind$tag-before"
  echo "== IngestLoad $kind$tag: $AGENTS agents x $INFLIGHT in flight, batches of $BATCH, ${WARMUP_SECONDS}s warmup + ${MEASURE_SECONDS}s"
  scrape "$WORK/metrics-$kind$tag-before"
  sample_cpu "$kind$tag" "$COLLECTOR_PID" &
  local sampler=$!
  # shellcheck disable=SC2086
  java $BENCH_JAVA_OPTS -cp "$BENCH_JAR" dev.peephole.bench.IngestLoad \
    --target "127.0.0.1:$GRPC_PORT" --token "$TOKEN" --kind "$kind" --agents "$AGENTS" \
    --seconds "$MEASURE_SECONDS" --warmup "$WARMUP_SECONDS" --batch "$BATCH" --inflight "$INFLIGHT" \
    --series-per-agent "$SERIES_PER_AGENT" | tee "$out"
  wait "$sampler" || true
  scrape "$WORK/metrics-$kind$tag-after"
  walstat "$WORK/wal-$kind$tag-after"
  grep '^RESULT' "$out" >"$WORK/result-$kind$tag" || { echo "IngestLoad $kind gave no result" >&2; exit 1; }
}

run_baseline() { # run_baseline KIND TX_BATCHES [TAG: a later round's phase]
  local kind=$1 txb=$2 tag=${3:-} out=$WORK/baseline-$1-$2${3:-}.out
  echo "== CopyBaseline $kind$tag: $BASELINE_CONNECTIONS connections, transactions of $txb x $BATCH rows"
  walstat "$WORK/wal-baseline-$kind-$txb$tag-before"
  sample_cpu "baseline-$kind-$txb$tag" "$COLLECTOR_PID" &
  local sampler=$!
  # shellcheck disable=SC2086
  java $BENCH_JAVA_OPTS -cp "$BENCH_JAR" dev.peephole.bench.CopyBaseline \
    --jdbc "$JDBC" --user postgres --kind "$kind" --connections "$BASELINE_CONNECTIONS" \
    --seconds "$MEASURE_SECONDS" --warmup "$WARMUP_SECONDS" --batch "$BATCH" --tx-batches "$txb" \
    --agents "$AGENTS" --series-per-agent "$SERIES_PER_AGENT" | tee "$out"
  wait "$sampler" || true
  walstat "$WORK/wal-baseline-$kind-$txb$tag-after"
  grep '^RESULT' "$out" >"$WORK/result-baseline-$kind-$txb$tag" || { echo "CopyBaseline $kind gave no result" >&2; exit 1; }
}

# Batches per commit of the collector during a phase, from its /metrics.
batches_per_commit() {
  local kind=$1 b0 b1 c0 c1
  b0=$(metric "$WORK/metrics-$kind-before" 'peephole_ingest_batches_total{outcome="committed"}')
  b1=$(metric "$WORK/metrics-$kind-after" 'peephole_ingest_batches_total{outcome="committed"}')
  c0=$(metric "$WORK/metrics-$kind-before" peephole_ingest_commit_seconds_count)
  c1=$(metric "$WORK/metrics-$kind-after" peephole_ingest_commit_seconds_count)
  awk -v b="$(awk -v x="$b1" -v y="$b0" 'BEGIN {print x - y}')" -v c="$(awk -v x="$c1" -v y="$c0" 'BEGIN {print x - y}')" \
    'BEGIN {if (c > 0) printf "%.1f", b / c; else print "0"}'
}
mean_commit_ms() {
  local kind=$1
  awk -v s0="$(metric "$WORK/metrics-$kind-before" peephole_ingest_commit_seconds_sum)" \
      -v s1="$(metric "$WORK/metrics-$kind-after" peephole_ingest_commit_seconds_sum)" \
      -v c0="$(metric "$WORK/metrics-$kind-before" peephole_ingest_commit_seconds_count)" \
      -v c1="$(metric "$WORK/metrics-$kind-after" peephole_ingest_commit_seconds_count)" \
      'BEGIN {if (c1 > c0) printf "%.1f", (s1 - s0) / (c1 - c0) * 1000; else print "n/a"}'
}

run_load points
run_load spans
BPC_POINTS=$(batches_per_commit points)
BPC_SPANS=$(batches_per_commit spans)
TXB_POINTS=$(awk -v x="$BPC_POINTS" 'BEGIN {n = int(x + 0.5); print (n < 1 ? 1 : n)}')
TXB_SPANS=$(awk -v x="$BPC_SPANS" 'BEGIN {n = int(x + 0.5); print (n < 1 ? 1 : n)}')
run_baseline points "$TXB_POINTS"
run_baseline spans "$TXB_SPANS"
# For reference: one agent batch per transaction (what an ingest path without grouping would do).
[ "$TXB_POINTS" -ne 1 ] && run_baseline points 1
[ "$TXB_SPANS" -ne 1 ] && run_baseline spans 1
# Later rounds: each collector phase followed at once by its baseline (same transaction size as in
# the first round), so the machine's drift between phases minutes apart stays out of a ratio.
for r in $(seq 2 "$ROUNDS"); do
  run_load points "-r$r"; run_baseline points "$TXB_POINTS" "-r$r"
  run_load spans "-r$r"; run_baseline spans "$TXB_SPANS" "-r$r"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report
cpu_line() { # cpu_line PHASE -> "collector_cores pg_cores machine_busy_cores machine_busy_%"
  local c0 c1 p0 p1 mb0 mt0 mb1 mt1 secs
  read -r c0 c1 p0 p1 mb0 mt0 mb1 mt1 secs <"$WORK/cpu-$1"
  echo "$(cores $((c1 - c0)) "$secs") $(cores $((p1 - p0)) "$secs") $(cores $((mb1 - mb0)) "$secs")" \
    "$(awk -v b=$((mb1 - mb0)) -v t=$((mt1 - mt0)) 'BEGIN {printf "%.0f", (t > 0 ? 100 * b / t : 0)}')"
}
per_row_line() { # per_row_line LABEL ROWS_PER_S COLLECTOR_CORES BENCH_CORES PG_CORES
  awk -v l="$1" -v r="$2" -v c="$3" -v b="$4" -v p="$5" -v n="$(nproc)" '
  function grouped(x,   s, o, i, k) {s = sprintf("%.0f", x); k = length(s); o = ""
    for (i = 1; i <= k; i++) {o = o substr(s, i, 1); if ((k - i) % 3 == 0 && i < k) o = o ","} return o}
  BEGIN {
    if (r <= 0) {printf "| %s | - | - | - | - | - |\n", l; exit}
    uc = c / r * 1e6; ub = b / r * 1e6; up = p / r * 1e6; t = uc + ub + up
    printf "| %s | %s | %.2f | %.2f | %.2f | %s |\n", l, (c == 0 ? "-" : sprintf("%.2f", uc)), ub, up, t,
      (t > 0 ? grouped(n / t * 1e6) : "-")
  }'
}
others() { awk -v m="$1" -v a="$2" -v b="$3" -v c="$4" 'BEGIN {o = m - a - b - c; printf "%.2f", (o < 0 ? 0 : o)}'; }

R_POINTS=$(cat "$WORK/result-points"); R_SPANS=$(cat "$WORK/result-spans")
B_POINTS=$(cat "$WORK/result-baseline-points-$TXB_POINTS"); B_SPANS=$(cat "$WORK/result-baseline-spans-$TXB_SPANS")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }
verdict() { # verdict VALUE TARGET
  awk -v v="$1" -v t="$2" 'BEGIN {print (v + 0 >= t + 0) ? "met" : "missed"}'
}
fmt() { awk -v x="$1" 'BEGIN {s = sprintf("%.0f", x); n = length(s); o = ""; for (i = 1; i <= n; i++) {o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n) o = o ","} print o}'; }

CP=$(field "$R_POINTS" rows_per_s); CS=$(field "$R_SPANS" rows_per_s)
BP=$(field "$B_POINTS" rows_per_s); BS=$(field "$B_SPANS" rows_per_s)
RP=$(ratio "$CP" "$BP"); RS=$(ratio "$CS" "$BS")
read -r COLL_CPU_P PG_CPU_P MACH_P BUSY_P <<<"$(cpu_line points)"
read -r COLL_CPU_S PG_CPU_S MACH_S BUSY_S <<<"$(cpu_line spans)"
read -r IDLE_CPU_P PGB_CPU_P MACHB_P BUSYB_P <<<"$(cpu_line "baseline-points-$TXB_POINTS")"
read -r IDLE_CPU_S PGB_CPU_S MACHB_S BUSYB_S <<<"$(cpu_line "baseline-spans-$TXB_SPANS")"
LG_P=$(field "$R_POINTS" loadgen_cpu_cores); LG_S=$(field "$R_SPANS" loadgen_cpu_cores)
BL_P=$(field "$B_POINTS" baseline_cpu_cores); BL_S=$(field "$B_SPANS" baseline_cpu_cores)

REPORT=$WORK/report.md
{
  echo "# Ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`$( [ -n "$(git status --porcelain -- collector proto bench/src 2>/dev/null)" ] && echo ' (with local changes)'),"
  echo "$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM,"
  echo "$(java -version 2>&1 | head -1). Load average (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER."
  echo
  echo "Collector: \`java $COLLECTOR_JAVA_OPTS -jar $COLLECTOR_JAR\`, embedded PostgreSQL, $WRITERS ingest writers;"
  echo "settings from this environment: $(env | grep -E '^PEEPHOLE_' | grep -vE '^PEEPHOLE_(DB_URL|DB_USER|DB_PASSWORD|HTTP_PORT|GRPC_PORT|OTLP_GRPC_PORT|OTLP_HTTP_PORT|DATA_DIR|AGENT_TOKEN|ADMIN_PASSWORD|INGEST_WRITERS)=' \
    | sort | sed 's/^/`/; s/$/`/' | paste -sd' ' | sed 's/^$/none (defaults)/')."
  echo "Load: IngestLoad, $AGENTS agents (one gRPC channel and stream each) x $INFLIGHT batches in flight,"
  echo "batches of $BATCH rows ($SERIES_PER_AGENT series per agent for points), ${WARMUP_SECONDS} s warmup, ${MEASURE_SECONDS} s measured;"
  echo "rows counted when their Ack (sent after commit) arrives. Baseline: CopyBaseline, $BASELINE_CONNECTIONS connections"
  echo "COPYing the same rows (same encoder, same tables) in transactions as large as the collector's"
  echo "(its measured batches per commit: points $BPC_POINTS, spans $BPC_SPANS). Bench JVMs: \`$BENCH_JAVA_OPTS\`."
  echo
  echo "| kind | collector rows/s | COPY baseline rows/s | ratio | target | rate | ratio >= $TARGET_RATIO |"
  echo "| --- | ---: | ---: | ---: | ---: | --- | --- |"
  echo "| points | $(fmt "$CP") | $(fmt "$BP") | $RP | $(fmt $TARGET_POINTS) | $(verdict "$CP" $TARGET_POINTS) | $(verdict "$RP" $TARGET_RATIO) |"
  echo "| spans | $(fmt "$CS") | $(fmt "$BS") | $RS | $(fmt $TARGET_SPANS) | $(verdict "$CS" $TARGET_SPANS) | $(verdict "$RS" $TARGET_RATIO) |"
  echo
  if [ "$ROUNDS" -gt 1 ]; then
    echo "Round by round (round 1 is the table above; in rounds 2-$ROUNDS each baseline phase ran right after"
    echo "the collector phase it is compared with); CPU a row in microseconds, collector JVM + PostgreSQL"
    echo "behind the collector, PostgreSQL behind the baseline:"
    echo
    echo "| round | points: collector / baseline rows/s | ratio | µs a point: collector + PG / PG | spans: collector / baseline rows/s | ratio | µs a span: collector + PG / PG |"
    echo "| ---: | --- | ---: | --- | --- | ---: | --- |"
    RATIOS_P=(); RATIOS_S=()
    for r in $(seq 1 "$ROUNDS"); do
      tag=$([ "$r" = 1 ] || echo "-r$r")
      line="| $r "
      for k in points spans; do
        txb=$([ $k = points ] && echo "$TXB_POINTS" || echo "$TXB_SPANS")
        c=$(field "$(cat "$WORK/result-$k$tag")" rows_per_s); b=$(field "$(cat "$WORK/result-baseline-$k-$txb$tag")" rows_per_s)
        q=$(ratio "$c" "$b")
        if [ $k = points ]; then RATIOS_P+=("$q"); else RATIOS_S+=("$q"); fi
        read -r cc pc _ _ <<<"$(cpu_line "$k$tag")"
        read -r _ pb _ _ <<<"$(cpu_line "baseline-$k-$txb$tag")"
        us=$(awk -v c="$cc" -v p="$pc" -v r="$c" -v pb="$pb" -v rb="$b" \
          'BEGIN {if (r > 0 && rb > 0) printf "%.2f + %.2f / %.2f", c / r * 1e6, p / r * 1e6, pb / rb * 1e6; else print "-"}')
        line+="| $(fmt "$c") / $(fmt "$b") | $q | $us "
      done
      echo "$line|"
    done
    median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2))}'; }
    echo
    echo "Median ratio over the $ROUNDS rounds: points $(median "${RATIOS_P[@]}"), spans $(median "${RATIOS_S[@]}") (target $TARGET_RATIO)."
    echo
  fi
  echo "| kind | collector ack latency p50 / p95 / p99 (ms) | batches/s | errors | collector mean commit (ms) | baseline COPY+commit p50 / p95 / p99 (ms) |"
  echo "| --- | --- | ---: | ---: | ---: | --- |"
  for k in points spans; do
    r=$(cat "$WORK/result-$k"); txb=$([ $k = points ] && echo "$TXB_POINTS" || echo "$TXB_SPANS")
    b=$(cat "$WORK/result-baseline-$k-$txb")
    echo "| $k | $(field "$r" p50_ms) / $(field "$r" p95_ms) / $(field "$r" p99_ms) | $(field "$r" batches_per_s) | $(field "$r" errors) | $(mean_commit_ms $k) | $(field "$b" p50_ms) / $(field "$b" p95_ms) / $(field "$b" p99_ms) |"
  done
  echo
  echo "CPU during the measured windows, in cores (the machine has $(nproc)); \"other\" is everything else"
  echo "running on the machine meanwhile:"
  echo
  echo "| phase | collector JVM | load generator / baseline JVM | PostgreSQL | other | machine busy |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  echo "| collector, points | $COLL_CPU_P | $LG_P | $PG_CPU_P | $(others "$MACH_P" "$COLL_CPU_P" "$LG_P" "$PG_CPU_P") | $BUSY_P % |"
  echo "| collector, spans | $COLL_CPU_S | $LG_S | $PG_CPU_S | $(others "$MACH_S" "$COLL_CPU_S" "$LG_S" "$PG_CPU_S") | $BUSY_S % |"
  echo "| baseline, points | $IDLE_CPU_P (idle) | $BL_P | $PGB_CPU_P | $(others "$MACHB_P" "$IDLE_CPU_P" "$BL_P" "$PGB_CPU_P") | $BUSYB_P % |"
  echo "| baseline, spans | $IDLE_CPU_S (idle) | $BL_S | $PGB_CPU_S | $(others "$MACHB_S" "$IDLE_CPU_S" "$BL_S" "$PGB_CPU_S") | $BUSYB_S % |"
  echo
  echo "The same as CPU time per stored row (microseconds), which depends much less on what else runs on"
  echo "the machine; the last column is an estimate, not a measurement: the rows/s these per-row costs"
  echo "would allow if all $(nproc) cores went to this work."
  echo
  echo "| phase | collector JVM | load generator / baseline JVM | PostgreSQL | total | estimate for $(nproc) idle cores (rows/s) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  per_row_line "collector, points" "$CP" "$COLL_CPU_P" "$LG_P" "$PG_CPU_P"
  per_row_line "collector, spans" "$CS" "$COLL_CPU_S" "$LG_S" "$PG_CPU_S"
  per_row_line "baseline, points" "$BP" 0 "$BL_P" "$PGB_CPU_P"
  per_row_line "baseline, spans" "$BS" 0 "$BL_S" "$PGB_CPU_S"
  echo
  echo "PostgreSQL's WAL over each whole phase (warm-up included; \`pg_stat_wal\`, \`pg_stat_checkpointer\`,"
  echo "\`pg_stat_io\` of client backends): checkpoints that fell into it, WAL written, the share of WAL"
  echo "records that were full-page images (the first change of a page after a checkpoint), and buffers"
  echo "the inserting backends had to write out themselves:"
  echo
  echo "| phase | checkpoints | WAL (MB) | full-page images | of WAL records | backend writes |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for ph in "points|collector, points" "spans|collector, spans" "baseline-points-$TXB_POINTS|baseline, points" \
            "baseline-spans-$TXB_SPANS|baseline, spans"; do
    f=${ph%%|*}; label=${ph#*|}
    a=$(cat "$WORK/wal-$f-before" 2>/dev/null); b=$(cat "$WORK/wal-$f-after" 2>/dev/null)
    if [ -z "$a" ] || [ -z "$b" ]; then echo "| $label | - | - | - | - | - |"; continue; fi
    awk -v l="$label" -v a="$a" -v b="$b" 'function g(s, k,   r) { r = s; sub(".* " k "=", "", r); sub(" .*", "", r); return r + 0 }
      BEGIN { rec = g(b, "wal_records") - g(a, "wal_records"); fpi = g(b, "wal_fpi") - g(a, "wal_fpi")
        printf "| %s | %d | %.0f | %d | %.1f %% | %d |\n", l, g(b, "checkpoints") - g(a, "checkpoints"),
          (g(b, "wal_bytes") - g(a, "wal_bytes")) / 1048576, fpi, (rec > 0 ? 100 * fpi / rec : 0),
          g(b, "backend_writes") - g(a, "backend_writes") }'
  done
  echo
  if ls "$WORK"/result-baseline-*-1 >/dev/null 2>&1 && { [ "$TXB_POINTS" -ne 1 ] || [ "$TXB_SPANS" -ne 1 ]; }; then
    echo "For reference, the baseline with one $BATCH-row batch per transaction:"
    for k in points spans; do
      [ -f "$WORK/result-baseline-$k-1" ] || continue
      b=$(cat "$WORK/result-baseline-$k-1")
      echo "$k $(fmt "$(field "$b" rows_per_s)") rows/s (COPY+commit p50 $(field "$b" p50_ms) ms);"
    done | sed '$ s/;$/./'
    echo
  fi
  echo "Phases ran one after another on the same database: collector points, collector spans,"
  echo "baseline points, baseline spans (the baseline writes into tables the collector already filled)$(
    [ "$ROUNDS" -gt 1 ] && echo ", then $((ROUNDS - 1)) more rounds of collector points, baseline points, collector spans, baseline spans")."
  if [ "$BUSY_P" -ge 95 ] 2>/dev/null || [ "$BUSY_S" -ge 95 ] 2>/dev/null; then
    echo "The machine's CPUs were (nearly) saturated: collector, database and load generator share $(nproc) cores"
    echo "with whatever else runs here, so the figures are what this machine gave at this moment."
  fi
  echo
  echo "<details><summary>raw output</summary>"
  echo
  echo '```'
  cat "$WORK/load-points.out" "$WORK/load-spans.out" "$WORK"/baseline-*.out
  for r in $(seq 2 "$ROUNDS"); do cat "$WORK/load-points-r$r.out" "$WORK/load-spans-r$r.out"; done
  echo '```'
  echo "</details>"
} >"$REPORT"

if [ "$PROFILE" = 1 ]; then
  {
    echo
    echo "## Collector threads (jcmd Thread.print, about 1 sample/s)"
    for k in points spans; do
      [ -f "$WORK/threads-$k-end.txt" ] || continue
      echo
      echo "$k: CPU per thread group over the window (ms):"
      echo
      echo '```'
      bench/thread-profile.sh cpu "$WORK/threads-$k-start.txt" "$WORK/threads-$k-end.txt" | head -12
      echo '```'
      echo
      echo "$k: where the ingest writers and gRPC threads were (state and top frames, samples):"
      echo
      echo '```'
      bench/thread-profile.sh stacks "$WORK/threads-$k-samples.txt" 'peephole-ingest-writer|peephole-grpc' | head -16
      echo '```'
    done
  } >>"$REPORT"
fi

echo
# the report without its raw output (printed above already)
awk '/^<details>/ {skip = 1} !skip {print} /^<\/details>/ {skip = 0}' "$REPORT"
if [ "$WRITE_RESULTS" = 1 ]; then
  mkdir -p "$RESULTS_DIR"
  out="$RESULTS_DIR/ingest-$(date -u +%Y-%m-%d).md"
  [ -e "$out" ] && out="$RESULTS_DIR/ingest-$(date -u +%Y-%m-%d-%H%M).md"
  cp "$REPORT" "$out"
  echo "written to ${out#"$ROOT"/}"
fi
