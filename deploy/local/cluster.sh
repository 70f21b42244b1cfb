#!/usr/bin/env bash
# A local Parlor cluster on loopback, one process per node.
#   deploy/local/cluster.sh start [N]   start N nodes (default 3): HTTP 4000.., cluster 4370..
#   deploy/local/cluster.sh status      what each node's /api/cluster says
#   deploy/local/cluster.sh stop        SIGTERM every node started here
# Names are n1..nN, regions cycle through fra, iad, sin. Node i seeds from node 1.
# State lives in ./data/local (databases, logs, pids); PARLOR_BIN overrides the binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${PARLOR_BIN:-build/bin/parlor-node}
dir=data/local
regions=(fra iad sin)
secret_args=()
[[ -n ${PARLOR_CLUSTER_SECRET:-} ]] && secret_args=(--cluster-secret="$PARLOR_CLUSTER_SECRET")

start() {
  local n=${1:-3}
  [[ -x $bin ]] || { echo "no $bin: build first (scripts/setup.sh)" >&2; exit 1; }
  mkdir -p "$dir"
  for ((i = 1; i <= n; i++)); do
    local name=n$i http=$((3999 + i)) cport=$((4369 + i))
    local seeds=()
    ((i > 1)) && seeds=(--seeds=127.0.0.1:4370)
    if [[ -f $dir/$name.pid ]] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then
      echo "$name already running (pid $(cat "$dir/$name.pid"))"
      continue
    fi
    "$bin" --name="$name" --region="${regions[$(((i - 1) % ${#regions[@]}))]}" \
      --http-host=127.0.0.1 --http-port="$http" \
      --cluster-host=127.0.0.1 --cluster-port="$cport" \
      --data-dir="$dir/$name" "${seeds[@]}" "${secret_args[@]}" \
      >"$dir/$name.log" 2>&1 &
    echo $! >"$dir/$name.pid"
    echo "$name: http://127.0.0.1:$http (cluster 127.0.0.1:$cport), log $dir/$name.log"
  done
}

status() {
  for pidfile in "$dir"/*.pid; do
    [[ -e $pidfile ]] || { echo "no nodes started"; return; }
    local name
    name=$(basename "$pidfile" .pid)
    local http=$((3999 + ${name#n}))
    printf '%s: ' "$name"
    curl -fsS "http://127.0.0.1:$http/api/cluster" 2>/dev/null || printf 'not answering'
    echo
  done
}

stop() {
  for pidfile in "$dir"/*.pid; do
    [[ -e $pidfile ]] || continue
    local pid
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null && echo "stopping $(basename "$pidfile" .pid) (pid $pid)"
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start) start "${2:-3}" ;;
  status) status ;;
  stop) stop ;;
  *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
