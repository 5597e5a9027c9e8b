#!/usr/bin/env bash
# Runs HERE (no GPU needed): the engine's GPU device tests on the host CUDA emulation built with AddressSanitizer and
# UndefinedBehaviorSanitizer (EmulatedCuda with quantserve.test.cuda-emulation.sanitize=true, every allocation's guard
# bytes poisoned). A kernel that reads or writes outside a buffer, or loads a vector from a misaligned address -
# faults on a device that the plain emulated run cannot see (its guard bytes catch writes only) - stops the run,
# naming the kernel's source line. For kernels written without a GPU, before their first device run.
#   bash gpu/sanitized-emulation.sh [JUnit console selectors]   (default: every device test of the engine but the
#   model bench; all 162 took ~11 minutes on 2 cores, 2026-11-25)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
java_home="$("$root/.mvn/java25")"
target="$root/engine/target"

./mvnw -B -q -pl engine test-compile
./mvnw -B -q -pl engine dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$target/test-classpath.txt"
[[ -f "$target/junit-console.jar" ]] || {
  ./mvnw -B -q -pl engine dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:6.0.3 \
    -DoutputDirectory="$target" -Dmdep.stripVersion=true
  mv "$target/junit-platform-console-standalone.jar" "$target/junit-console.jar"
}
# the console launcher brings JUnit itself: the project's copies would be a second version on the class path
deps="$(tr ':' '\n' < "$target/test-classpath.txt" | grep -v -E '/(junit-jupiter|junit-platform|opentest4j|apiguardian)' | paste -sd:)"
selectors=("$@")
[[ ${#selectors[@]} -gt 0 ]] || selectors=(--scan-class-path "$target/test-classes" --include-classname '.*DeviceTest'
  --exclude-classname '.*GpuModelBenchDeviceTest')

cd "$root/engine"  # where EmulatedCuda and the tests find their sources
# the JVM's own SIGSEGV use (null checks, safepoints) stays the JVM's; leaks are not what is looked for
LD_PRELOAD="$(c++ -print-file-name=libasan.so):$(c++ -print-file-name=libubsan.so)" \
ASAN_OPTIONS=handle_segv=0:allow_user_segv_handler=1:detect_leaks=0:abort_on_error=1 \
  "$java_home/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx6g \
  -Dquantserve.test.cuda-emulation=true -Dquantserve.test.cuda-emulation.sanitize=true \
  -Dquantserve.gpu.awq-tune=false -Dquantserve.gpu.awq-tune-cache="$target/awq-kernels" \
  -jar "$target/junit-console.jar" execute --class-path "$target/classes:$target/test-classes:$deps" "${selectors[@]}" \
  --details=summary --disable-banner --disable-ansi-colors
