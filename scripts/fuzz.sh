#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for SECONDS (default 60) from its seed
# corpus (Fuzz/corpus/<target>/). Fails when any target crashes, traps, hangs (-timeout), or
# goes over the memory cap (-rss_limit_mb / -malloc_limit_mb, 1 GB). Prints executions and
# coverage (libFuzzer's cov: and ft:) per target. docs/reliability.md explains the targets.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. bash scripts/fuzz.sh 45
#   FUZZ_JOBS=2 bash scripts/fuzz.sh 3600 FuzzAudio   a longer run of one target on 2 cores
#
# Work files go to out/fuzz/<target>/: corpus/ (what the run found, seeded from the committed
# corpus, kept between runs), log, and crash-*/oom-*/timeout-* inputs to replay with
#   SWIFT_BACKTRACE=enable=no Fuzz/.build/release/<target> out/fuzz/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
all=(FuzzNPY FuzzSafeTensors FuzzConfig FuzzManifest FuzzAudio)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
jobs="${FUZZ_JOBS:-1}"
# -jobs makes libFuzzer fork workers that log to fuzz-N.log; only ask for it when wanted.
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")

max_len() {
    case "$1" in
        FuzzAudio) echo 16384 ;;
        FuzzSafeTensors) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

start=$(date +%s)
echo "== building the fuzz targets (Fuzz/, -sanitize=fuzzer)"
swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer
bin="$(swift build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer --show-bin-path)"
built=$(date +%s)
echo "built in $((built - start)) s"

# libFuzzer handles the crash signals itself (and writes the input) only when Swift's
# backtracer does not take them first.
export SWIFT_BACKTRACE=enable=no
failed=()
summary=()
for t in "${targets[@]}"; do
    work="out/fuzz/$t"
    mkdir -p "$work/corpus"
    rm -f "$work"/crash-* "$work"/oom-* "$work"/timeout-* "$work"/leak-* "$work"/slow-unit-*
    echo "== $t: ${seconds} s"
    set +e
    "$bin/$t" "$work/corpus" "Fuzz/corpus/$t" \
        -max_total_time="$seconds" -rss_limit_mb=1024 -malloc_limit_mb=1024 -timeout=10 \
        -max_len="$(max_len "$t")" -artifact_prefix="$work/" -print_final_stats=1 \
        "${parallel[@]}" > "$work/log" 2>&1
    rc=$?
    set -e
    # With -jobs the workers log to fuzz-N.log; fold them in.
    if [ "$jobs" -gt 1 ]; then cat fuzz-*.log >> "$work/log" 2>/dev/null || true; rm -f fuzz-*.log; fi
    line=$(grep -E '^#[0-9]+' "$work/log" | grep -E 'cov: ' | tail -1 || true)
    execs=$(grep -E 'stat::number_of_executed_units' "$work/log" | awk '{s += $2} END {print s + 0}')
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<< "$line")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<< "$line")
    corp=$(sed -nE 's/.*corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<< "$line")
    artifacts=$(ls "$work"/crash-* "$work"/oom-* "$work"/timeout-* "$work"/leak-* 2>/dev/null || true)
    status=ok
    if [ $rc -ne 0 ] || [ -n "$artifacts" ]; then
        status=FAILED
        failed+=("$t")
        grep -E 'ERROR: libFuzzer|SUMMARY|Fatal error|out-of-memory|timeout|deadly signal' "$work/log" | head -5 || true
        for a in $artifacts; do echo "   input: $a"; done
    fi
    summary+=("$(printf '%-16s %-7s execs %-10s cov %-6s ft %-7s corpus %s' "$t" "$status" "${execs:-0}" "${cov:-?}" "${ft:-?}" "${corp:-?}")")
done

echo "== fuzz summary (${seconds} s per target, build $((built - start)) s, total $(( $(date +%s) - start )) s)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing FAILED: ${failed[*]} (logs and inputs in out/fuzz/<target>/)"
    exit 1
fi
echo "fuzzing passed: no crash, trap, hang or memory blow-up"
