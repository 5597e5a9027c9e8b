# Sourced by gpu/check.sh and gpu/serve-check.sh on a device machine (no Java there).
# unpack_jre CARRY DEST: the carried runtime (CARRY/jre.tar.xz) into DEST, unless DEST holds it already.
unpack_jre() {
  [[ -f "$1/jre.tar.xz" ]] || { echo "no $1/jre.tar.xz: run gpu/prepare.sh here and carry $1" >&2; return 2; }
  if [[ ! -x "$2/bin/java" || ! -f "$2/.unpacked" || "$1/jre.tar.xz" -nt "$2/.unpacked" ]]; then
    rm -rf "$2" && mkdir -p "$2" && xz -dc "$1/jre.tar.xz" | tar -C "$2" -xf - && touch "$2/.unpacked" || return 2
  fi
}
# libcuda from the driver's folder where the loader does not know it
if ! ldconfig -p 2>/dev/null | grep -q 'libcuda.so.1'; then
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu; do
    [[ -e "$d/libcuda.so.1" ]] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  done
fi
# limit SECONDS: a stage's time limit cut to what is left of the device call's 600 s (QUANTSERVE_BUDGET, default
# 570 s from the start of the script), so that a stage that hangs still leaves the table printed; at least 1
limit() {
  local left=$(( ${QUANTSERVE_BUDGET:-570} - SECONDS ))
  (( left < 1 )) && left=1
  echo $(( $1 < left ? $1 : left ))
}
