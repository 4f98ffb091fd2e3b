#!/usr/bin/env bash
# The collector's CPU for one agent batch (protobuf parse + BatchPreparer, no network, no
# database), JMH, for this build and, with BEFORE_REF, another commit's collector side by side in
# one run: 1000 spans of doorbell traces, 1000 points over 200 series (bench/PrepareBench).
#
# Settings (environment): BEFORE_REF (unset: this build only; e.g. HEAD~1), JMH_SECONDS (2),
# JMH_ITERATIONS (5, as many warm-up ones), ROUNDS (4: the variants take turns, one JMH fork each
# per round, so a drift of this shared machine hits both alike), WRITE_RESULTS (1).
# Writes bench/results/prepare-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --help ]; then sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
BENCH_JAR=bench/target/peephole-bench.jar
[ -f "$BENCH_JAR" ] || mvn -B -q package -DskipTests -pl bench -am
WORK=$(mktemp -d)
cleanup() {
  if [ -n "${BEFORE_REF:-}" ]; then git worktree remove --force "$WORK/before" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

VARIANTS=("after|$BENCH_JAR")
if [ -n "${BEFORE_REF:-}" ]; then
  # The other commit's proto and collector classes ahead of this bench jar on the class path.
  git worktree add -q --detach "$WORK/before" "$BEFORE_REF"
  (cd "$WORK/before" && mvn -B -q -o compile -pl proto,collector -am </dev/null >"$WORK/before-build.log" 2>&1) \
    || { tail -20 "$WORK/before-build.log" >&2; exit 1; }
  VARIANTS=("before|$WORK/before/proto/target/classes:$WORK/before/collector/target/classes:$BENCH_JAR" "${VARIANTS[@]}")
fi

N=${JMH_ITERATIONS:-5}
ROUNDS=${ROUNDS:-4}
for r in $(seq 1 "$ROUNDS"); do
  for v in "${VARIANTS[@]}"; do
    name=${v%%|*}; cp=${v#*|}
    echo "== round $r: $name" >&2
    java -cp "$cp" org.openjdk.jmh.Main 'dev.peephole.bench.PrepareBench' -f 1 -wi "$N" -i "$N" \
      -w "${JMH_SECONDS:-2}s" -r "${JMH_SECONDS:-2}s" -jvmArgs "-Xms1g -Xmx1g" -rf csv -rff "$WORK/$name-$r.csv" >&2
  done
done

REPORT=$WORK/report.md
{
  echo "# Collector CPU per batch (protobuf parse + BatchPreparer), $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Commit \`$(git rev-parse --short HEAD)\`$( [ -n "$(git status --porcelain -- collector proto bench/src)" ] && echo ' (with local changes)')${BEFORE_REF:+, before = \`$(git rev-parse --short "$BEFORE_REF")\`};"
  echo "$(nproc) cores, $(java -version 2>&1 | head -1); JMH average time, $ROUNDS rounds of one fork per variant"
  echo "in turn, $N x ${JMH_SECONDS:-2} s after as many warm-ups."
  echo
  echo "| batch | variant | median µs a batch | µs a row | each round (µs a batch) |"
  echo "| --- | --- | ---: | ---: | --- |"
  for kind in points spans; do
    for v in "${VARIANTS[@]}"; do
      name=${v%%|*}
      for r in $(seq 1 "$ROUNDS"); do
        awk -F, -v k="$kind" 'NR > 1 { gsub(/"|\r/, ""); if ($NF == k) print $5 }' "$WORK/$name-$r.csv"
      done | awk -v k="$kind" -v n="$name" '{ v[NR] = $1; all = all (NR > 1 ? ", " : "") sprintf("%.0f", $1) }
        END { for (i = 2; i <= NR; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
              m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "| %s | %s | %.0f | %.2f | %s |\n", k, n, m, m / 1000, all }'
    done
  done
} >"$REPORT"
cat "$REPORT"
if [ "${WRITE_RESULTS:-1}" = 1 ]; then
  mkdir -p bench/results
  out="bench/results/prepare-$(date -u +%Y-%m-%d-%H%M).md"
  cp "$REPORT" "$out"
  echo "written to $out"
fi
