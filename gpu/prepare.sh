#!/usr/bin/env bash
# Run HERE (a machine with a JDK, Maven's local repository and ideally nvcc), before a device run. The device
# machines have no Java; each device call carries at most 64 MiB, so there are two carries:
#
# gpu/prepare.sh            -> gpu/.carry, for gpu/check.sh (the GPU tests and benchmarks):
#   jre.tar.xz              a jlink'ed Java 25 runtime (only the modules the engine and its tests use), xz-packed
#   classes.jar             engine classes + resources (the committed PTX, and the sm_80/sm_90 cubins when nvcc built them)
#   test-classes.jar        engine test classes
#   lib/*.jar               the engine's dependencies (test scope), JCuda's natives slimmed to its driver binding
#   junit-console.jar       JUnit's console launcher
#   fixtures/models         the test models (../shared/fixtures/models, ~5.6 MB: the model runner's device tests read
#                           them; ../shared beside the checkout does not travel, check.sh links it into place)
#
# gpu/prepare.sh serve      -> gpu/.carry-serve, for gpu/serve-check.sh (an inference node on the GPU + bench-serve):
#   jre.tar.xz              a runtime with the modules the Spring Boot node uses
#   node/classes.jar        the inference node's classes and resources (its Spring Boot jar's BOOT-INF/classes)
#   node/lib/*.jar          its dependencies, the engine among them (JCuda's natives slimmed as above)
#   tokenizer/              Llama 2's tokenizer.model (the synthetic 7B model's vocabulary)
#
# Both are ignored by git; name one in the device tool's `carry` (the whole tree plus carried paths: 64 MiB).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
java_home="$("$root/.mvn/java25")"
mode="${1:-tests}"

# JCuda's natives jar also holds NVRTC, runtime and PTX-compiler bindings (24 MB unpacked): keep the driver binding only
slim_natives() {  # jar
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && "$java_home/bin/jar" xf "$1" lib/ && find lib -type f ! -name 'libJCudaDriver-*' -delete)
  rm "$1" && "$java_home/bin/jar" cf "$1" -C "$tmp" lib && rm -rf "$tmp"
}

# a runtime of the given modules, left uncompressed by jlink because xz packs that far better (22 MB against 36 MB
# for a zip-compressed image); the check scripts unpack it
make_jre() {  # out.tar.xz modules
  local image; image="$(mktemp -d)/jre"
  "$java_home/bin/jlink" --add-modules "$2" --strip-debug --no-header-files --no-man-pages --compress=zip-0 --output "$image"
  tar -C "$image" -cf - . | xz -9 -T2 > "$1"
  rm -rf "$(dirname "$image")"
}

case "$mode" in
tests)
  out=gpu/.carry
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
  slim_natives "$root/$(ls "$out"/lib/jcuda-natives-*-linux-x86_64.jar)"

  "$java_home/bin/jar" cf "$out/classes.jar" -C engine/target/classes .
  "$java_home/bin/jar" cf "$out/test-classes.jar" -C engine/target/test-classes .

  # Modules the engine, JUnit's launcher and the test libraries use (jdeps over-reports optional ones such as
  # java.desktop, which is needed after all: LoadedModel's chat templates run on Jinjava, which uses java.beans)
  make_jre "$out/jre.tar.xz" java.base,java.logging,java.xml,java.management,java.instrument,java.sql,jdk.unsupported,jdk.zipfs,jdk.incubator.vector,java.desktop

  fixtures="$(cd "$root/.." && pwd)/shared/fixtures"
  mkdir -p "$out/fixtures" && cp -r "$fixtures/models" "$out/fixtures/"
  ;;
serve)
  out=gpu/.carry-serve
  rm -rf "$out" && mkdir -p "$out/node" "$out/tokenizer"
  ./mvnw -B -q -DskipTests -pl inference-node -am package
  node_jar="$(ls inference-node/target/inference-node-*.jar | grep -v -- '-plain' | head -1)"
  tmp="$(mktemp -d)"
  (cd "$tmp" && "$java_home/bin/jar" xf "$root/$node_jar" BOOT-INF/)
  mv "$tmp/BOOT-INF/lib" "$out/node/lib"
  "$java_home/bin/jar" cf "$out/node/classes.jar" -C "$tmp/BOOT-INF/classes" .
  rm -rf "$tmp"
  slim_natives "$root/$(ls "$out"/node/lib/jcuda-natives-*-linux-x86_64.jar)"

  # Spring Boot and Tomcat want JNDI, java.net.http (the Hub client), JMX and jdk.management (Micrometer's process
  # metrics) and GSS-API (Tomcat's default realm) besides what the engine uses
  make_jre "$out/jre.tar.xz" java.base,java.logging,java.xml,java.management,java.instrument,java.sql,jdk.unsupported,jdk.zipfs,jdk.incubator.vector,java.desktop,java.naming,java.net.http,java.security.jgss,jdk.management

  llama2="$(cd "$root/.." && pwd)/shared/fixtures/tokenizers/llama2"
  cp "$llama2"/tokenizer.model "$out/tokenizer/"
  [[ -f "$llama2/tokenizer_config.json" ]] && cp "$llama2/tokenizer_config.json" "$out/tokenizer/"
  ;;
*)
  echo "usage: gpu/prepare.sh [tests|serve]" >&2; exit 2 ;;
esac

echo "$out ready:"
du -sh "$out"/* | sort -h
du -sh "$out"
