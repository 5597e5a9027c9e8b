#!/usr/bin/env bash
# Runs ON a device machine: a short loop for AWQ GEMV work - the device tests that use it (kernels, GpuLinear, the
# model's logits, EngineCore), then for each partial-sum kernel (QS_GEMV_KERNELS, default "registers ring ring1") the GEMV
# alone on 7B and 70B shapes (with the tensor-core product at 1-32 tokens, the batched GEMV's one-token variant, and
# the batched GEMV beside the AWQ GEMM at 2, 8, 32 tokens) and the 7B model bench; the model's tests and bench again with quantserve.gpu.awq-decode set to
# batched-gemv and to mma; last the model bench with AWQ prefill on the W4A16 GEMM throughout (awq-dequant-rows=0)
# against the untuned default (the layer dequantized for the dense GEMM from 256 rows), and the model bench as it loads by
# default (each shape's kernels timed at load at 1-512 rows, the fastest kept: AwqKernelTuner); the model's tests and
# its prefill with prefill attention on the tensor cores (quantserve.gpu.prefill-attention=mma). Needs gpu/.carry.
#   run(command="bash gpu/gemv-iteration.sh", carry=["gpu/.carry"], timeout_s=600)  (about 7 minutes)
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"; carry="$root/gpu/.carry"
out="${OUT:-$root/gpu/out}"; mkdir -p "$out"
source "$root/gpu/device-env.sh"
unpack_jre "$carry" /tmp/quantserve-jre || exit 2
[[ -d "$root/shared/fixtures" || -d "$root/../shared/fixtures" ]] || { mkdir -p "$root/shared/fixtures" && ln -s "$carry/fixtures/models" "$root/shared/fixtures/models"; }
java=(/tmp/quantserve-jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g)
cp="$carry/classes.jar:$carry/test-classes.jar:$(ls "$carry"/lib/*.jar | paste -sd:)"
cd "$root/engine"
sel=(); for c in gpu.GpuKernelsDeviceTest gpu.model.GpuLinearDeviceTest gpu.model.GpuLlamaModelDeviceTest gpu.model.GpuEngineCoreDeviceTest; do sel+=(--select-class "io.quantserve.engine.$c"); done
# tuning at the tests' model loads keeps its choices and any kernel that broke the CUDA context in $OUT/awq-kernels,
# the folder of the tuned run at the end: a kernel faulting here is left out there (AwqKernelCache.markFaulted)
timeout "$(limit 150)" "${java[@]}" -Dquantserve.gpu.awq-tune-cache="$out/awq-kernels" -jar "$carry/junit-console.jar" execute --class-path "$cp" "${sel[@]}" --details=tree \
  --disable-banner --disable-ansi-colors > "$out/tests.log" 2>&1; echo "tests exit $?"
grep -E "✘" -A6 "$out/tests.log" | head -30; grep -E "tests (successful|failed)" "$out/tests.log"
# the model's device tests again with 1-32 rows on each decode kernel written without a GPU (LinearDispatch.AwqDecode)
for decode in batched-gemv mma; do
  timeout "$(limit 120)" "${java[@]}" -Dquantserve.gpu.awq-decode=$decode -jar "$carry/junit-console.jar" execute \
    --class-path "$cp" "${sel[@]:2}" --details=tree --disable-banner --disable-ansi-colors > "$out/tests-$decode.log" 2>&1
  echo "tests with awq-decode=$decode exit $?"
  grep -E "✘" -A6 "$out/tests-$decode.log" | head -30; grep -E "tests (successful|failed)" "$out/tests-$decode.log"
done
# the model's device tests again with prefill attention on the tensor cores (ModelKernels.PrefillKernel)
timeout "$(limit 120)" "${java[@]}" -Dquantserve.gpu.prefill-attention=mma -jar "$carry/junit-console.jar" execute \
  --class-path "$cp" "${sel[@]:2}" --details=tree --disable-banner --disable-ansi-colors > "$out/tests-prefill-mma.log" 2>&1
echo "tests with prefill-attention=mma exit $?"
grep -E "✘" -A6 "$out/tests-prefill-mma.log" | head -30; grep -E "tests (successful|failed)" "$out/tests-prefill-mma.log"
# each partial-sum kernel (io.quantserve.engine.gpu.AwqGemvKernel; the device tests above check each)
# (the multi-token rows - tensor-core product, batched GEMV, AWQ GEMM - with the first kernel only)
one_token=false
for kernel in ${QS_GEMV_KERNELS:-registers ring ring1}; do
  timeout "$(limit 90)" "${java[@]}" -Dquantserve.gpu.awq-gemv="$kernel" -Dquantserve.bench.gemv-only=true \
    -Dquantserve.bench.one-token=$one_token -cp "$cp" \
    io.quantserve.engine.gpu.bench.GpuBench 4096:12288 4096:4096 4096:22016 11008:4096 8192:10240 8192:8192 8192:57344 28672:8192 2>&1 \
    | grep -E "copy|awq_|partials|kernel" | tee -a "$out/gemv.txt"
  one_token=true
  timeout "$(limit 90)" "${java[@]}" -Dquantserve.gpu.awq-gemv="$kernel" -cp "$cp" io.quantserve.engine.gpu.bench.GpuModelBench \
    llama-7b 128 2>&1 | grep -E "prefill|decode" | sed "s/^/$kernel: /" | tee -a "$out/model.txt"
done
# decode at batch 1 / 8 / 32 with those rows on the batched GEMV or the tensor cores
for decode in batched-gemv mma; do
  timeout "$(limit 90)" "${java[@]}" -Dquantserve.gpu.awq-decode=$decode -cp "$cp" io.quantserve.engine.gpu.bench.GpuModelBench \
    llama-7b 128 2>&1 | grep -E "prefill|decode" | sed "s/^/$decode: /" | tee -a "$out/model.txt"
done
# prefill 512 tokens with every AWQ product on the W4A16 GEMM (the untuned runs above dequantize from 256 rows)
timeout "$(limit 90)" "${java[@]}" -Dquantserve.gpu.awq-dequant-rows=0 -cp "$cp" io.quantserve.engine.gpu.bench.GpuModelBench \
  llama-7b 128 2>&1 | grep -E "prefill" | sed "s/^/awq-dequant-rows=0: /" | tee -a "$out/model.txt"
# prefill 512 tokens with attention on the tensor cores
timeout "$(limit 90)" "${java[@]}" -Dquantserve.gpu.prefill-attention=mma -cp "$cp" io.quantserve.engine.gpu.bench.GpuModelBench \
  llama-7b 128 2>&1 | grep -E "prefill" | sed "s/^/prefill-attention=mma: /" | tee -a "$out/model.txt"
# the model as it loads by default: every AWQ layer shape's kernels timed at load (AwqKernelTuner), the choice printed;
# the choices kept in $OUT/awq-kernels (a fresh folder each call, so the 7B shapes are timed anew - the tests above
# kept only their small models' shapes there; the JSON, every candidate's µs, comes back)
timeout "$(limit 90)" "${java[@]}" -Dquantserve.gpu.awq-tune-cache="$out/awq-kernels" -cp "$cp" \
  io.quantserve.engine.gpu.bench.GpuModelBench llama-7b 128 2>&1 \
  | grep -E "AWQ kernels|prefill|decode" | sed "s/^/tuned: /" | tee -a "$out/model.txt"
