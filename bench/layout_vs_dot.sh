#!/bin/sh
# Times Graphviz `dot -Tplain` on the synthetic fleets bench_layout writes, next to GraphLayout's own
# figures. Graphviz is needed for this comparison only (apt-get install graphviz); it is not a build
# dependency. Then counts both drawings' edge crossings where dot finished.
# Usage: bench/layout_vs_dot.sh [BUILD_DIR] [TIMEOUT_SECONDS]
set -eu
build=${1:-build/dev}
limit=${2:-300}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
command -v dot >/dev/null || { echo "dot not found: apt-get install graphviz" >&2; exit 1; }
"$build/bench/bench_layout" --dot "$dir"
echo
dot -V 2>&1
for n in 100 1000 1200 5000; do
    start=$(date +%s.%N)
    if timeout "$limit" dot -Tplain "$dir/fleet-$n.dot" -o "$dir/fleet-$n.plain"; then
        end=$(date +%s.%N)
        printf 'dot -Tplain, %5d services: %8.2f s\n' "$n" "$(echo "$end - $start" | bc)"
    else
        printf 'dot -Tplain, %5d services: did not finish within %d s (stopped)\n' "$n" "$limit"
        rm -f "$dir/fleet-$n.plain"
    fi
done
echo
echo "Edge crossings of each drawing, counted the same way (bench/crossings.h):"
"$build/bench/bench_layout" --crossings "$dir"
