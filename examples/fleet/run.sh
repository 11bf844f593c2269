#!/usr/bin/env bash
# Starts the example fleet (bank, payments, orders, gateway) on loopback and stops it on Ctrl+C.
# Usage: examples/fleet/run.sh [--bin PATH] [extra flags for every process, e.g. --rps 50 --token SECRET]
# Defaults: OTLP to 127.0.0.1:4317 and control at 127.0.0.1:4320, i.e. the app started with
#   faultline --listen 127.0.0.1:4317 --control 127.0.0.1:4320
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin=""
if [[ "${1:-}" == "--bin" ]]; then
    bin="$2"
    shift 2
fi
if [[ -z "$bin" ]]; then
    for candidate in "$here/../../build/dev/examples/fleet/faultline-fleet" "$here/../../build/examples/fleet/faultline-fleet"; do
        if [[ -x "$candidate" ]]; then bin="$candidate"; break; fi
    done
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
    echo "run.sh: faultline-fleet not found; build it (target faultline-fleet) or pass --bin PATH" >&2
    exit 2
fi

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait
}
trap stop INT TERM EXIT

for role in bank payments orders gateway; do
    "$bin" --role "$role" "$@" &
    pids+=("$!")
done
echo "fleet running (pids ${pids[*]}); Ctrl+C stops it"
wait
