#!/usr/bin/env bash
# Backup and restore speed (issue 8, "Speed"):
#   1. the collector (java -jar collector/target/peephole-collector.jar) on a fresh embedded
#      database, filled with POINTS metric points (1,000 series) and SPANS spans by SQL
#      (generate_series through psql: realistic row shapes, no ingest needed to fill);
#   2. ingest rate (IngestLoad, points over gRPC, counted when acknowledged) without a backup
#      and while backups run back to back (`java -jar ... backup` against the running
#      collector's data directory), alternated ROUNDS times; the ratio is with / without;
#   3. backup throughput with no ingest: table data MB/s (uncompressed COPY bytes) and rows/s;
#   4. restore into a fresh data directory (`java -jar ... restore`, which starts the embedded
#      PostgreSQL there): checking the file, and loading it (migrations, COPY FROM, sequences,
#      ANALYZE), MB/s and rows/s.
#   Slow parts of a restore that do not grow with the data (migrations of the empty schema,
#   starting PostgreSQL) are reported apart from the data load.
# Prints a table and writes it to bench/results/backup-<date>.md.
#
# Settings (environment): POINTS (10000000), SPANS (1000000), ROUNDS (2), MEASURE_SECONDS (20),
#   WARMUP_SECONDS (10), AGENTS (4), BATCH (1000), INFLIGHT (4), SERIES_PER_AGENT (200),
#   COLLECTOR_JAVA_OPTS (-Xms1g -Xmx1g), CLI_JAVA_OPTS (-Xmx512m), RESULTS_DIR (bench/results),
#   WRITE_RESULTS (1; 0 prints only).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "usage: bench/run-backup.sh   (settings in the environment; --help lists them)" >&2; exit 2 ;;
esac

POINTS=${POINTS:-10000000}
SPANS=${SPANS:-1000000}
ROUNDS=${ROUNDS:-2}
MEASURE_SECONDS=${MEASURE_SECONDS:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-10}
AGENTS=${AGENTS:-4}
BATCH=${BATCH:-1000}
INFLIGHT=${INFLIGHT:-4}
SERIES_PER_AGENT=${SERIES_PER_AGENT:-200}
COLLECTOR_JAVA_OPTS=${COLLECTOR_JAVA_OPTS:--Xms1g -Xmx1g}
CLI_JAVA_OPTS=${CLI_JAVA_OPTS:--Xmx512m}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
WRITE_RESULTS=${WRITE_RESULTS:-1}
TARGET_RATIO=0.8

COLLECTOR_JAR=collector/target/peephole-collector.jar
BENCH_JAR=bench/target/peephole-bench.jar
for tool in java curl awk psql; do
  command -v "$tool" >/dev/null || { echo "run-backup.sh needs $tool (psql: apt-get install postgresql-client)" >&2; exit 1; }
done
needs_build() {
  [ -f "$COLLECTOR_JAR" ] && [ -f "$BENCH_JAR" ] || return 0
  local oldest=$COLLECTOR_JAR
  [ "$BENCH_JAR" -ot "$oldest" ] && oldest=$BENCH_JAR
  [ -n "$(find pom.xml proto/src collector/pom.xml collector/src bench/pom.xml bench/src \
           -type f -newer "$oldest" -print -quit 2>/dev/null)" ]
}
if needs_build; then
  echo "== building (mvn -B -q package -DskipTests -pl collector,bench -am)"
  mvn -B -q package -DskipTests -pl collector,bench -am
fi

WORK=$(mktemp -d -t peephole-backup-bench.XXXXXX)
DATA_DIR=$WORK/data
RESTORED_DIR=$WORK/restored
COLLECTOR_PID=
stop_pg() { # an embedded PostgreSQL left running under a data directory: stop it by its pid
  if [ -f "$1/postgres/postmaster.pid" ]; then
    local pg
    pg=$(head -1 "$1/postgres/postmaster.pid")
    if [ -n "$pg" ] && kill -0 "$pg" 2>/dev/null; then
      kill -TERM "$pg" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pg" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$COLLECTOR_PID" ] && kill -0 "$COLLECTOR_PID" 2>/dev/null; then
    kill -TERM "$COLLECTOR_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$COLLECTOR_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$COLLECTOR_PID" 2>/dev/null && kill -KILL "$COLLECTOR_PID" 2>/dev/null || true
  fi
  stop_pg "$DATA_DIR"
  stop_pg "$RESTORED_DIR"
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
STARTED=$(date -u '+%Y-%m-%d %H:%M')

echo "== starting the collector (data in $DATA_DIR)"
# shellcheck disable=SC2086
env -u PEEPHOLE_DB_URL -u PEEPHOLE_DB_USER -u PEEPHOLE_DB_PASSWORD -u PEEPHOLE_BACKUP_SCHEDULE \
  PEEPHOLE_HTTP_PORT="$HTTP_PORT" PEEPHOLE_GRPC_PORT="$GRPC_PORT" \
  PEEPHOLE_OTLP_GRPC_PORT="${PORTS[2]}" PEEPHOLE_OTLP_HTTP_PORT="${PORTS[3]}" \
  PEEPHOLE_DATA_DIR="$DATA_DIR" PEEPHOLE_AGENT_TOKEN="$TOKEN" PEEPHOLE_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  java $COLLECTOR_JAVA_OPTS -jar "$COLLECTOR_JAR" >"$WORK/collector.log" 2>&1 &
COLLECTOR_PID=$!
ready=
for _ in $(seq 1 240); do
  kill -0 "$COLLECTOR_PID" 2>/dev/null || { echo "the collector exited before it was ready" >&2; exit 1; }
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/ready" || true)" = 200 ]; then
    ready=1; break
  fi
  sleep 0.5
done
[ -n "$ready" ] || { echo "the collector was not ready after 2 minutes" >&2; exit 1; }
PG_PORT=$(sed -n 4p "$DATA_DIR/postgres/postmaster.pid")
sql() { psql -q -X -v ON_ERROR_STOP=1 -h localhost -p "$PG_PORT" -U postgres -d postgres "$@"; }

echo "== filling: $POINTS points in 1,000 series and $SPANS spans (SQL generate_series)"
FILL_T0=$(date +%s.%N)
sql <<SQL
INSERT INTO metric_series (metric_name, labels)
SELECT 'bench_fill_gauge', jsonb_build_object('service_name', 'fill', 'host_name', 'fill-host', 'instance', 'fill-' || s, 'k', 'v' || s)
FROM generate_series(0, 999) s;
INSERT INTO metric_metadata (metric_name, type, help) VALUES ('bench_fill_gauge', 'gauge', 'filled by run-backup.sh');
INSERT INTO metric_points (series_id, t, v)
SELECT f.first_id + g % 1000, now() - (g / 1000) * interval '7 seconds', round((random() * 1000)::numeric, 1)
FROM generate_series(0, $POINTS - 1) g, (SELECT min(id) AS first_id FROM metric_series WHERE metric_name = 'bench_fill_gauge') f;
INSERT INTO spans (trace_id, span_id, parent_span_id, service_name, operation, kind, start_time, duration_ns,
                   status_code, status_message, attributes, events, agent_id, host_name)
SELECT decode(lpad(to_hex(g / 5 + 1), 32, '0'), 'hex'), decode(lpad(to_hex(g + 1), 16, '0'), 'hex'),
       CASE WHEN g % 5 = 0 THEN NULL ELSE decode(lpad(to_hex(g - g % 5 + 1), 16, '0'), 'hex') END,
       'fill', 'operation-' || (g % 20), CASE WHEN g % 5 = 0 THEN 2 ELSE 1 END,
       now() - (g / 5) * interval '300 milliseconds', 1000000 + (random() * 50000000)::bigint,
       CASE WHEN g % 97 = 0 THEN 2 ELSE 0 END, '',
       jsonb_build_object('http.route', '/api/item/' || (g % 50), 'frame.id', g, 'face.count', g % 3),
       NULL, 'fill-agent', 'fill-host'
FROM generate_series(0, $SPANS - 1) g;
ANALYZE;
SQL
FILL_SECONDS=$(awk -v a="$FILL_T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')
DB_SIZE=$(sql -At -c "SELECT pg_size_pretty(pg_database_size('postgres'))")
echo "   filled in ${FILL_SECONDS}s; database size $DB_SIZE"

cli() { # cli ARGS... : the collector jar's backup/restore command with this bench's data directory
  # shellcheck disable=SC2086
  env -u PEEPHOLE_DB_URL -u PEEPHOLE_DB_USER -u PEEPHOLE_DB_PASSWORD java $CLI_JAVA_OPTS -jar "$COLLECTOR_JAR" "$@"
}

# ---------------------------------------------------------------- backup alone
echo "== backup, no ingest"
PEEPHOLE_DATA_DIR=$DATA_DIR cli backup --out "$WORK/bench.zip" | tee "$WORK/backup.out"
BACKUP_LINE=$(grep '^Backed up' "$WORK/backup.out")
FILE_MB=$(awk -v b="$(stat -c %s "$WORK/bench.zip")" 'BEGIN {printf "%.1f", b / 1e6}')

# ---------------------------------------------------------------- ingest with and without backups
ingest() { # ingest LABEL -> rows/s
  java -Xms256m -Xmx512m -cp "$BENCH_JAR" dev.peephole.bench.IngestLoad \
    --target "127.0.0.1:$GRPC_PORT" --token "$TOKEN" --kind points --agents "$AGENTS" \
    --seconds "$MEASURE_SECONDS" --warmup "$WARMUP_SECONDS" --batch "$BATCH" --inflight "$INFLIGHT" \
    --series-per-agent "$SERIES_PER_AGENT" 2>/dev/null >"$WORK/ingest-$1.out"
  sed -n 's/^RESULT .*rows_per_s=\([0-9.]*\).*/\1/p' "$WORK/ingest-$1.out"
}
WITHOUT=()
WITH=()
BACKUPS_DURING=()
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r: ingest without a backup (${WARMUP_SECONDS}s warmup + ${MEASURE_SECONDS}s)"
  WITHOUT+=("$(ingest "without-$r")")
  echo "   ${WITHOUT[-1]} points/s"
  echo "== round $r: ingest while backups run back to back"
  rm -f "$WORK/stop-backups"
  (
    n=0
    while [ ! -f "$WORK/stop-backups" ]; do
      PEEPHOLE_DATA_DIR=$DATA_DIR cli backup --out "$WORK/during.zip" >>"$WORK/during-$r.out" 2>&1 || true
      n=$((n + 1))
    done
    echo "$n" >"$WORK/backups-$r"
  ) &
  LOOP=$!
  WITH+=("$(ingest "with-$r")")
  touch "$WORK/stop-backups"
  wait "$LOOP"
  BACKUPS_DURING+=("$(grep -c '^Backed up' "$WORK/during-$r.out" || true)")
  echo "   ${WITH[-1]} points/s (${BACKUPS_DURING[-1]} backup(s) completed during and right after the run)"
done
mean() { printf '%s\n' "$@" | awk '{s += $1; n++} END {printf "%.0f", (n ? s / n : 0)}'; }
MEAN_WITHOUT=$(mean "${WITHOUT[@]}")
MEAN_WITH=$(mean "${WITH[@]}")
RATIO=$(awk -v a="$MEAN_WITH" -v b="$MEAN_WITHOUT" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')

# ---------------------------------------------------------------- restore
echo "== restore into a fresh data directory"
RESTORE_T0=$(date +%s.%N)
PEEPHOLE_DATA_DIR=$RESTORED_DIR cli restore --in "$WORK/bench.zip" | tee "$WORK/restore.out"
RESTORE_WALL=$(awk -v a="$RESTORE_T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
RESTORE_LINE=$(grep '^Restored' "$WORK/restore.out")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

num() { sed -n "s|.*$2.*|\1|p" <<<"$1"; }
B_ROWS=$(num "$BACKUP_LINE" ', \([0-9]*\) rows,')
B_MB=$(num "$BACKUP_LINE" 'rows, \([0-9.]*\) MB of table data')
B_S=$(num "$BACKUP_LINE" 'MB, \([0-9.]*\) s (')
B_MBS=$(num "$BACKUP_LINE" '(\([0-9.]*\) MB/s')
B_RPS=$(num "$BACKUP_LINE" 'MB/s, \([0-9]*\) rows/s')
R_CHECK=$(num "$RESTORE_LINE" 'checked in \([0-9.]*\) s')
R_ALL=$(num "$RESTORE_LINE" 'restored in \([0-9.]*\) s')
R_SCHEMA=$(num "$RESTORE_LINE" 'schema \([0-9.]*\) s, data')
R_S=$(num "$RESTORE_LINE" 'data \([0-9.]*\) s (')
R_MBS=$(num "$RESTORE_LINE" '(\([0-9.]*\) MB/s')
R_RPS=$(num "$RESTORE_LINE" 'MB/s, \([0-9]*\) rows/s')
VERDICT=$(awk -v r="$RATIO" -v t="$TARGET_RATIO" 'BEGIN {print (r >= t ? "met" : "missed")}')

REPORT=$(cat <<EOF
# Backup and restore benchmark, $STARTED UTC

Commit \`$(git rev-parse --short HEAD 2>/dev/null || echo unknown)\`, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM,
$(java -version 2>&1 | head -1). Load average (1/5/15 min) before: $LOAD_BEFORE; after: $LOAD_AFTER
(the machine is shared with other builds: figures on a busy machine).

Data: the collector on a fresh embedded PostgreSQL, filled by SQL with $POINTS metric points
(1,000 series) and $SPANS spans (${FILL_SECONDS} s), plus the collector's own rows; database $DB_SIZE.
Backup: \`java $CLI_JAVA_OPTS -jar peephole-collector.jar backup\` against the running collector's
data directory (connects to its PostgreSQL). MB are the uncompressed COPY bytes of the tables.

| step | rows | table data MB | seconds | MB/s | rows/s |
| --- | ---: | ---: | ---: | ---: | ---: |
| backup (no ingest), file $FILE_MB MB | $B_ROWS | $B_MB | $B_S | $B_MBS | $B_RPS |
| restore: data (COPY FROM to commit) into a fresh data directory | $B_ROWS | $B_MB | $R_S | $R_MBS | $R_RPS |

Restore also checked the file first (every checksum) in $R_CHECK s, and migrated the empty
database to the backup's schema in $R_SCHEMA s (restore with migrations and ANALYZE: $R_ALL s);
the whole command, with initdb and start of the new embedded PostgreSQL, took $RESTORE_WALL s.

Ingest while backups run (IngestLoad, points, $AGENTS agents x $INFLIGHT in flight, batches of $BATCH,
${WARMUP_SECONDS} s warmup + ${MEASURE_SECONDS} s, alternated $ROUNDS times; backups back to back during the "with" runs):

| run | points/s without a backup | points/s with backups running | backups completed |
| --- | ---: | ---: | ---: |
$(for i in "${!WITHOUT[@]}"; do echo "| $((i + 1)) | ${WITHOUT[$i]} | ${WITH[$i]} | ${BACKUPS_DURING[$i]} |"; done)
| mean | $MEAN_WITHOUT | $MEAN_WITH | |

Ratio with / without: **$RATIO** (target >= $TARGET_RATIO: $VERDICT).
EOF
)
echo
echo "$REPORT"
if [ "$WRITE_RESULTS" = 1 ]; then
  mkdir -p "$RESULTS_DIR"
  out=$RESULTS_DIR/backup-$(date -u +%Y-%m-%d).md
  [ -f "$out" ] && out=$RESULTS_DIR/backup-$(date -u +%Y-%m-%d-%H%M).md
  echo "$REPORT" >"$out"
  echo "written to $out"
fi
