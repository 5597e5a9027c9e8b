# Sourced by the benchmark scripts: one ./quantserve serve node in the background for a run of bench-serve.
#   start_node LOG PORT [serve arguments ...]   starts it, waits for /health (NODE holds its pid; killed on exit)
#   stop_node                                    stops it

start_node() {
  local log=$1 port=$2
  shift 2
  ./quantserve serve --port "$port" "$@" >"$log" 2>&1 &
  NODE=$!
  trap 'kill $NODE 2>/dev/null || true' EXIT
  for _ in $(seq 1 300); do
    curl -sf "http://localhost:$port/health" >/dev/null 2>&1 && return 0
    kill -0 $NODE 2>/dev/null || { echo "node failed to start; see $log" >&2; exit 1; }
    sleep 1
  done
  echo "node not ready after 300 s; see $log" >&2
  exit 1
}

stop_node() {
  kill $NODE
  wait $NODE 2>/dev/null || true
  trap - EXIT
}
