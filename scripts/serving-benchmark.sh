#!/usr/bin/env bash
# The README's serving table: a synthetic model served by ./quantserve serve, measured with ./quantserve bench-serve at
# concurrency 1, 4 and 16, once with continuous batching and once with batching off (one sequence at a time).
#   scripts/serving-benchmark.sh [--shape small] [--dtype bf16] [--input-len 128] [--output-len 64] [--port 8199]
set -euo pipefail
cd "$(dirname "$0")/.."
shape=small dtype=bf16 input_len=128 output_len=64 port=8199
while [ $# -gt 0 ]; do
  case "$1" in
    --shape) shape=$2; shift 2 ;;
    --dtype) dtype=$2; shift 2 ;;
    --input-len) input_len=$2; shift 2 ;;
    --output-len) output_len=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) echo "serving-benchmark: unknown option $1" >&2; exit 2 ;;
  esac
done
work="${TMPDIR:-/tmp}/quantserve-serving-benchmark"
model="$work/$shape-$dtype"
mkdir -p "$work"
if [ ! -d "$model" ]; then
  ./quantserve synth-model --shape "$shape" --dtype "$dtype" --out "$model" \
    --tokenizer ../shared/fixtures/tokenizers/llama2/tokenizer.model
fi

source scripts/node.sh
run_mode() { # mode max_num_seqs
  local mode=$1 seqs=$2
  start_node "$work/node-$mode.log" "$port" --model "$model" --served-model-name "$shape" --max-num-seqs "$seqs"
  for c in 1 4 16; do
    ./quantserve bench-serve --url "http://localhost:$port" --model "$shape" --dataset random \
      --input-len "$input_len" --output-len "$output_len" --num-prompts $((c < 4 ? 8 : c * 2)) \
      --request-rate inf --max-concurrency "$c" --result-json "$work/$mode-c$c.json" >/dev/null
  done
  stop_node
}

run_mode batching 64
run_mode single 1

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
print("| mode | concurrency | requests/s | output tok/s | TTFT median / p99 (ms) | TPOT median / p99 (ms) | ITL median (ms) |")
print("|---|---|---|---|---|---|---|")
for mode, label in (("batching", "continuous batching"), ("single", "batching off")):
    for c in (1, 4, 16):
        r = json.load(open(f"{work}/{mode}-c{c}.json"))
        print(f"| {label} | {c} | {r['request_throughput']:.2f} | {r['output_throughput']:.1f} | "
              f"{r['median_ttft_ms']:.0f} / {r['p99_ttft_ms']:.0f} | {r['median_tpot_ms']:.1f} / {r['p99_tpot_ms']:.1f} | "
              f"{r['median_itl_ms']:.1f} |")
PY
