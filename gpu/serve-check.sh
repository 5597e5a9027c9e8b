#!/usr/bin/env bash
# Runs ON a device machine (NVIDIA, no Java there): an inference node on the GPU serving a Llama-2-7B-shaped AWQ
# model with random weights (written here by `synth-model --awq 128`, Llama 2's tokenizer), measured with bench-serve
# (random prompts, streaming completions, all sent at once, at most C in flight) at each concurrency: TTFT, TPOT,
# ITL and throughput. Needs gpu/.carry-serve from `gpu/prepare.sh serve`, carried with the device tool:
#   run(command="bash gpu/serve-check.sh", carry=["gpu/.carry-serve"], timeout_s=600)
# Prints a table last; the node's log, bench-serve's reports (text and JSON) go to $OUT (or gpu/out).
# The KV cache takes the device memory free after the weights, up to QS_GPU_MEMORY_UTILIZATION (0.9) of the whole.
# Settings (environment): QS_SHAPE (llama-7b), QS_BACKEND (cuda), QS_GPU_MEMORY_UTILIZATION (0.9), QS_INPUT_LEN (512),
# QS_OUTPUT_LEN (128), QS_CONCURRENCY ("1 8 32"), QS_PORT (8000), QS_MODEL_DIR (/tmp/quantserve-<shape>-awq128),
# QS_NODE_JAVA_OPTS (JVM options of the node, e.g. "-Dquantserve.gpu.awq-decode=mma" for the kernels gpu/README.md
# lists as not yet timed).
# Where no GPU is, QS_SHAPE=small QS_BACKEND=cpu QS_KV_CACHE=512MB runs the same path on the CPU (the KV cache then
# sized by QS_KV_CACHE).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
carry="$root/gpu/.carry-serve"
out="${OUT:-$root/gpu/out}"
mkdir -p "$out"
source "$root/gpu/device-env.sh"
jre=/tmp/quantserve-serve-jre
unpack_jre "$carry" "$jre" || exit 2

shape="${QS_SHAPE:-llama-7b}"
backend="${QS_BACKEND:-cuda}"
if [[ "${QS_BACKEND:-cuda}" == cpu ]]; then
  kv_setting="--quantserve.node.engine.kv-cache-memory=${QS_KV_CACHE:-512MB}"
else
  kv_setting="--quantserve.node.engine.gpu-memory-utilization=${QS_GPU_MEMORY_UTILIZATION:-0.9}"
fi
input_len="${QS_INPUT_LEN:-512}"
output_len="${QS_OUTPUT_LEN:-128}"
concurrency="${QS_CONCURRENCY:-1 8 32}"
port="${QS_PORT:-8000}"
model="${QS_MODEL_DIR:-/tmp/quantserve-$shape-awq128}"
java=("$jre/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      -cp "$carry/node/classes.jar:$carry/node/lib/*")

{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi";
  "$jre/bin/java" -version 2>&1 | head -1; } | tee "$out/serve-machine.txt"

if [[ ! -d "$model" ]]; then
  start=$(date +%s)
  timeout "$(limit 240)" "${java[@]}" -Xmx2g io.quantserve.engine.cli.QuantServeCli synth-model --shape "$shape" --awq 128 \
    --tokenizer "$carry/tokenizer/tokenizer.model" --out "$model" > "$out/synth-model.txt" 2>&1 \
    || { cat "$out/synth-model.txt"; exit 2; }
  echo "$(tail -1 "$out/synth-model.txt") in $(( $(date +%s) - start )) s"
fi

healthy() {
  if command -v curl >/dev/null; then
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 \
      && head -1 <&3 | grep -q ' 200') 2>/dev/null
  fi
}

start=$(date +%s)
# shellcheck disable=SC2086 # QS_NODE_JAVA_OPTS: JVM options, split on spaces
"${java[@]}" -Xmx24g -Dquantserve.gpu.awq-tune-cache="$out/awq-kernels" ${QS_NODE_JAVA_OPTS:-} io.quantserve.node.NodeApplication --quantserve.node.model="$model" \
  --quantserve.node.served-model-name="$shape-awq" --quantserve.node.engine.backend="$backend" \
  "$kv_setting" --quantserve.node.engine.max-num-seqs=64 \
  --quantserve.node.engine.max-num-batched-tokens=2048 --server.port="$port" > "$out/node.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null' EXIT
up=""
for _ in $(seq 1 "$(limit 400)"); do
  healthy && { up=1; break; }
  kill -0 $node 2>/dev/null || break
  sleep 1
done
if [[ -z "$up" ]]; then
  echo "the node did not come up; the end of $out/node.log:"; tail -40 "$out/node.log"; exit 1
fi
echo "node up in $(( $(date +%s) - start )) s; $(grep -m1 -o 'Backend: .*' "$out/node.log")"
grep -m1 -o 'GPU KV cache: .*' "$out/node.log"
# the AWQ kernels the node timed (or found kept) at load (one line a layer shape; none with quantserve.gpu.awq-tune=false)
grep -A4 'AWQ kernels for' "$out/node.log" | cut -c1-700

rc=0
for c in $concurrency; do
  n=$(( c < 4 ? 8 : c * 4 ))
  timeout "$(limit 180)" "${java[@]}" -Xmx1g io.quantserve.engine.cli.QuantServeCli bench-serve --url "http://127.0.0.1:$port" \
    --model "$shape-awq" --dataset random --input-len "$input_len" --output-len "$output_len" --num-prompts "$n" \
    --request-rate inf --max-concurrency "$c" --result-json "$out/serve-c$c.json" > "$out/serve-c$c.txt" 2>&1 || rc=1
done

echo
echo "== gpu/serve-check.sh ============================================"
echo "machine: $(head -1 "$out/serve-machine.txt"); model: $shape AWQ 4-bit group 128 (random weights), backend $backend,"
echo "prompts $input_len random tokens, $output_len output tokens, all sent at once, at most C in flight"
echo "| C | requests | requests/s | output tok/s | TTFT median / p99 (ms) | TPOT median / p99 (ms) | ITL median (ms) |"
echo "|---|---|---|---|---|---|---|"
for c in $concurrency; do
  f="$out/serve-c$c.json"
  if [[ ! -f "$f" ]]; then echo "| $c | failed: see $out/serve-c$c.txt | | | | | |"; continue; fi
  # the report's JSON is flat: pick the numbers with sed (no python or jq assumed on the machine)
  v() { sed -n "s/.*\"$1\" *: *\([-0-9.eE+]*\).*/\1/p" "$f" | head -1; }
  printf '| %s | %s | %.2f | %.1f | %.0f / %.0f | %.1f / %.1f | %.1f |\n' "$c" "$(v successful_requests)" "$(v request_throughput)" \
    "$(v output_throughput)" "$(v median_ttft_ms)" "$(v p99_ttft_ms)" "$(v median_tpot_ms)" "$(v p99_tpot_ms)" \
    "$(v median_itl_ms)"
done
exit $rc
