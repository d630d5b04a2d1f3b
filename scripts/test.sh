#!/usr/bin/env bash
# The whole test suite, from a fresh Debian bookworm machine (as root) or a developer's tree:
# installs what is missing, builds, runs the fuzzers for a bounded time under ASan/UBSan, then
# every unit and integration test through CTest.
#   GANGWAY_FUZZ_SECONDS  seconds per fuzz target (default 30; 0 skips fuzzing)
#   GANGWAY_BUILD_DIR     build directory (default build)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh
build_dir=${GANGWAY_BUILD_DIR:-build}
fuzz_seconds=${GANGWAY_FUZZ_SECONDS:-30}

echo "== build ($build_dir)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGANGWAY_TESTS=ON >/dev/null
ninja -C "$build_dir"

if [ "$fuzz_seconds" -gt 0 ]; then
  echo "== fuzz ($fuzz_seconds s per target, ASan/UBSan)"
  cmake -S . -B "$build_dir-fuzz" -G Ninja -DGANGWAY_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ninja -C "$build_dir-fuzz" fuzz_request_head fuzz_response_head fuzz_config fuzz_tokens fuzz_login
  for target in fuzz_request_head fuzz_response_head fuzz_config fuzz_tokens fuzz_login; do
    corpus="$build_dir-fuzz/corpus/$target"
    mkdir -p "$corpus"
    "$build_dir-fuzz/tests/fuzz/$target" "$corpus" "tests/fuzz/seeds/$target" \
      -max_total_time="$fuzz_seconds" -print_final_stats=0 2>"$build_dir-fuzz/$target.log" || {
      tail -40 "$build_dir-fuzz/$target.log"; echo "fuzz target $target found a problem"; exit 1; }
    echo "$target: $(grep -Eo 'Done [0-9]+ runs' "$build_dir-fuzz/$target.log" || echo done)"
  done
fi

echo "== tests"
ctest --test-dir "$build_dir" --output-on-failure --timeout 600
