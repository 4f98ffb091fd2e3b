#!/usr/bin/env bash
# The agent's own cost (issue 4, "Speed"): per call (JMH, a ~100 ns method unwoven, woven by
# the Peephole agent, traced by the OpenTelemetry Java agent), start-up of the doorbell demo
# (no agent, ours, OpenTelemetry's), and the demo's frames/s, p99 frame latency and heap with
# and without our agent. Ours exports to a real collector started here on a fresh embedded
# database; the collector has no OTLP ingest yet, so OpenTelemetry's is measured with its
# exporter pointed where nothing listens (and with it off), next to ours the same way.
# Writes bench/results/agent-<date>.md. About 25 minutes (40 with BEFORE_AGENT_JAR).
#
# Settings (environment): JMH_SECONDS (2, per iteration), JMH_ITERATIONS (5, as many warm-up
# ones), STARTUP_RUNS (5), DEMO_SECONDS (30), DEMO_WARMUP_SECONDS (10), DEMO_PACE_FPS (50), ROUNDS (3),
# WRITE_RESULTS (1), PARTS ("call startup frames": which parts to run), BEFORE_AGENT_JAR (unset:
# another build of the agent, e.g. main's, measured per call and in the frames in the same run as
# peephole-before*; BEFORE_LABEL says which in the results). The frames rows are no agent, ours to
# the collector, to an acking sink (AckingSink: acks, stores nothing) and to nowhere (and the
# BEFORE build's three), and no agent again (the noise floor), as fast as they go and paced,
# ROUNDS times in turn. FRAMES_ROWS (unset: all): which of those rows to run, e.g. "none
# peephole-sink none-again" with many short ROUNDS for a paired comparison; DEMO_PACE_FPS=0: no
# paced pass. FRAMES_TURN_MS (unset): all rows of a round at once, running frames in turns of that
# many ms (TurnTaker), so the machine's slower stretches fall on every row alike. FRAME_LOGS_DIR
# (unset): where to keep the frame logs (frames-ROW-PACE-ROUND.txt) instead of deleting them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --help ]; then sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
COLLECTOR_JAR=collector/target/peephole-collector.jar
BENCH_JAR=bench/target/peephole-bench.jar
AGENT_JAR=agent/target/peephole-agent.jar
PARTS=" ${PARTS:-call startup frames} "
part() { [[ "$PARTS" == *" $1 "* ]]; }
BEFORE_AGENT_JAR=${BEFORE_AGENT_JAR:-}
if [ -n "$BEFORE_AGENT_JAR" ] && [ ! -f "$BEFORE_AGENT_JAR" ]; then
  echo "run-agent.sh: BEFORE_AGENT_JAR $BEFORE_AGENT_JAR not found" >&2; exit 2
fi
DEMO_JAR=doorbell-demo/target/doorbell-demo.jar
for jar in "$COLLECTOR_JAR" "$BENCH_JAR" "$AGENT_JAR" "$DEMO_JAR"; do
  if [ ! -f "$jar" ]; then
    mvn -B -q package -DskipTests -pl collector,bench,agent,doorbell-demo -am
    break
  fi
done
# The official OpenTelemetry Java agent, from Maven Central through Maven itself.
OTEL_VERSION=$(sed -n 's:.*<opentelemetry-javaagent.version>\(.*\)</opentelemetry-javaagent.version>.*:\1:p' pom.xml)
DEP_PLUGIN_VERSION=$(sed -n 's:.*<maven-dependency-plugin.version>\(.*\)</maven-dependency-plugin.version>.*:\1:p' pom.xml)
OTEL_JAR=bench/target/otel/opentelemetry-javaagent-$OTEL_VERSION.jar
if [ ! -f "$OTEL_JAR" ]; then
  mvn -B -q "org.apache.maven.plugins:maven-dependency-plugin:$DEP_PLUGIN_VERSION:copy" \
    -Dartifact="io.opentelemetry.javaagent:opentelemetry-javaagent:$OTEL_VERSION" -DoutputDirectory=bench/target/otel
fi

WORK=$(mktemp -d)
DATA_DIR="$WORK/data"
cleanup() {
  rc=$?
  if [ -n "${TURNS_PID:-}" ] && kill -0 "$TURNS_PID" 2>/dev/null; then
    kill -TERM "$TURNS_PID"; wait "$TURNS_PID" 2>/dev/null || true
  fi
  if [ -n "${SINK_PID:-}" ] && kill -0 "$SINK_PID" 2>/dev/null; then
    kill -TERM "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
  fi
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
TOKEN="agent-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
env -u PEEPHOLE_DB_URL PEEPHOLE_HTTP_PORT="${PORTS[0]}" PEEPHOLE_GRPC_PORT="${PORTS[1]}" \
  PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" \
  PEEPHOLE_DATA_DIR="$DATA_DIR" PEEPHOLE_ADMIN_PASSWORD="$ADMIN_PASSWORD" PEEPHOLE_AGENT_TOKEN="$TOKEN" \
  java -Xms512m -Xmx512m -jar "$COLLECTOR_JAR" >"$WORK/collector.log" 2>&1 &
COLLECTOR_PID=$!
for _ in $(seq 1 240); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[0]}/ready" || true)" = 200 ] && break
  sleep 0.5
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[0]}/ready" || true)" = 200 ] \
  || { echo "run-agent.sh: the collector did not become ready" >&2; exit 1; }

# Peephole: the agent protocol (gRPC) of that collector, or NOWHERE (a port where nothing
# listens: spans are dropped and counted). OpenTelemetry: OTLP/gRPC to NOWHERE, or no trace
# exporter at all; its metrics and logs exporters off in both.
NOWHERE=127.0.0.1:1
# the value of KEY= on a RESULT line of OUTPUT
val() { sed -n "s/.*RESULT.* $2=\([0-9.]*\).*/\1/p; s/^RESULT $2=\([0-9.]*\).*/\1/p" <<<"$1" | head -1; }
peephole() { # SERVICE COLLECTOR [more agent args] [agent jar]
  echo "-javaagent:${4:-$AGENT_JAR}=collector=$2,service=$1,token=$TOKEN${3:+,$3}"
}
otel() { # SERVICE METHODS EXPORTER(otlp|none)
  echo "-javaagent:$OTEL_JAR -Dotel.service.name=$1 -Dotel.instrumentation.methods.include=$2" \
    "-Dotel.traces.exporter=$3 -Dotel.exporter.otlp.protocol=grpc -Dotel.exporter.otlp.endpoint=http://$NOWHERE" \
    "-Dotel.exporter.otlp.timeout=1000 -Dotel.metrics.exporter=none -Dotel.logs.exporter=none -Dotel.javaagent.logging=none"
}
cat >"$WORK/workload-rules.yaml" <<'YAML'
rules:
  - name: bench.workload.checksum
    class: dev.peephole.bench.agent.Workload
    method: checksum
    span: "Workload.checksum"
YAML
WORKLOAD=dev.peephole.bench.agent.Workload
RULES="config=$WORK/workload-rules.yaml,rules.default=false"

spans_of() {
  curl -s -u "admin:$ADMIN_PASSWORD" "http://127.0.0.1:${PORTS[0]}/api/traces?service=$1&limit=20&lookback=1h" \
    | { grep -o "\"operationName\":\"$2\"" || true; } | wc -l
}
stored_spans() {
  local port
  port=$(sed -n 4p "$DATA_DIR/postgres/postmaster.pid")
  if command -v psql >/dev/null; then
    psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc \
      "SELECT count(*) FROM spans WHERE service_name = '$1'" 2>/dev/null || true
  fi
}

JMH_OUT=""
if part call; then
  echo "== per call (JMH)" >&2
  BEFORE_VARIANTS=()
  if [ -n "$BEFORE_AGENT_JAR" ]; then
    BEFORE_VARIANTS=(--variant "peephole-before=$(peephole agentbench-peephole-before "127.0.0.1:${PORTS[1]}" "$RULES" "$BEFORE_AGENT_JAR")"
      --variant "peephole-before-no-collector=$(peephole agentbench-nocollector-before "$NOWHERE" "$RULES,log.level=error" "$BEFORE_AGENT_JAR")")
  fi
  JMH_OUT=$(java -Xms512m -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.agent.AgentBench \
    --seconds "${JMH_SECONDS:-2}" --iterations "${JMH_ITERATIONS:-5}" --warmup-iterations "${JMH_ITERATIONS:-5}" \
    --variant "none=" \
    "${BEFORE_VARIANTS[@]}" \
    --variant "peephole=$(peephole agentbench-peephole "127.0.0.1:${PORTS[1]}" "$RULES")" \
    --variant "peephole-no-collector=$(peephole agentbench-nocollector "$NOWHERE" "$RULES,log.level=error")" \
    --variant "otel-no-collector=$(otel agentbench-otel "$WORKLOAD[checksum]" otlp)" \
    --variant "otel-no-export=$(otel agentbench-otel-none "$WORKLOAD[checksum]" none)" \
    2>"$WORK/jmh.log" | tee /dev/stderr | grep -E '^\||^RESULT')

  # Proof that the agent traced the method: its spans reached the collector (Jaeger API).
  sleep 3
  SPANS_PEEPHOLE=$(spans_of agentbench-peephole Workload.checksum)
  echo "Workload.checksum spans found in the collector: $SPANS_PEEPHOLE (of the last 20 traces)" >&2
  SPANS_STORED=$(stored_spans agentbench-peephole)
  SPANS_STORED_BEFORE=""
  [ -z "$BEFORE_AGENT_JAR" ] || SPANS_STORED_BEFORE=$(stored_spans agentbench-peephole-before)
fi

START_OUT=""
if part startup; then
echo "== start-up" >&2
DETECT="dev.peephole.doorbell.vision.FaceDetector[detect];dev.peephole.doorbell.vision.FaceRecognizer[recognize]"
START_OUT=$(java -cp "$BENCH_JAR" dev.peephole.bench.agent.StartupTimer --jar "$DEMO_JAR" --runs "${STARTUP_RUNS:-5}" \
  --variant "none=" \
  --variant "peephole=$(peephole agentbench-startup-peephole "127.0.0.1:${PORTS[1]}")" \
  --variant "otel=$(otel agentbench-startup-otel "$DETECT" otlp)" \
  2>"$WORK/startup.log" | grep -E '^\||^RESULT') || { cat "$WORK/startup.log" >&2; exit 1; }
echo "$START_OUT" >&2
fi

if part frames; then
ROUNDS=${ROUNDS:-3}
echo "== demo frames (${DEMO_SECONDS:-30} s each, $ROUNDS rounds)" >&2
# The acking sink: the agent protocol answered with an ack per batch and nothing stored, so the
# agent exports as it would to a collector on another machine (its own small JVM still shares
# these cores, far less than the collector and PostgreSQL do).
java -Xms64m -Xmx256m -cp "$BENCH_JAR" dev.peephole.bench.agent.AckingSink >"$WORK/sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/sink.log" ] && break; sleep 0.1; done
SINK_PORT=$(head -1 "$WORK/sink.log")
[[ "$SINK_PORT" =~ ^[0-9]+$ ]] || { echo "run-agent.sh: the acking sink did not start: $(cat "$WORK/sink.log")" >&2; exit 1; }
frames() { # PACE ROW ROUND [agent arg]: DemoFrames, its GC log summarised (young pauses, survivors)
  local out gclog="$WORK/gc-$2-$1-$3.log"
  out=$(java -Xms512m -Xmx512m ${4:+"$4"} "-Xlog:gc,gc+age=trace:file=$gclog:uptime" -cp "$BENCH_JAR:$DEMO_JAR" \
    dev.peephole.bench.agent.DemoFrames --seconds "${DEMO_SECONDS:-30}" --warmup-seconds "${DEMO_WARMUP_SECONDS:-10}" \
    --pace-fps "$1" --frame-cpu 1 --frame-log "$WORK/frames-$2-$1-$3.txt" ${TURNS_AT:+--turns "$TURNS_AT"} 2>>"$WORK/frames.log" \
    | grep -E '^(frames|frame|after|RESULT)')
  # young pauses of the measured frames: the GC log cut to the window DemoFrames reports in JVM
  # uptime (a fixed uptime would also count the warm-up of a JVM that started slower)
  local gc from to frames
  from=$(val "$out" measured_from_uptime_s); to=$(val "$out" measured_to_uptime_s); frames=$(val "$out" frames)
  gc=$(awk -v from="$from" -v to="$to" -v frames="$frames" '
    function isort(a, n,   i, j, v) { for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v } }
    { t = substr($1, 2) + 0 }
    / Pause Young / && t > from && t <= to { ms = $NF; sub(/ms$/, "", ms); p[++n] = ms + 0; sum += ms }
    / - age / && t > from && t <= to { id = $2; tot[id] = $(NF - 1) + 0 }
    END {
      if (n == 0) { print "young GC pauses in the measured frames: none"; exit }
      isort(p, n); m = 0; for (k in tot) { s[++m] = tot[k] }; isort(s, m)
      printf "young GC pauses in the measured frames: %d (%.2f per 1000 frames), median %.2f ms, max %.2f ms, total %.0f ms; survivors after each: median %.0f KiB\n",
        n, n * 1000 / frames, p[int((n + 1) / 2)], p[n], sum, (m > 0 ? s[int((m + 1) / 2)] / 1024 : 0)
      printf "RESULT young_gc_pauses=%d young_gc_per_kframe=%.3f young_gc_median_ms=%.2f young_gc_total_ms=%.0f survivor_median_kib=%.0f\n",
        n, n * 1000 / frames, p[int((n + 1) / 2)], sum, (m > 0 ? s[int((m + 1) / 2)] / 1024 : 0)
    }' "$gclog")
  printf '%s\n%s\n' "$out" "$gc"
}
# Rows: the name, the agent argument. Ours exports to the collector started above, to the
# acking sink, or to NOWHERE (spans dropped and counted; the collector's own CPU is then out of
# the picture, but the agent's buffer is full). BEFORE_AGENT_JAR: the same with another build.
ROWS=("none|")
[ -z "$BEFORE_AGENT_JAR" ] || ROWS+=("peephole-before|$(peephole agentbench-demo-frames-before "127.0.0.1:${PORTS[1]}" "" "$BEFORE_AGENT_JAR")")
ROWS+=("peephole|$(peephole agentbench-demo-frames "127.0.0.1:${PORTS[1]}")")
[ -z "$BEFORE_AGENT_JAR" ] || ROWS+=("peephole-before-sink|$(peephole agentbench-demo-frames-before-sink "127.0.0.1:$SINK_PORT" "" "$BEFORE_AGENT_JAR")")
ROWS+=("peephole-sink|$(peephole agentbench-demo-frames-sink "127.0.0.1:$SINK_PORT")")
[ -z "$BEFORE_AGENT_JAR" ] || ROWS+=("peephole-before-no-collector|$(peephole agentbench-demo-frames-before-nc "$NOWHERE" "log.level=error" "$BEFORE_AGENT_JAR")")
ROWS+=("peephole-no-collector|$(peephole agentbench-demo-frames-nc "$NOWHERE" "log.level=error")")
# No agent again, listed last (the order turns each round): its difference to "none" is the noise floor of this
# machine for the same JVM and frames, which a difference made by the agent has to exceed.
ROWS+=("none-again|")
if [ -n "${FRAMES_ROWS:-}" ]; then
  KEPT=()
  for row in "${ROWS[@]}"; do
    if [[ " $FRAMES_ROWS " == *" ${row%%|*} "* ]]; then KEPT+=("$row"); fi
  done
  [[ " $FRAMES_ROWS " == *" none "* ]] || { echo "run-agent.sh: FRAMES_ROWS must keep none (the rows are compared with it)" >&2; exit 2; }
  ROWS=("${KEPT[@]}")
fi
PACE=${DEMO_PACE_FPS:-50}
PACES=0
[ "$PACE" = 0 ] || PACES="0 $PACE"
# Round-robin: every row once per round, so a slow minute on this shared machine lands on all
# rows alike, and each row is compared with the "none" of its own round. The order turns by one
# row each round (round 2 starts with the second row, ...): runs later in a round came out slower
# (none-again, last, had its p50 1 % above none, first, in two runs), and rotating spreads that
# over every row instead of charging it to the rows after none.
# FRAMES_TURN_MS: instead, every round starts all rows' JVMs at once and a TurnTaker lets them run
# frames in turns of that many ms (each JVM's warm-up and measured time are the sums of its turns),
# so stretches when this machine runs slower fall on every row alike (see TurnTaker).
declare -A FAST PACED
keep() { # PACE NAME ROUND OUTPUT
  echo "$4" >&2
  if [ "$1" = 0 ]; then FAST[$2#$3]=$4; else PACED[$2#$3]=$4; fi
}
for pace in $PACES; do
  for r in $(seq 1 "$ROUNDS"); do
    how="$([ "$pace" = 0 ] && echo "as fast as they go" || echo "paced at $pace/s") (load $(cut -d' ' -f1-3 /proc/loadavg))"
    if [ -n "${FRAMES_TURN_MS:-}" ]; then
      echo "-- all rows in turns of $FRAMES_TURN_MS ms, round $r, $how" >&2
      java -cp "$BENCH_JAR" dev.peephole.bench.agent.TurnTaker --players ${#ROWS[@]} --turn-ms "$FRAMES_TURN_MS" \
        --warmup-seconds "${DEMO_WARMUP_SECONDS:-10}" --seconds "${DEMO_SECONDS:-30}" --seed "$r" >"$WORK/turns.log" 2>&1 &
      TURNS_PID=$!
      for _ in $(seq 1 100); do [ -s "$WORK/turns.log" ] && break; sleep 0.1; done
      TURNS_PORT=$(head -1 "$WORK/turns.log")
      [[ "$TURNS_PORT" =~ ^[0-9]+$ ]] || { echo "run-agent.sh: the turn taker did not start: $(cat "$WORK/turns.log")" >&2; exit 1; }
      TURNS_AT="127.0.0.1:$TURNS_PORT"
      pids=()
      for row in "${ROWS[@]}"; do
        name=${row%%|*}; arg=${row#*|}
        frames "$pace" "$name" "$r" "$arg" >"$WORK/out-$name" &
        pids+=($!)
      done
      for pid in "${pids[@]}"; do wait "$pid"; done
      wait "$TURNS_PID" || { echo "run-agent.sh: the turn taker failed: $(cat "$WORK/turns.log")" >&2; exit 1; }
      TURNS_AT=
      tail -n +2 "$WORK/turns.log" >&2
      for row in "${ROWS[@]}"; do
        name=${row%%|*}
        echo "-- $name, round $r, in turns" >&2
        keep "$pace" "$name" "$r" "$(cat "$WORK/out-$name")"
      done
      continue
    fi
    for i in $(seq 0 $((${#ROWS[@]} - 1))); do
      row=${ROWS[$(((i + r - 1) % ${#ROWS[@]}))]}
      name=${row%%|*}; arg=${row#*|}
      echo "-- $name, round $r, $how" >&2
      keep "$pace" "$name" "$r" "$(frames "$pace" "$name" "$r" "$arg")"
    done
  done
done
SPANS_DEMO=$(spans_of agentbench-demo-frames Camera.capture)
kill -TERM "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true
SINK_TOOK=$(grep '^sink took' "$WORK/sink.log" || echo "sink took (no count)")
# FRAME_LOGS_DIR: keep every run's frame log there (for pooling several runs with FramePool)
if [ -n "${FRAME_LOGS_DIR:-}" ]; then mkdir -p "$FRAME_LOGS_DIR"; cp "$WORK"/frames-*.txt "$FRAME_LOGS_DIR"/; fi
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
table() { # fast|paced: one column per row, each the median of its rounds; in brackets the
  # difference to "none" of the same round, its median over the rounds and (with more than one
  # round) the lowest and highest
  local -n R=$1
  local names=() n r v b
  for row in "${ROWS[@]}"; do names+=("${row%%|*}"); done
  printf '|'; for n in "${names[@]}"; do printf ' | %s' "$n"; done; printf ' |\n| ---'
  for n in "${names[@]}"; do printf ' | ---:'; done; printf ' |\n'
  for m in frames_per_second:frames/s p50_ms:p50 p90_ms:p90 p99_ms:p99 cpu_p99_ms:"p99 of the frame thread's CPU time" \
           offcpu_p99_ms:"p99 of wall minus CPU" young_gc_median_ms:"young GC pause, median" \
           young_gc_per_kframe:"young GC pauses per 1000 frames" young_gc_total_ms:"young GC pauses, total ms" survivor_median_kib:"survivors after a young GC (KiB)" \
           heap_used_mib:"heap used after full GC (MiB)"; do
    key=${m%%:*}; label=${m#*:}
    printf '| %s' "$label"
    for n in "${names[@]}"; do
      local vals=() diffs=()
      for r in $(seq 1 "$ROUNDS"); do
        v=$(val "${R[$n#$r]}" "$key"); b=$(val "${R[none#$r]}" "$key")
        [ -n "$v" ] || continue
        vals+=("$v")
        [ "$n" = none ] || [ -z "$b" ] || diffs+=("$(awk -v v="$v" -v b="$b" -v k="$key" \
          'BEGIN { if (k == "heap_used_mib") print v - b; else print (b == 0 ? 0 : (v - b) / b * 100) }')")
      done
      if [ ${#vals[@]} = 0 ]; then printf ' | '; continue; fi
      printf ' | %s' "$(printf '%s\n' "${vals[@]}" | median | awk '{ printf "%.4g", $1 }')"
      if [ ${#diffs[@]} -gt 0 ]; then
        local unit=' %'; [ "$key" = heap_used_mib ] && unit=' MiB'
        local d lo hi
        d=$(printf '%s\n' "${diffs[@]}" | median)
        lo=$(printf '%s\n' "${diffs[@]}" | sort -g | head -1); hi=$(printf '%s\n' "${diffs[@]}" | sort -g | tail -1)
        if [ ${#diffs[@]} -gt 1 ]; then
          awk -v d="$d" -v lo="$lo" -v hi="$hi" -v u="$unit" 'BEGIN { printf " (%+.1f%s; %+.1f to %+.1f)", d, u, lo, hi }'
        else
          awk -v d="$d" -v u="$unit" 'BEGIN { printf " (%+.1f%s)", d, u }'
        fi
      fi
    done
    printf ' |\n'
  done
}
# Every row's frames of all rounds pooled (FramePool), as fast as they go: one distribution per
# row, its difference to none with a 95 % interval from a paired bootstrap over the rounds.
pooled() {
  local args=() row name files r
  for row in "${ROWS[@]}"; do
    name=${row%%|*}; files=()
    for r in $(seq 1 "$ROUNDS"); do files+=("$WORK/frames-$name-0-$r.txt"); done
    args+=("$name=$(IFS=,; echo "${files[*]}")")
  done
  java -cp "$BENCH_JAR" dev.peephole.bench.agent.FramePool "${args[@]}" | grep -v '^RESULT'
}
if part frames; then
  SUMMARY=$(table FAST)
  POOLED=$(pooled)
  PACED_SUMMARY=
  [ "$PACE" = 0 ] || PACED_SUMMARY=$(table PACED)
  echo "$SUMMARY"; echo "$POOLED"; echo "$PACED_SUMMARY"
fi

if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  RESULTS_FILE="bench/results/agent-$(date -u +%Y-%m-%d-%H%M).md"
  {
    echo "# Agent speed, $(date -u '+%Y-%m-%d %H:%M') UTC"
    echo
    echo "Commit \`$(git rev-parse --short HEAD)\`$(git diff --quiet HEAD -- . 2>/dev/null || echo " with uncommitted changes"), $(nproc) cores, load average before: $LOAD_BEFORE, after: $LOAD_AFTER."
    echo "$(java -version 2>&1 | head -1). OpenTelemetry Java agent $OTEL_VERSION. Export: ours to a real collector"
    echo "(\`java -Xms512m -Xmx512m -jar $COLLECTOR_JAR\`, embedded PostgreSQL) started by the script, over its agent"
    echo "protocol, or to $NOWHERE where nothing listens. The collector has no OTLP ingest yet, so OpenTelemetry's"
    echo "exports over OTLP/gRPC to $NOWHERE (fails, drops), or not at all (\`otel.traces.exporter=none\`);"
    echo "its metrics and logs exporters are off. Same situation, ours and theirs: the two \`-no-collector\` rows."
    echo
    if part call; then
      echo "## Per call: JMH, \`Workload.checksum\` (FNV-1a over 96 bytes), one forked JVM per variant"
      echo
      echo "Iterations: ${JMH_ITERATIONS:-5} warm-up and ${JMH_ITERATIONS:-5} measured of ${JMH_SECONDS:-2} s. Peephole: a rule file weaving the"
      echo "method (built-in doorbell rules off); \`peephole\` exports to the collector, \`peephole-no-collector\` to"
      echo "$NOWHERE. OpenTelemetry: \`-Dotel.instrumentation.methods.include=$WORKLOAD[checksum]\`;"
      echo "\`otel-no-collector\` exports to $NOWHERE, \`otel-no-export\` has \`-Dotel.traces.exporter=none\` (in-process cost only)."
      echo "Spans of \`Workload.checksum\` from the \`peephole\` fork in the collector afterwards: ${SPANS_STORED:-(psql not found)} stored"
      echo "(the Jaeger API's last 20 traces: $SPANS_PEEPHOLE of them)."
      if [ -n "$BEFORE_AGENT_JAR" ]; then
        echo "\`peephole-before\`, \`peephole-before-no-collector\`: the same with another build of the agent,"
        echo "\`$BEFORE_AGENT_JAR\` (${BEFORE_LABEL:-another build}), measured in this run"
        echo "(its spans in the collector afterwards: ${SPANS_STORED_BEFORE:-(psql not found)} stored)."
      fi
      echo
      echo "$JMH_OUT"
      echo
    fi
    if part startup; then
      echo "## Start-up of \`java -jar $DEMO_JAR\`, median of ${STARTUP_RUNS:-5}, variants in turn"
      echo
      echo "To main: from process start to the demo's first log line (\`starting doorbell camera\`, written by"
      echo "\`main\` before any work). To health: to \`GET /api/health\` answering 200 (face model trained, cast"
      echo "enrolled through the detector, pipeline and API up). \`peephole\`: the built-in doorbell profile;"
      echo "\`otel\`: \`-Dotel.instrumentation.methods.include=$DETECT\`, exporting to $NOWHERE."
      echo
      echo "$START_OUT"
      echo
    fi
    if part frames; then
      echo "## The demo's frames: $ROUNDS rounds of ${DEMO_SECONDS:-30} s each after ${DEMO_WARMUP_SECONDS:-10} s of warm-up (\`DemoFrames\`)"
      echo
      echo "The demo's pipeline classes from \`$DEMO_JAR\`, frame by frame on one"
      echo "thread (\`DoorbellPipeline.runInline(1)\`: capture, motion, face detection and recognition, events),"
      if [ -n "${FRAMES_TURN_MS:-}" ]; then
        echo "the same frames in the same order in every run, one JVM per row and round, all rows' JVMs of a round"
        echo "at once, running frames only in the turns of $FRAMES_TURN_MS ms a \`TurnTaker\` gives them (every row one"
        echo "turn per cycle, in an order drawn afresh each cycle; warm-up and measured time are each JVM's turns"
        echo "added up), so slower stretches of this machine fall on every row alike; \`-Xms512m -Xmx512m\`."
      else
        echo "the same frames in the same order in every run, one JVM per row and round, the rows in turn in"
        echo "every round; \`-Xms512m -Xmx512m\`."
      fi
      echo "Peephole agent with its built-in doorbell profile, exporting"
      echo "to the collector on these same $(nproc) cores (\`peephole\`; $SPANS_DEMO of the last 20 traces asked for held"
      echo "\`Camera.capture\`), to the acking sink (\`peephole-sink\`: \`AckingSink\`, the agent protocol with an ack"
      echo "for every batch and nothing stored, as a collector on another machine looks to the agent; $SINK_TOOK),"
      echo "or to $NOWHERE (\`peephole-no-collector\`: spans dropped and counted; the agent's span buffer,"
      echo "10,000 by default, stays full). \`none-again\`: no agent once more; its difference to \`none\`"
      echo "is what this machine alone makes of the same JVM and frames, the floor a difference has to exceed."
      if [ -n "$BEFORE_AGENT_JAR" ]; then
        echo "\`peephole-before*\`: the same with \`$BEFORE_AGENT_JAR\` (${BEFORE_LABEL:-another build})."
      fi
      echo "Each figure is the median of the rounds; in brackets the difference to \`none\` in the same round,"
      echo "its median over the rounds, then the lowest and the highest. Frame thread CPU:"
      echo "\`ThreadMXBean.getCurrentThreadCpuTime\` around each frame; wall minus CPU is time the frame thread"
      echo "was not running (GC pauses, other threads and processes on the cores). Young GC pauses and survivor"
      echo "sizes from each JVM's \`-Xlog:gc,gc+age=trace\`, cut to the measured frames by the JVM uptimes DemoFrames"
      echo "reports (earlier runs counted from a fixed uptime, which took in part of the warm-up of a slower-starting JVM)."
      echo
      echo "As fast as they go (frames back to back):"
      echo
      echo "$SUMMARY"
      echo
      echo "The same frames pooled: every row's frames of all $ROUNDS rounds as one distribution (\`FramePool\`),"
      echo "in brackets its difference to \`none\`'s, then a 95 % interval for that difference from a paired"
      echo "bootstrap over the rounds (rounds drawn with replacement, the same draws for every row):"
      echo
      echo "$POOLED"
      echo
      if [ "$PACE" != 0 ]; then
        echo "Paced: a frame started $PACE times a second (the demo's camera runs at 10 fps by default):"
        echo
        echo "$PACED_SUMMARY"
        echo
      fi
      echo '```'
      for r in $(seq 1 "$ROUNDS"); do
        for row in "${ROWS[@]}"; do echo "${row%%|*}, round $r, as fast as they go:"; echo "${FAST[${row%%|*}#$r]}"; done
      done
      if [ "$PACE" != 0 ]; then
        for r in $(seq 1 "$ROUNDS"); do
          for row in "${ROWS[@]}"; do echo "${row%%|*}, round $r, paced at $PACE/s:"; echo "${PACED[${row%%|*}#$r]}"; done
        done
      fi
      echo '```'
    fi
  } > "$RESULTS_FILE"
  echo "wrote $RESULTS_FILE" >&2
fi
