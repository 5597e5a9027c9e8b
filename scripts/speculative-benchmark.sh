#!/usr/bin/env bash
# Speculative decoding end to end: a model (default stories260K, a trained model from ../shared/fixtures) served by
# ./quantserve serve without and with n-gram drafts, measured with ./quantserve bench-serve (greedy, 200 tokens after
# each of eight story openings) at concurrency 1 and 4.
#   scripts/speculative-benchmark.sh [--model REF] [--config '{"method": "ngram", ...}'] [--port 8198]
set -euo pipefail
cd "$(dirname "$0")/.."
config='{"method": "ngram", "num_speculative_tokens": 2, "prompt_lookup_min": 2, "prompt_lookup_max": 3}'
port=8198
model=../shared/fixtures/models/stories260K.gguf
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) echo "speculative-benchmark: unknown option $1" >&2; exit 2 ;;
  esac
done
work="${TMPDIR:-/tmp}/quantserve-speculative-benchmark"
mkdir -p "$work"
dataset="$work/openings.jsonl"
for opening in "Once upon a time, there was a little girl named Lily." "Tom had a red ball." \
    "One day, a cat and a dog went to the park." "The sun was hot." "Sue liked to sing." \
    "There was a big tree in the garden." "Ben wanted a cake." "Anna and her mom went to the store."; do
  printf '{"prompt": "%s", "output_len": 200}\n' "$opening"
done >"$dataset"

source scripts/node.sh
run_mode() { # mode [more serve arguments]
  local mode=$1
  shift
  start_node "$work/node-$mode.log" "$port" --model "$model" --served-model-name stories "$@"
  for c in 1 4; do
    ./quantserve bench-serve --url "http://localhost:$port" --model stories --dataset "$dataset" \
      --num-prompts 16 --request-rate inf --max-concurrency "$c" --result-json "$work/$mode-c$c.json" >/dev/null
  done
  curl -sf "http://localhost:$port/metrics" | grep -E '^quantserve_spec_decode_num_(draft|accepted)_tokens_total ' \
    >"$work/$mode-metrics.txt" || true
  stop_node
}

run_mode plain
run_mode drafts --speculative-config "$config"

python3 - "$work" "$config" <<'PY'
import json, sys
work, config = sys.argv[1], sys.argv[2]
print(f"drafts: {config}")
print("| drafts | concurrency | output tok/s | TPOT median / p99 (ms) | ITL median (ms) | E2E median (ms) |")
print("|---|---|---|---|---|---|")
for mode in ("plain", "drafts"):
    for c in (1, 4):
        r = json.load(open(f"{work}/{mode}-c{c}.json"))
        print(f"| {'on' if mode == 'drafts' else 'off'} | {c} | {r['output_throughput']:.0f} | "
              f"{r['median_tpot_ms']:.2f} / {r['p99_tpot_ms']:.2f} | {r['median_itl_ms']:.2f} | "
              f"{r['median_e2el_ms']:.0f} |")
print(open(f"{work}/drafts-metrics.txt").read().strip())
PY
