#!/bin/bash
# Faultline's simulator against SimPy 2 (Debian's python3-simpy) on the same models: M/M/8 and a tandem of
# two M/M/1 stations. Whole processes, SimPy then Faultline back to back, several rounds, medians; Faultline
# with the telemetry it always produces (every span through the graph aggregator, as `--headless` does).
# Prints customers/s of both by wall clock and by CPU time, the ratios, and both mean response times
# against theory (Erlang C; the sum of two M/M/1).
#
# Usage: bench/simpy/compare.sh [FAULTLINE_BINARY] [RUNS] [SIMULATED_SECONDS]
#   defaults: build/dev/app/faultline, 3 rounds, 1000 simulated seconds for both (720,000 customers).
#   MODELS=mmc or MODELS=tandem runs one model only.
# Needs: apt-get install python3-simpy (for Debian's /usr/bin/python3, not a pyenv one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/dev/app/faultline}
py=/usr/bin/python3
$py -c 'import SimPy.Simulation' 2>/dev/null || { echo "needs python3-simpy: sudo apt-get install python3-simpy" >&2; exit 2; }
[ -x "$bin" ] || { echo "no faultline binary at $bin (build the dev preset first)" >&2; exit 2; }
exec $py "$here/compare.py" --faultline "$bin" --runs "${2:-3}" --simpy-seconds "${3:-1000}" \
    --faultline-seconds "${3:-1000}" --models "${MODELS:-mmc,tandem}"
