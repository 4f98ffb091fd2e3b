#!/usr/bin/env bash
# Summaries of `jcmd PID Thread.print` dumps, for run-ingest.sh PROFILE=1:
#   thread-profile.sh cpu START.txt END.txt      CPU (ms) per thread group between two dumps
#   thread-profile.sh stacks SAMPLES.txt REGEX   state and top frames of matching threads, by count
set -euo pipefail
case "${1:-}" in
  cpu)
    groups() { # "group<TAB>cpu ms" (digits in thread names folded: peephole-grpc-3 -> peephole-grpc-N)
      awk '/^"/ {
        name = $0; sub(/^"/, "", name); sub(/".*/, "", name)
        cpu = 0; if (match($0, /cpu=[0-9.]+ms/)) cpu = substr($0, RSTART + 4, RLENGTH - 6)
        g = name; gsub(/[0-9]+/, "N", g); sum[g] += cpu
      } END {for (g in sum) printf "%s\t%.1f\n", g, sum[g]}' "$1" | sort
    }
    join -t $'\t' -a 2 -e 0 -o 0,1.2,2.2 <(groups "$2") <(groups "$3") |
      awk -F '\t' '{d = $3 - $2; if (d >= 1) printf "%8.0f  %s\n", d, $1}' | sort -rn
    ;;
  stacks)
    # key: thread group, state, top two frames and the first Peephole frame below them
    awk -v pat="$3" '
      function flush() {
        if (take && top != "") cnt[grp " " state ": " top (own != "" ? " ... " own : "")]++
        take = 0
      }
      /^"/ {
        flush()
        name = $0; sub(/^"/, "", name); sub(/".*/, "", name)
        take = (name ~ pat); grp = name; gsub(/[0-9]+/, "N", grp)
        n = 0; top = ""; own = ""; state = ""; next
      }
      /^$/ {flush(); next}
      take && /java.lang.Thread.State:/ {state = $2; next}
      take && /^\tat / {
        f = $2; sub(/\(.*/, "", f)
        if (n < 2) top = top (n ? " < " : "") f
        else if (own == "" && f ~ /^dev\.peephole\./) own = f
        n++
        next
      }
      END {flush(); for (k in cnt) printf "%5d  %s\n", cnt[k], k}' "$2" | sort -rn
    ;;
  *) echo "usage: thread-profile.sh cpu START END | stacks SAMPLES REGEX" >&2; exit 2 ;;
esac
