#!/usr/bin/env bash
# Compiles the engine's CUDA kernels (every *.cu here is one module):
#   <module>.ptx          portable PTX for compute_80 (sm_80 and newer JIT-compile it), into PTX_DIR
#   <module>.sm_80.cubin  machine code for A100-class GPUs, into CUBIN_DIR
#   <module>.sm_90.cubin  machine code for H100/H200, into CUBIN_DIR
# Each PTX starts with a line naming the SHA-256 of the sources and flags it came from (see sources_hash), which
# GpuResourcesTest compares with the sources as they are: a committed PTX that is out of date fails the build.
#
# Usage: build.sh PTX_DIR [CUBIN_DIR]
#   The Maven profile 'cuda' (active where /usr/local/bin/nvcc exists) runs
#     build.sh target/cuda-ptx target/classes/io/quantserve/engine/gpu
#   After changing a kernel, regenerate the committed PTX (what machines without nvcc run) with
#     engine/src/main/cuda/build.sh engine/src/main/resources/io/quantserve/engine/gpu
# Outputs newer than every source are left alone, so a build with nothing changed spends no time here.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
ptx_dir="${1:?usage: build.sh PTX_DIR [CUBIN_DIR]}"
cubin_dir="${2:-}"
nvcc="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
# Part of the sources hash: changing them regenerates everything.
flags="-O3 -std=c++17"
mkdir -p "$ptx_dir" ${cubin_dir:+"$cubin_dir"}

# One module's sources: its .cu and every shared .cuh header (a new module leaves the others' hashes alone).
sources_hash() {
  (cd "$here" && { printf 'flags: %s\n' "$flags"; for f in $(ls "$1.cu" *.cuh | LC_ALL=C sort); do printf '%s\n' "$f"; cat "$f"; done; }) \
    | sha256sum | cut -d' ' -f1
}

newest_source="$(ls -t "$here"/*.cu "$here"/*.cuh "$here"/build.sh | head -1)"
fresh() { [[ -f "$1" && "$1" -nt "$newest_source" ]]; }

pids=()
for cu in "$here"/*.cu; do
  m="$(basename "$cu" .cu)"
  if ! fresh "$ptx_dir/$m.ptx"; then
    (
      tmp="$(mktemp "$ptx_dir/.$m.XXXXXX")"
      "$nvcc" $flags -ptx -arch=compute_80 -o "$tmp.body" "$cu"
      { printf '// quantserve-sources-sha256: %s\n' "$(sources_hash "$m")"; cat "$tmp.body"; } > "$tmp"
      rm -f "$tmp.body"
      chmod 644 "$tmp"
      mv "$tmp" "$ptx_dir/$m.ptx"
    ) & pids+=($!)
  fi
  if [[ -n "$cubin_dir" ]]; then
    for sm in 80 90; do
      out="$cubin_dir/$m.sm_$sm.cubin"
      if ! fresh "$out"; then
        ( "$nvcc" $flags -cubin -arch=sm_$sm -o "$out.tmp" "$cu" && mv "$out.tmp" "$out" ) & pids+=($!)
      fi
    done
  fi
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
exit $status
