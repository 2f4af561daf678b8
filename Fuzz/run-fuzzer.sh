#!/usr/bin/env bash
# Runs one fuzz target, built by `make fuzz` into .build-fuzz, for SECONDS seconds on a copy of
# its checked-in seed corpus (the run adds what it finds to the copy, not to the repository).
# Exits non-zero when the target crashes, leaks past the RSS limit or times out, and names the
# input that did it: replay it with `.build-fuzz/release/TARGET FILE`, or with a plain build of
# the target (`swift build --product TARGET`), which runs the files it is given once each.
#
# usage: Fuzz/run-fuzzer.sh TARGET CORPUS_DIRECTORY SECONDS [libFuzzer flags...]
set -euo pipefail
cd "$(dirname "$0")/.."

target=$1
corpus=$2
seconds=$3
shift 3

binary=.build-fuzz/release/$target
artifacts=.build-fuzz/artifacts/$target
work=$(mktemp -d "${TMPDIR:-/tmp}/channelcast-fuzz-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$corpus"/. "$work"/
mkdir -p "$artifacts"

dictionary=()
if [ -f "Fuzz/$target.dict" ]; then dictionary=(-dict="Fuzz/$target.dict"); fi

# -detect_leaks=0: Swift's metadata caches and Dispatch's threads keep what they allocate,
# so libFuzzer would re-run nearly every input under LeakSanitizer (ten times slower) to find
# only those. SWIFT_BACKTRACE: leave crashes to libFuzzer and AddressSanitizer's report.
# libFuzzer's progress (a line per new input) goes to a log; its summary or its crash report
# is shown at the end.
log=.build-fuzz/$target.log
echo "== $target: ${seconds}s on $(ls "$corpus" | wc -l) seed inputs from $corpus (log: $log)"
status=0
SWIFT_BACKTRACE=enable=no "$binary" "$work" \
  -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "${dictionary[@]}" "$@" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 80 "$log" >&2
  echo "== $target FAILED (exit $status); the input is in $artifacts/:" >&2
  ls -t "$artifacts" | head -5 >&2
  exit "$status"
fi
grep -E '^INFO: Loaded .* modules|^#[0-9]+[[:space:]]+DONE|^stat::' "$log"
echo "== $target: no crash in ${seconds}s; the corpus grew to $(ls "$work" | wc -l) inputs"
