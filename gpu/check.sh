#!/usr/bin/env bash
# Runs ON a device machine (NVIDIA, no Java there): the engine's GPU tests, once with the cubins the build made
# (sm_90 on H100/H200) and once forcing the PTX through the driver's JIT, then the PTX through ptxas for sm_80/sm_90.
# Needs gpu/.carry from gpu/prepare.sh (run where a JDK is), carried with the device tool:
#   run(command="bash gpu/check.sh", carry=["gpu/.carry"])
# Then runs GpuBench and GpuModelBench (QUANTSERVE_SKIP_BENCH=1 skips both, QUANTSERVE_SKIP_MODEL_BENCH=1 the second). Prints a short table last, then the bench's table; JUnit XML reports and the logs go to $OUT (or gpu/out where OUT is unset).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
carry="$root/gpu/.carry"
out="${OUT:-$root/gpu/out}"
mkdir -p "$out"
source "$root/gpu/device-env.sh"
jre=/tmp/quantserve-jre
unpack_jre "$carry" "$jre" || exit 2

# the test models: Fixtures looks for shared/fixtures above the working folder
if [[ ! -d "$root/shared/fixtures" && ! -d "$root/../shared/fixtures" && -d "$carry/fixtures/models" ]]; then
  mkdir -p "$root/shared/fixtures" && ln -s "$carry/fixtures/models" "$root/shared/fixtures/models"
fi

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; "$jre/bin/java" -version 2>&1 | head -1; } \
  | tee "$out/machine.txt"

cp=("$carry/classes.jar" "$carry/test-classes.jar" "$carry"/lib/*.jar)
cp="$(IFS=:; echo "${cp[*]}")"
run_tests() {  # name, extra JVM flags...
  local name="$1"; shift
  # from engine/, where the tests find src/main/cuda and the committed PTX
  # a kernel that never returns would hang its synchronize (a native call no JUnit timeout interrupts): the whole run
  # is bounded instead, so the benchmarks and the table still come within the device call's limit
  (cd "$root/engine" && timeout "$(limit "${QUANTSERVE_TEST_TIMEOUT:-200}")" "$jre/bin/java" --add-modules jdk.incubator.vector \
    --enable-native-access=ALL-UNNAMED -Xmx8g -Dquantserve.gpu.awq-tune-cache="$out/awq-kernels-$name" "$@" \
    -jar "$carry/junit-console.jar" execute --class-path "$cp" --select-package io.quantserve.engine.gpu --select-package io.quantserve.engine.gpu.model --select-package io.quantserve.engine.gpu.bench \
    --reports-dir "$out/junit-$name" --details=tree --disable-banner --disable-ansi-colors) > "$out/tests-$name.log" 2>&1
  local rc=$?
  : > "$out/summary-$name.txt"
  [[ $rc -eq 124 ]] && echo "TIMED OUT after ${QUANTSERVE_TEST_TIMEOUT:-200} s (last lines of $out/tests-$name.log above the table)" \
    >> "$out/summary-$name.txt"
  grep -E '^\[ *[0-9]+ tests (successful|failed|aborted)' "$out/tests-$name.log" | tr -s ' []' ' ' >> "$out/summary-$name.txt"
  # a GPU test that found no device is aborted with this message: on a device machine that is a failure (the one
  # other assumption, the PTX byte comparison where nvcc built it, is expected to abort there)
  grep -q "GPU tests skipped" "$out/tests-$name.log" && rc=${rc/#0/3}
  return $rc
}
# per test class: tests, failed, skipped (from the JUnit XML of a run)
per_class() {  # name
  cat "$out/junit-$1"/*.xml 2>/dev/null | awk -v run="$1" '
    /<testcase / { match($0, /classname="[^"]*"/); cls = substr($0, RSTART + 11, RLENGTH - 12); sub(/^io\.quantserve\.engine\./, "", cls)
                   total[cls]++; cur = cls; if ($0 ~ /\/>[[:space:]]*$/) cur = "" }
    /<failure|<error/ { if (cur != "") failed[cur]++ }
    /<skipped/ { if (cur != "") skipped[cur]++ }
    /<\/testcase>/ { cur = "" }
    END { for (c in total) printf "  %-5s %-38s %3d tests, %d failed, %d skipped\n", run, c, total[c], failed[c] + 0, skipped[c] + 0 }' | sort -k2
}
run_tests cubin;    rc_cubin=$?
if [[ $rc_cubin -eq 124 ]]; then  # hung once: the PTX run would hang too; keep the time for the benchmarks
  rc_ptx=skipped; echo "skipped: the cubin run timed out" > "$out/summary-ptx.txt"
else
  run_tests ptx -Dquantserve.cuda.ptx-only=true; rc_ptx=$?
fi

ptxas_result="ptxas not found"
if command -v ptxas >/dev/null || [[ -x /usr/local/cuda/bin/ptxas ]]; then
  ptxas_bin="$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)"
  ptxas_result="ok"
  for f in "$root"/engine/src/main/resources/io/quantserve/engine/gpu/*.ptx; do
    for arch in sm_80 sm_90; do
      "$ptxas_bin" -arch=$arch "$f" -o /dev/null >> "$out/ptxas.log" 2>&1 || ptxas_result="FAILED ($(basename "$f") $arch)"
    done
  done
fi

# the micro-benchmark (copy bandwidth, AWQ GEMV vs copy, GEMM TFLOP/s): its table is printed last
bench_rc=skipped
if [[ "${QUANTSERVE_SKIP_BENCH:-}" != 1 ]]; then
  (cd "$root/engine" && timeout "$(limit 240)" "$jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -Xmx4g -cp "$cp" io.quantserve.engine.gpu.bench.GpuBench) > "$out/bench.txt" 2>&1
  bench_rc=$?
fi

# the whole model: a Llama-2-7B-shaped AWQ model with random weights made on the device, prefill and decode tok/s
model_bench_rc=skipped
if [[ "${QUANTSERVE_SKIP_BENCH:-}" != 1 && "${QUANTSERVE_SKIP_MODEL_BENCH:-}" != 1 ]]; then
  (cd "$root/engine" && timeout "$(limit 180)" "$jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -Xmx4g -Dquantserve.gpu.awq-tune-cache="$out/awq-kernels-cubin" -cp "$cp" io.quantserve.engine.gpu.bench.GpuModelBench \
    llama-7b 128) > "$out/model-bench.txt" 2>&1
  model_bench_rc=$?
fi

# the failures in full, then the table last
grep -m3 "GPU tests skipped" "$out/tests-cubin.log"
grep -A12 -E "✘" "$out/tests-cubin.log" "$out/tests-ptx.log" | head -80
echo
echo "== gpu/check.sh =================================================="
printf '%-28s %s\n' "machine" "$(head -1 "$out/machine.txt")"
printf '%-28s %s\n' "tests, cubins (exit $rc_cubin)" "$(paste -sd' ' "$out/summary-cubin.txt")"
printf '%-28s %s\n' "tests, PTX JIT (exit $rc_ptx)" "$(paste -sd' ' "$out/summary-ptx.txt")"
printf '%-28s %s\n' "ptxas sm_80/sm_90" "$ptxas_result"
echo "per test class:"
per_class cubin
per_class ptx
printf '%-28s %s\n' "bench (exit $bench_rc)" "table below; log $out/bench.txt"
printf '%-28s %s\n' "model bench (exit $model_bench_rc)" "table below; log $out/model-bench.txt"
echo
[[ -f "$out/bench.txt" ]] && tail -n 115 "$out/bench.txt"
[[ -f "$out/model-bench.txt" ]] && tail -n 16 "$out/model-bench.txt"
[[ "$rc_cubin" == 0 && "$rc_ptx" == 0 && "$ptxas_result" == ok ]]
