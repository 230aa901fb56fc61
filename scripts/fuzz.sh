#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a bounded time each (default 60 s), starting from the corpus
# kept in fuzz/corpus/ (new interesting inputs are added there; commit the ones worth keeping).
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). libFuzzer's instrumentation needs
# unstable compiler flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them, and `-s none`
# leaves out the address sanitizer (the code forbids `unsafe`).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"; shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none -O
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if cargo fuzz run -s none -O "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 \
       -max_len=65536 -print_final_stats=1 >"/tmp/fuzz-$t.log" 2>&1; then
    echo "$t: ${secs} s, no crash ($(grep -o 'stat::number_of_executed_units: [0-9]*' "/tmp/fuzz-$t.log" | grep -o '[0-9]*' || echo '?') runs)"
  else
    failed=1
    echo "$t: CRASH — see /tmp/fuzz-$t.log and fuzz/artifacts/$t/"
    tail -30 "/tmp/fuzz-$t.log" | grep -E "panicked|ERROR|SUMMARY" | head -5
  fi
done
exit $failed
