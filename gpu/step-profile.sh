#!/usr/bin/env bash
# Runs ON a device machine: where a forward's time goes, kernel by kernel. GpuStepProfile runs the model bench's rows
# (7B-shaped AWQ model: prefill 512 tokens, a decode step at batch 1 / 8 / 32, batch 1 at a long context) twice: once
# alone for the wall times and launch lists, once under Nsight Compute (collection only inside its profile ranges, one
# metric: each kernel's duration, clocks and caches as the card runs them); StepProfileTable prints per row the
# kernels' time summed by kernel name against the wall time. Needs gpu/.carry (prepare.sh).
#   run(command="bash gpu/step-profile.sh", carry=["gpu/.carry"], timeout_s=600)  (QS_JAVA_OPTS: JVM options)
# Logs and the table under $OUT: steps.txt, ncu.csv, step-profile.txt; then a GQA model's decode with each decode
# attention kernel (gqa-decode.txt).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"; carry="$root/gpu/.carry"
out="${OUT:-$root/gpu/out}"; mkdir -p "$out"
source "$root/gpu/device-env.sh"
unpack_jre "$carry" /tmp/quantserve-jre || exit 2
# the AWQ kernels' choices kept in $OUT: timed at the first load, reused by the later ones (and their JSON comes back)
java=(/tmp/quantserve-jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g
      -Dquantserve.gpu.awq-tune-cache="$out/awq-kernels" ${QS_JAVA_OPTS:-})
cp="$carry/classes.jar:$carry/test-classes.jar:$(ls "$carry"/lib/*.jar | paste -sd:)"
profile=(io.quantserve.engine.gpu.bench.GpuStepProfile "${QS_SHAPE:-llama-7b}" 128)
cd "$root/engine"
timeout "$(limit 150)" "${java[@]}" -cp "$cp" "${profile[@]}" > "$out/steps.txt" 2> "$out/steps.err"
echo "GpuStepProfile exit $?"; grep '^step' "$out/steps.txt"
ncu="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu | head -1)"
timeout "$(limit 300)" "$ncu" --profile-from-start off --clock-control none --cache-control none \
  --metrics gpu__time_duration.sum --csv --print-units base --log-file "$out/ncu.csv" \
  "${java[@]}" -cp "$cp" "${profile[@]}" > "$out/steps-ncu.txt" 2>&1
echo "ncu exit $? ($(grep -c '^"' "$out/ncu.csv" 2>/dev/null) CSV lines in ncu.csv)"
csv="$out/ncu.csv"; grep -q '^"' "$csv" 2>/dev/null || csv="$out/steps-ncu.txt"  # where ncu printed it with the program
# decode attention of a GQA model in the whole model (Llama-3.2-1B-shaped AWQ: 32 query heads over 8 KV heads), a
# block a KV head's 4 query heads (the default) against a block a query head: the model bench's decode rows
for kernel in grouped per-head; do
  timeout "$(limit 75)" "${java[@]}" -Dquantserve.gpu.decode-attention=$kernel -cp "$cp" \
    io.quantserve.engine.gpu.bench.GpuModelBench llama-1b 128 2>&1 | grep -E "^ *decode" | sed "s/^/llama-1b $kernel: /" \
    | tee -a "$out/gqa-decode.txt"
done
"${java[@]}" -cp "$cp" io.quantserve.engine.gpu.bench.StepProfileTable "$out/steps.txt" "$csv" \
  | tee "$out/step-profile.txt"
