#!/usr/bin/env bash
# Benchmarks Verge against a plain Go net/http server and workerd on this
# machine, in one run: each server pinned to CPU 0, wrk pinned to CPU 1.
# Writes bench/RESULTS.md. Usage: bench/run.sh [seconds-per-run]
set -euo pipefail
cd "$(dirname "$0")"
DUR=${1:-10}
CONNS=50
OUT=out
mkdir -p "$OUT"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -x node_modules/.bin/workerd ] || npm install --no-audit --no-fund --loglevel=error
go build -o "$OUT/verge" ../cmd/verge
go build -o "$OUT/hello-go" ./hello-go

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() { for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "port $1 did not come up" >&2; return 1; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# wrk_run NAME PORT -> appends a table row
rows=()
wrk_run() {
  local name=$1 port=$2 pid=$3
  curl -fs "http://127.0.0.1:$port/" >/dev/null
  taskset -c 1 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/" >/dev/null # warm up
  local res; res=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "http://127.0.0.1:$port/")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$res")
  p50=$(awk '$1=="50%" {print $2}' <<<"$res")
  p99=$(awk '$1=="99%" {print $2}' <<<"$res")
  rows+=("| $name | $rps | $p50 | $p99 | $(rss_mb "$pid") |")
  echo "$name: $rps req/s p50 $p50 p99 $p99" >&2
}

start_verge() { # worker port
  taskset -c 0 "$OUT/verge" dev "workers/$1.js" --port "$2" --quiet --watch=false >"$OUT/verge-$1.log" 2>&1 &
  pids+=($!); wait_port "$2"; echo "${pids[-1]}"
}
start_workerd() { # worker port
  cat >"$OUT/$1.capnp" <<CAPNP
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w) ],
  sockets = [ (name = "http", address = "127.0.0.1:$2", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "../workers/$1.js") ],
  compatibilityDate = "2024-09-01",
);
CAPNP
  taskset -c 0 node_modules/.bin/workerd serve "$OUT/$1.capnp" >"$OUT/workerd-$1.log" 2>&1 &
  pids+=($!); wait_port "$2"; echo "${pids[-1]}"
}

# Startup: time from exec to first response.
startup() { # cmd...
  local t0 t1; t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 & local pid=$!; pids+=($pid)
  wait_port "$PORT" >/dev/null; t1=$(date +%s%N)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $(( (t1 - t0) / 1000000 ))
}

for w in hello cpu jwt; do
  echo "== $w" >&2
  rows+=("| **$w** | | | | |")
  if [ "$w" = hello ]; then
    taskset -c 0 "$OUT/hello-go" -addr 127.0.0.1:8790 & pids+=($!); wait_port 8790
    wrk_run "Go net/http" 8790 "${pids[-1]}"; kill "${pids[-1]}"
  fi
  pid=$(start_verge "$w" 8789); wrk_run "Verge" 8789 "$pid"; kill "$pid"
  pid=$(start_workerd "$w" 8791); wrk_run "workerd" 8791 "$pid"; kill "$pid"
  sleep 0.5
done

PORT=8789; verge_start=$(startup taskset -c 0 "$OUT/verge" dev workers/hello.js --port 8789 --quiet --watch=false)
PORT=8791; workerd_start=$(startup taskset -c 0 node_modules/.bin/workerd serve "$OUT/hello.capnp")

{
  echo "# Benchmark results"
  echo
  echo "Date: $(date -u +%Y-%m-%d). Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)."
  echo "Each server pinned to CPU 0 (taskset), wrk pinned to CPU 1: 1 thread, $CONNS connections, ${DUR}s after a 2s warm-up."
  echo "$(node_modules/.bin/workerd --version 2>/dev/null | head -1). Reproduce: \`bench/run.sh\`."
  echo
  echo "| server | requests/s | p50 | p99 | RSS MiB |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Startup to first response: Verge ${verge_start} ms, workerd ${workerd_start} ms."
  echo
  echo "In-process figures (\`go test -run x -bench . ./worker ./engine\`) are in the issue notes."
} > RESULTS.md
cat RESULTS.md
