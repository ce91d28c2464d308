#!/usr/bin/env bash
# `make fuzz`: builds one libFuzzer binary per target (swiftc -sanitize=fuzzer,address, outside SwiftPM),
# seeds each corpus from kv/, ../shared/corpus/ and the tests, runs each target FUZZ_SECONDS (default 60)
# and copies every crash, timeout and out-of-memory input to Tests/FuzzRegressions/<target>/, where
# FuzzRegressionTests replays it through the kvctl binary.
#
#   scripts/fuzz.sh [build|seed|run] [TARGET...]   (default: all three steps, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/opt/swift/usr/bin
ROOT=$PWD
WORK=${FUZZ_WORK:-$ROOT/.build-fuzz}
OBJ=$WORK/obj
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
SHARED=${SHARED:-$ROOT/../shared}
ALL_TARGETS=(manifest-scanner yaml json logstash template json-schema key-glob)
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -I "$OBJ")

step=all
case "${1:-}" in build|seed|run|all) step=$1; shift ;; esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

# One module: the Swift sources of a folder compiled with coverage instrumentation into
# OBJ/<name>.o + .swiftmodule, again only when a source is newer or an earlier module (build() lists
# them in dependency order) was recompiled; further arguments are compiler flags.
# -enable-testing lets an entry file reach internal API with @testable import.
recompiled=
module() {
  local name=$1 folder=$2; shift 2
  local stamp=$OBJ/$name.o
  if [ -z "$recompiled" ] && [ -f "$stamp" ] && [ -z "$(find "$folder" -name '*.swift' -newer "$stamp" | head -1)" ]; then return; fi
  recompiled=1
  echo "fuzz: compiling $name"
  swiftc "${FLAGS[@]}" -enable-testing -wmo -module-name "$name" -emit-module -emit-module-path "$OBJ/$name.swiftmodule" \
    -c -o "$OBJ/$name.o" "$@" "$folder"/*.swift
}

build() {
  mkdir -p "$OBJ"
  local yams=$ROOT/.build/checkouts/Yams/Sources
  [ -d "$yams" ] || swift package resolve
  # libyaml (Yams vendors it as CYaml), instrumented too: the YAML path runs through it.
  if [ ! -f "$OBJ/cyaml.a" ]; then
    echo "fuzz: compiling libyaml"
    for c in "$yams"/CYaml/src/*.c; do
      clang -fsanitize=fuzzer-no-link,address -O1 -g -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" -c "$c" -o "$OBJ/cyaml-$(basename "$c" .c).o"
    done
    ar rcs "$OBJ/cyaml.a" "$OBJ"/cyaml-*.o
  fi
  local cyaml=(-Xcc -fmodule-map-file="$yams/CYaml/include/module.modulemap" -I "$yams/CYaml/include")
  module TextPositions Sources/TextPositions
  module JSONSchema Sources/JSONSchema
  module LogstashConfig Sources/LogstashConfig
  module ConsulTemplate Sources/ConsulTemplate
  module Yams "$yams/Yams" -DSWIFT_PACKAGE -Xcc -DYAML_DECLARE_STATIC "${cyaml[@]}"
  module KVCore Sources/KVCore "${cyaml[@]}"
  for target in "${targets[@]}"; do
    local binary=$WORK/bin/$target
    mkdir -p "$WORK/bin"
    if [ -f "$binary" ] && [ -z "$(find Fuzz/"$target".swift "$OBJ" -newer "$binary" | head -1)" ]; then continue; fi
    echo "fuzz: linking $target"
    swiftc "${FLAGS[@]}" "${cyaml[@]}" Fuzz/"$target".swift "$OBJ"/{TextPositions,JSONSchema,LogstashConfig,ConsulTemplate,Yams,KVCore}.o "$OBJ/cyaml.a" -o "$binary"
  done
}

seed() {
  for target in "${targets[@]}"; do
    rm -rf "$WORK/seeds/$target"; mkdir -p "$WORK/seeds/$target" "$WORK/corpus/$target"
  done
  python3 scripts/fuzz-seeds.py --root "$ROOT" --shared "$SHARED" --out "$WORK/seeds" "${targets[@]}"
}

run() {
  mkdir -p "$WORK/logs"
  export LSAN_OPTIONS=suppressions=$ROOT/Fuzz/lsan.supp
  for target in "${targets[@]}"; do
    local artifacts=$WORK/artifacts/$target/ log=$WORK/logs/$target-$(date -u +%Y%m%dT%H%M%S).log
    mkdir -p "$artifacts" "$WORK/corpus/$target" "$WORK/seeds/$target"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s (log $log)"
    # -fork=1 with -ignore_*: a finding is saved and fuzzing goes on in a fresh child, on one core.
    "$WORK/bin/$target" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=1024 -max_len=65536 \
      -artifact_prefix="$artifacts" "$WORK/corpus/$target" "$WORK/seeds/$target" >"$log" 2>&1 || true
    # The fork driver's last status line: "#RUNS: cov: .. exec/s: .. oom/timeout/crash: O/T/C time: Ss ..."
    local last runs elapsed
    last=$(grep '^#[0-9]*: cov:' "$log" | tail -1)
    runs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
    elapsed=$(sed -n 's/.* time: \([0-9]*\)s.*/\1/p' <<<"$last")
    echo "fuzz: $target: $(date -u +%F) ${runs:-0} executions in ${elapsed:-0}s," \
      "$(( ${runs:-0} / (${elapsed:-0} > 0 ? ${elapsed:-1} : 1) )) exec/s," \
      "oom/timeout/crash $(sed -n 's/.*oom\/timeout\/crash: \([0-9/]*\).*/\1/p' <<<"$last")" | tee -a "$WORK/summary.txt"
    mkdir -p "Tests/FuzzRegressions/$target"
    for finding in "$artifacts"*; do
      [ -f "$finding" ] || continue
      local name
      name=$(basename "$finding")            # crash-<sha1>, timeout-<sha1>, oom-<sha1>, leak-<sha1>
      if [ ! -f "Tests/FuzzRegressions/$target/$name" ]; then
        cp "$finding" "Tests/FuzzRegressions/$target/$name"
        echo "fuzz: $target: NEW FINDING Tests/FuzzRegressions/$target/$name"
      fi
    done
  done
}

case $step in
  build) build ;;
  seed) seed ;;
  run) run ;;
  all) build; seed; run ;;
esac
