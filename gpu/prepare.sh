#!/usr/bin/env bash
# Run HERE (a machine with a JDK, Maven's local repository and ideally nvcc), before a device run: puts in gpu/.carry
# everything gpu/check.sh needs on a device machine that has no Java:
#   jre.tar.xz              a jlink'ed Java 25 runtime (only the modules the engine and its tests use), xz-packed
#   classes.jar             engine classes + resources (the committed PTX, and the sm_80/sm_90 cubins when nvcc built them)
#   test-classes.jar        engine test classes
#   lib/*.jar               the engine's dependencies (test scope), JCuda's natives slimmed to its driver binding
#   junit-console.jar       JUnit's console launcher
#   fixtures/models         the test models (../shared/fixtures/models, ~5.6 MB: the model runner's device tests read
#                           them; ../shared beside the checkout does not travel, check.sh links it into place)
# gpu/.carry is ignored by git; name it in the device tool's `carry` (the whole tree plus carried paths: 64 MiB).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out=gpu/.carry
java_home="$("$root/.mvn/java25")"
junit_version="$(./mvnw -B -q -o -pl engine help:evaluate -Dexpression=junit-jupiter.version -DforceStdout 2>/dev/null || true)"
[[ "$junit_version" =~ ^[0-9] ]] || junit_version=6.0.3

rm -rf "$out" && mkdir -p "$out/lib"
./mvnw -B -q -pl engine test-compile
./mvnw -B -q -pl engine dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$root/$out/lib"
./mvnw -B -q -pl engine dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:"$junit_version" \
  -DoutputDirectory="$root/$out" -Dmdep.stripVersion=true
mv "$out/junit-platform-console-standalone.jar" "$out/junit-console.jar"
# JUnit comes with the console launcher; the copies in lib/ would be a second version on the class path
rm -f "$out"/lib/junit-*.jar "$out"/lib/opentest4j-*.jar "$out"/lib/apiguardian-*.jar

# JCuda's natives jar also holds NVRTC, runtime and PTX-compiler bindings (24 MB unpacked): keep the driver binding only
natives="$(ls "$out"/lib/jcuda-natives-*-linux-x86_64.jar)"
tmp="$(mktemp -d)"
(cd "$tmp" && "$java_home/bin/jar" xf "$root/$natives" lib/ && find lib -type f ! -name 'libJCudaDriver-*' -delete)
rm "$natives" && "$java_home/bin/jar" cf "$root/$natives" -C "$tmp" lib && rm -rf "$tmp"

"$java_home/bin/jar" cf "$out/classes.jar" -C engine/target/classes .
"$java_home/bin/jar" cf "$out/test-classes.jar" -C engine/target/test-classes .

# Modules the engine, JUnit's launcher and the test libraries use (jdeps over-reports optional ones such as
# java.desktop, which is needed after all: LoadedModel's chat templates run on Jinjava, which uses java.beans); the image is left
# uncompressed (96 MB) because xz packs that to 22 MB, against 36 MB for a zip-compressed image; check.sh unpacks it.
modules=java.base,java.logging,java.xml,java.management,java.instrument,java.sql,jdk.unsupported,jdk.zipfs,jdk.incubator.vector,java.desktop
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-0 \
  --output "$out/jre"
tar -C "$out/jre" -cf - . | xz -9 -T2 > "$out/jre.tar.xz"
rm -rf "$out/jre"

fixtures="$(cd "$root/.." && pwd)/shared/fixtures"
mkdir -p "$out/fixtures" && cp -r "$fixtures/models" "$out/fixtures/"

echo "gpu/.carry ready:"
du -ch "$out"/jre.tar.xz "$out"/lib "$out"/*.jar "$out"/fixtures
