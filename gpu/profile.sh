#!/usr/bin/env bash
# Runs ON a device machine: Nsight Compute over one launch of a kernel while GpuBench runs, and the SASS of its module,
# for reading what limits a kernel (stall reasons, instructions per byte, occupancy). Needs gpu/.carry (prepare.sh).
#   run(command="bash gpu/profile.sh [KERNEL_REGEX [MODULE [SKIP]]]", carry=["gpu/.carry"])
# defaults: awq_gemv_f16, module awq_gemv, the 11th matching launch (the first Llama-7B shape, after warm-up).
# GpuBench's shapes can be set with QS_BENCH_SHAPES ("K:N ..."), JVM options with QS_JAVA_OPTS (the ring GEMV:
# QS_JAVA_OPTS=-Dquantserve.gpu.awq-gemv=ring with KERNEL_REGEX awq_gemv_ring). Full report: $OUT/ncu.txt, SASS:
# $OUT/<module>.sass.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$root/gpu/out}"; mkdir -p "$out"
kernel="${1:-awq_gemv_f16}"; module="${2:-awq_gemv}"; skip="${3:-10}"
source "$root/gpu/device-env.sh"
unpack_jre "$root/gpu/.carry" /tmp/quantserve-jre || exit 2
python3 -c "import zipfile,sys;z=zipfile.ZipFile(sys.argv[1]);open('/tmp/m.cubin','wb').write(z.read(sys.argv[2]))" \
  "$root/gpu/.carry/classes.jar" "io/quantserve/engine/gpu/$module.sm_90.cubin" && cuobjdump -sass /tmp/m.cubin > "$out/$module.sass"
cp="$root/gpu/.carry/classes.jar:$root/gpu/.carry/test-classes.jar:$(ls "$root"/gpu/.carry/lib/*.jar | paste -sd:)"
ncu="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu | head -1)"
(cd "$root/engine" && timeout "$(limit 300)" "$ncu" --clock-control none --set full -k "regex:$kernel" --launch-skip "$skip" \
  --launch-count 1 /tmp/quantserve-jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx4g \
  ${QS_JAVA_OPTS:-} -cp "$cp" io.quantserve.engine.gpu.bench.GpuBench ${QS_BENCH_SHAPES:-}) > "$out/ncu.txt" 2>&1
echo "ncu exit $?"
grep -E "Duration|DRAM Throughput|Executed Instructions  |Issued Warp Per Scheduler|Eligible Warps|Achieved Occupancy|Registers Per Thread" "$out/ncu.txt"
