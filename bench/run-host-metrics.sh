#!/usr/bin/env bash
# What one collection of host and JVM metrics costs the app's machine: the CPU time of the agent's
# peephole-metrics thread (from /proc/<pid>/task/<tid>/schedstat, nanoseconds) per collection, in
# an otherwise idle JVM (Idle) with the agent collecting every second. This build's agent and, with
# BEFORE_AGENT_JAR, another build (e.g. main's) take turns, ROUNDS times, in one run. Two windows
# per JVM, after its first 3 s (OSHI's start and the first collection): the next COLD_SECONDS of
# collections (the code still mostly interpreted, as it stays at the default 10 s interval) and
# the WARM_SECONDS after (JIT-compiled). Writes bench/results/host-metrics-<date>.md.
#
# Settings (environment): ROUNDS (3), COLD_SECONDS (10), WARM_SECONDS (40), BEFORE_AGENT_JAR,
# BEFORE_LABEL, WRITE_RESULTS (1).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --help ]; then sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
BENCH_JAR=bench/target/peephole-bench.jar
AGENT_JAR=agent/target/peephole-agent.jar
for jar in "$BENCH_JAR" "$AGENT_JAR"; do
  [ -f "$jar" ] || { mvn -B -q package -DskipTests -pl agent,bench -am; break; }
done
BEFORE_AGENT_JAR=${BEFORE_AGENT_JAR:-}
if [ -n "$BEFORE_AGENT_JAR" ] && [ ! -f "$BEFORE_AGENT_JAR" ]; then
  echo "run-host-metrics.sh: BEFORE_AGENT_JAR $BEFORE_AGENT_JAR not found" >&2; exit 2
fi
ROUNDS=${ROUNDS:-3}; COLD=${COLD_SECONDS:-10}; WARM=${WARM_SECONDS:-40}
VARIANTS=("this|$AGENT_JAR")
[ -z "$BEFORE_AGENT_JAR" ] || VARIANTS+=("before|$BEFORE_AGENT_JAR")

# nanoseconds on a CPU of the thread named peephole-metrics (the kernel cuts names to 15 bytes)
thread_ns() { # PID
  local t
  for t in /proc/"$1"/task/*; do
    if [ "$(cat "$t/comm" 2>/dev/null)" = peephole-metric ]; then cut -d' ' -f1 "$t/schedstat"; return; fi
  done
  echo "run-host-metrics.sh: no peephole-metrics thread in $1" >&2; return 1
}
measure() { # JAR: prints "cold_ms warm_ms" per collection
  local pid start mid end
  # the collector is 127.0.0.1:1, where nothing listens: the series are dropped, not sent
  java -Xms64m -Xmx64m "-javaagent:$1=collector=127.0.0.1:1,service=hostmetrics-bench,log.level=error,metrics.interval=1s" \
    -cp "$BENCH_JAR" dev.peephole.bench.agent.Idle --seconds $((COLD + WARM + 40)) >/dev/null &
  pid=$!
  # the scheduler's first collection is 1 s after the agent starts; wait for the thread
  for _ in $(seq 1 100); do thread_ns "$pid" >/dev/null 2>&1 && break; sleep 0.1; done
  sleep 3
  start=$(thread_ns "$pid") || { kill "$pid"; exit 1; }
  sleep "$COLD"; mid=$(thread_ns "$pid")
  sleep "$WARM"; end=$(thread_ns "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  awk -v s="$start" -v m="$mid" -v e="$end" -v c="$COLD" -v w="$WARM" \
    'BEGIN { printf "%.2f %.2f\n", (m - s) / c / 1e6, (e - m) / w / 1e6 }'
}
declare -A COLD_MS WARM_MS
for r in $(seq 1 "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    name=${v%%|*}; read -r c w < <(measure "${v#*|}")
    echo "$name round $r: ${c} ms a collection in the first ${COLD} s, ${w} ms in the next ${WARM} s" >&2
    COLD_MS[$name]+="$c "; WARM_MS[$name]+="$w "
  done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
TABLE=$(
  echo "| agent | CPU ms a collection, first ${COLD} s (median; rounds) | after that, ${WARM} s (median; rounds) |"
  echo "| --- | ---: | ---: |"
  for v in "${VARIANTS[@]}"; do
    name=${v%%|*}
    echo "| $name | $(median <<<"${COLD_MS[$name]}") (${COLD_MS[$name]% }) | $(median <<<"${WARM_MS[$name]}") (${WARM_MS[$name]% }) |"
  done)
echo "$TABLE"
if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  f="bench/results/host-metrics-$(date -u +%Y-%m-%d-%H%M).md"
  {
    echo "# Host and JVM metrics collection, $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Commit \`$(git rev-parse --short HEAD)\`, $(nproc) cores. \`bench/run-host-metrics.sh\`: CPU time of the agent's"
    echo "\`peephole-metrics\` thread per collection (every 1 s), in an idle JVM, $ROUNDS rounds, variants in turn,"
    echo "from 3 s after the thread started."
    [ -z "$BEFORE_AGENT_JAR" ] || echo "\`before\`: \`$BEFORE_AGENT_JAR\` (${BEFORE_LABEL:-another build})."
    echo
    echo "$TABLE"
  } >"$f"
  echo "wrote $f" >&2
fi
