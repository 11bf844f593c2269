#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each for a bounded time.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
# Exits non-zero on any crash, leak, timeout or out-of-memory, and prints the reproducer's path.
# Corpora grow in build/fuzz/corpus/<target>; seeds are in fuzz/corpus/ (see docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/faultline-ccache}"

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(fuzz_scenarioloader fuzz_otlp_traces fuzz_otlp_metrics fuzz_snapshotjson fuzz_recording)
fi

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

build=build/fuzz
artifacts="$build/artifacts"
mkdir -p "$artifacts"
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Per target: seed directories (read only) and dictionary.
seeds_of() {
    case "$1" in
        fuzz_scenarioloader) echo "fuzz/corpus/scenarios resources/scenarios" ;;
        fuzz_otlp_traces) echo "fuzz/corpus/otlp_traces" ;;
        fuzz_otlp_metrics) echo "fuzz/corpus/otlp_metrics" ;;
        fuzz_snapshotjson) echo "fuzz/corpus/snapshotjson" ;;
        fuzz_recording) echo "fuzz/corpus/recording" ;;
    esac
}
dict_of() {
    case "$1" in
        fuzz_scenarioloader) echo fuzz/scenario.dict ;;
        fuzz_otlp_traces | fuzz_otlp_metrics) echo fuzz/otlp.dict ;;
        fuzz_snapshotjson) echo fuzz/snapshot.dict ;;
        fuzz_recording) echo fuzz/recording.dict ;;
    esac
}

failed=()
for target in "${targets[@]}"; do
    corpus="$build/corpus/$target"
    mkdir -p "$corpus"
    seeds=()
    for d in $(seeds_of "$target"); do
        [ -d "$d" ] && seeds+=("$d")
    done
    log="$build/$target.log"
    echo "fuzz: $target for ${seconds}s (log $log)"
    # -max_len: scenarios and OTLP requests that matter fit in 64 KiB; -timeout: one input taking longer is a
    # hang; -rss_limit_mb: more is a memory blow-up. The artifact prefix keeps reproducers in one place.
    status=0
    "$build/fuzz/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -dict="$(dict_of "$target")" -artifact_prefix="$artifacts/$target-" -print_final_stats=1 \
        "$corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | sed "s/^/fuzz: $target /" || true
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        echo "fuzz: $target FAILED (exit $status); the end of its log:" >&2
        tail -n 40 "$log" >&2
        reproducer=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -n 1 | sed 's/Test unit written to //')
        if [ -n "$reproducer" ]; then
            echo "fuzz: reproducer: $reproducer (rerun: $build/fuzz/$target $reproducer)" >&2
        fi
    fi
done

if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz: failures in ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a finding"
