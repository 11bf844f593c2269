#!/bin/bash
# Faultline's simulator against SimPy 2 (Debian's python3-simpy) on the same M/M/8 model: whole processes,
# the same simulated time, Faultline with the telemetry it always produces (every span through the graph
# aggregator, as `--headless` does). Prints customers/s and events/s of both, the ratio, and both mean
# response times against Erlang C.
#
# Usage: bench/simpy/compare.sh [FAULTLINE_BINARY] [SIMPY_SECONDS] [FAULTLINE_SECONDS]
#   defaults: build/dev/app/faultline, 200 and 2000 simulated seconds (144,000 and 1.44 M customers).
# Needs: apt-get install python3-simpy (for Debian's /usr/bin/python3, not a pyenv one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/dev/app/faultline}
simpy_s=${2:-200}
ours_s=${3:-2000}
py=/usr/bin/python3
$py -c 'import SimPy.Simulation' 2>/dev/null || { echo "needs python3-simpy: sudo apt-get install python3-simpy" >&2; exit 2; }
[ -x "$bin" ] || { echo "no faultline binary at $bin (build the dev preset first)" >&2; exit 2; }

now() { date +%s.%N; }
t0=$(now)
simpy_json=$($py "$here/simpy_models.py" mmc "$simpy_s" 1)
t1=$(now)
"$bin" --headless --quiet --duration "$ours_s" --seed 1 "$here/mmc.json" >/tmp/faultline-compare-$$.json
t2=$(now)
ours_json=$(cat /tmp/faultline-compare-$$.json)
rm -f /tmp/faultline-compare-$$.json

$py - "$simpy_json" "$ours_json" "$t0" "$t1" "$t2" <<'PY'
import json, math, sys
simpy = json.loads(sys.argv[1]); snap = json.loads(sys.argv[2])
t0, t1, t2 = map(float, sys.argv[3:6])
station = next(n for n in snap["nodes"] if n["id"] == "station")
ours_customers = station["totals"]["requests"]; ours_mean = station["totals"]["mean_ms"]
# Erlang C for M/M/c: c = 8, lambda = 720/s, mu = 100/s.
c, lam, mu = 8, 720.0, 100.0
a = lam / mu; rho = a / c
s = sum(a**k / math.factorial(k) for k in range(c))
top = a**c / math.factorial(c) / (1 - rho)
p_wait = top / (s + top)
theory_ms = 1000.0 * (p_wait / (c * mu - lam) + 1 / mu)
simpy_wall = t1 - t0; ours_wall = t2 - t1
simpy_rate = simpy["customers"] / simpy_wall; ours_rate = ours_customers / ours_wall
# Faultline's events: an arrival, a service start and an end per customer, as SimPy's counted resumptions
# are roughly an arrival, a grant, a hold end and a release; compare customers/s, which means the same.
print(f"model: M/M/8, rho 0.9, Erlang C mean response {theory_ms:.3f} ms")
print(f"{'':10} {'sim s':>8} {'customers':>10} {'wall s':>7} {'customers/s':>12} {'mean ms':>8} {'vs Erlang C':>11}")
for name, sim_s, n, wall, rate, mean in (
        ("SimPy 2", None, simpy["customers"], simpy_wall, simpy_rate, simpy["mean_ms"]),
        ("Faultline", None, ours_customers, ours_wall, ours_rate, ours_mean)):
    print(f"{name:10} {'':>8} {n:10d} {wall:7.2f} {rate:12,.0f} {mean:8.3f} {100*(mean/theory_ms-1):+10.2f}%")
print(f"SimPy events/s: {simpy['events']/simpy_wall:,.0f}")
print(f"ratio (customers/s): {ours_rate/simpy_rate:.1f}x")
PY
