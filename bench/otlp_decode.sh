#!/bin/bash
# OTLP decode against libprotobuf's bare parse, each alone in its own process: RUNS rounds of
# `bench_otlp --only parse` then `bench_otlp --only decode` back to back (so both see the same load), medians,
# and the ratio decode / parse by wall clock and by CPU time (this thread's).
#
# Usage: bench/otlp_decode.sh [BUILD_DIR] [RUNS] [SECONDS]   defaults: build/dev, 5, 2 (seconds per process)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/dev}/bench/bench_otlp
runs=${2:-5}
seconds=${3:-2}
[ -x "$bin" ] || { echo "no bench_otlp at $bin (cmake --build build/dev --target bench_otlp)" >&2; exit 2; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $runs rounds of $seconds s per stage"
out=$(for ((i = 0; i < runs; ++i)); do "$bin" --only parse "$seconds" 0 | tail -1; "$bin" --only decode "$seconds" 0 | tail -1; done)
python3 - "$out" <<'PY'
import statistics, sys
rows = [line.split() for line in sys.argv[1].splitlines()]
def med(stage, column):
    return statistics.median(float(r[column]) for r in rows if r[0] == stage)
for stage in ("parse", "decode"):
    print(f"{stage:7} {med(stage, 1):12,.0f} spans/s {med(stage, 3):12,.0f} spans per CPU s (medians)")
print(f"ratio decode / parse: {med('decode', 1) / med('parse', 1):.2f} by wall clock, "
      f"{med('decode', 3) / med('parse', 3):.2f} by CPU time")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
