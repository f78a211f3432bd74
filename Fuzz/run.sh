#!/usr/bin/env bash
# Runs one fuzz target under libFuzzer and AddressSanitizer for a given time.
#
#   Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]     TARGET: yaml policy table pem state
#
# Builds `keyscope-fuzz` in release mode with -sanitize=fuzzer,address into .build-fuzz/ (apart
# from the normal build), then fuzzes starting from Fuzz/corpus/TARGET. New inputs go to
# .build-fuzz/corpus/TARGET; a crash is written to .build-fuzz/artifacts/TARGET/. Copy a crash
# into Fuzz/crashes/TARGET/ once it is fixed: `swift test` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: Fuzz/run.sh TARGET SECONDS}"
seconds="${2:?usage: Fuzz/run.sh TARGET SECONDS}"
shift 2
swift build -c release --scratch-path .build-fuzz --product keyscope-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DKEYSCOPE_LIBFUZZER -Xswiftc -use-ld=lld >&2
mkdir -p ".build-fuzz/corpus/$target" ".build-fuzz/artifacts/$target"
# lld: gold fails with an internal error on the sanitized Swift objects.
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
KEYSCOPE_FUZZ_TARGET="$target" exec .build-fuzz/release/keyscope-fuzz \
    -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 -max_len=65536 -timeout=10 \
    -artifact_prefix=".build-fuzz/artifacts/$target/" "$@" \
    ".build-fuzz/corpus/$target" "Fuzz/corpus/$target" "Fuzz/crashes/$target"
