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
go build -o "$OUT/density" ./density

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() { for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$1/" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "port $1 did not come up" >&2; return 1; }

# wrk_run NAME PORT -> appends a table row
rows=()
declare -A RPS P99
wrk_run() {
  local name=$1 port=$2 pid=$3
  curl -fs "http://127.0.0.1:$port/" >/dev/null
  taskset -c 1 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/" >/dev/null # warm up
  local res; res=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "http://127.0.0.1:$port/")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$res")
  p50=$(awk '$1=="50%" {print $2}' <<<"$res")
  p99=$(awk '$1=="99%" {print $2}' <<<"$res")
  rows+=("| $name | $rps | $p50 | $p99 | $(rss_tree "$pid") |")
  RPS["$name/$W"]=$rps; P99["$name/$W"]=$p99
  echo "$name: $rps req/s p50 $p50 p99 $p99" >&2
}

start_verge() { # worker port
  taskset -c 0 "$OUT/verge" dev "workers/$1.js" --port "$2" --quiet --watch=false >"$OUT/verge-$1.log" 2>&1 &
  pids+=($!); wait_port "$2"; echo "${pids[-1]}"
}
start_serve() { # worker port hosts cpus
  taskset -c "$4" "$OUT/verge" serve "workers/$1.js" --listen "127.0.0.1:$2" --hosts "$3" >"$OUT/serve-$1.log" 2>&1 &
  pids+=($!); wait_port "$2"; echo "${pids[-1]}"
}
# rss_tree PID: RSS of a process and its children (the isolate hosts).
rss_tree() { local t=0 p; for p in $1 $(pgrep -P "$1"); do t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status"))); done; awk -v t="$t" 'BEGIN {printf "%.1f", t/1024}'; }
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
  W=$w
  echo "== $w" >&2
  rows+=("| **$w** | | | | |")
  if [ "$w" = hello ]; then
    taskset -c 0 "$OUT/hello-go" -addr 127.0.0.1:8790 & pids+=($!); wait_port 8790
    wrk_run "Go net/http" 8790 "${pids[-1]}"; kill "${pids[-1]}"
  fi
  pid=$(start_verge "$w" 8789); wrk_run "Verge dev (in-process)" 8789 "$pid"; kill "$pid"
  pid=$(start_serve "$w" 8792 1 0); wrk_run "Verge serve (front + 1 isolate host)" 8792 "$pid"; kill "$pid"
  pid=$(start_workerd "$w" 8791); wrk_run "workerd" 8791 "$pid"; kill "$pid"
  sleep 0.5
done

# Scaling: the CPU worker with 1 and then 2 isolate hosts on both cores.
# wrk shares the cores (16 connections; the CPU worker keeps its share small).
# One run swings by a third on this machine, so each is run three times,
# alternating, and the medians are compared.
declare -A runs
for round in 1 2 3; do
  for n in 1 2; do
    pid=$(start_serve cpu 8793 "$n" 0,1)
    curl -fs http://127.0.0.1:8793/ >/dev/null
    wrk -t1 -c16 -d2s http://127.0.0.1:8793/ >/dev/null
    runs[$n]+="$(wrk -t1 -c16 -d"${DUR}s" http://127.0.0.1:8793/ | awk '/Requests\/sec/ {print $2}') "
    kill "$pid"; sleep 0.5
  done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
scale=("$(median "${runs[1]}")" "$(median "${runs[2]}")")
echo "scaling: 1 host ${runs[1]}; 2 hosts ${runs[2]}; medians ${scale[*]}" >&2
density=$(GOMAXPROCS=1 taskset -c 0 "$OUT/density" -n 1000)
echo "$density" >&2

PORT=8794; serve_start=$(startup taskset -c 0 "$OUT/verge" serve workers/hello.js --listen 127.0.0.1:8794 --hosts 1)
PORT=8789; verge_start=$(startup taskset -c 0 "$OUT/verge" dev workers/hello.js --port 8789 --quiet --watch=false)
PORT=8791; workerd_start=$(startup taskset -c 0 node_modules/.bin/workerd serve "$OUT/hello.capnp")

# Sections below this line in RESULTS.md are written by hand (one per
# benchmark elsewhere in the tree) and kept.
marker="<!-- Everything above is written by bench/run.sh; sections below are kept. -->"
kept=""
[ -f RESULTS.md ] && kept=$(awk -v m="$marker" 'found {print} $0 == m {found = 1}' RESULTS.md)

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
  echo "Verge serve is the production path: the front parses the request and forwards it over a Unix socket to an isolate host process; both are pinned to CPU 0 here. RSS includes the hosts."
  echo
  echo "Scaling (CPU worker, \`verge serve\` on both cores, wrk 16 connections sharing them; median of three alternating runs each): 1 host ${scale[0]} req/s (runs: ${runs[1]% }), 2 hosts ${scale[1]} req/s (runs: ${runs[2]% }), ratio $(awk -v a="${scale[0]}" -v b="${scale[1]}" 'BEGIN {printf "%.2f", b/a}')x."
  echo
  echo "Idle density and cold start in one isolate host (\`bench/density\`: 1,000 distinct 2 KB workers, one warm VM each, loaded then served once): \`$density\`."
  echo
  echo "Startup to first response: Verge dev ${verge_start} ms, Verge serve (front + host) ${serve_start} ms, workerd ${workerd_start} ms."
  echo
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
  # met VALUE OP LIMIT: yes/no (values like 3.50ms or 1.2s are taken in ms)
  met() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v ~ /us$/) v = v/1000; else if (v ~ /ms$/) v = v+0; else if (v ~ /s$/) v = v*1000;
    ok = (op == ">=") ? (v >= l) : (v < l); print ok ? "yes" : "no" }'; }
  dev="Verge dev (in-process)"; srv="Verge serve (front + 1 isolate host)"
  echo "## Targets (issue 3)"
  echo
  echo "| target | measured | met |"
  echo "|---|---|---|"
  echo "| hello ≥ 2x workerd req/s | serve $(ratio "${RPS[$srv/hello]}" "${RPS[workerd/hello]}")x, dev $(ratio "${RPS[$dev/hello]}" "${RPS[workerd/hello]}")x | $(met "$(ratio "${RPS[$srv/hello]}" "${RPS[workerd/hello]}")" ">=" 2) |"
  echo "| hello ≥ 70% of net/http | serve $(ratio "${RPS[$srv/hello]}" "${RPS[Go net/http/hello]}")x, dev $(ratio "${RPS[$dev/hello]}" "${RPS[Go net/http/hello]}")x | $(met "$(ratio "${RPS[$srv/hello]}" "${RPS[Go net/http/hello]}")" ">=" 0.7) |"
  echo "| hello p99 < 5 ms at 50 connections | serve ${P99[$srv/hello]}, dev ${P99[$dev/hello]} (workerd ${P99[workerd/hello]}) | $(met "${P99[$srv/hello]}" "<" 5) |"
  echo "| CPU worker ≥ 0.5x workerd | serve $(ratio "${RPS[$srv/cpu]}" "${RPS[workerd/cpu]}")x, dev $(ratio "${RPS[$dev/cpu]}" "${RPS[workerd/cpu]}")x | $(met "$(ratio "${RPS[$srv/cpu]}" "${RPS[workerd/cpu]}")" ">=" 0.5) |"
  echo "| 2 hosts ≥ 1.8x one host | $(ratio "${scale[1]}" "${scale[0]}")x (wrk shares the 2 cores) | $(met "$(ratio "${scale[1]}" "${scale[0]}")" ">=" 1.8) |"
  echo "| ≥ 5,000 idle warm workers per GiB | $(sed 's/.*workers_per_gib=\([0-9]*\).*/\1/' <<<"$density") | $(met "$(sed 's/.*workers_per_gib=\([0-9]*\).*/\1/' <<<"$density")" ">=" 5000) |"
  echo "| cold start 2 KB p50 < 1 ms, 1 MB < 20 ms | see below | in process: yes |"
  echo
  echo "Cold start in process (\`go test -run x -bench ColdStart ./worker\`): 2 KB into a spare VM 0.9 ms, precompiled 0.54 ms; 1 MB 5.5 ms. Through an isolate host with no spare VM left (density run above) the p50 includes creating the VM (~1.7 ms)."
  echo
  echo "What limits the missed targets: QuickJS is an interpreter compiled from C to Go (ccgo), so JS-heavy work runs ~20x slower than V8's JIT (the CPU worker spends 95% of its time in QuickJS's own JSON.stringify); the front-to-host hop costs a second HTTP parse and serialize per request and a third of the front's CPU in syscalls (serve vs dev above); each VM holds its own copy of the Web API bytecode and objects: 505 KB of heap once rarely used areas (crypto, streams, Blob, FormData, WebAssembly, Cache API, structuredClone, compression) load on first touch, of which the always-needed areas (events, headers, URL, fetch, console, encoding, abort) are ~340 KB. See RATIONALE.md."
  echo
  echo "In-process figures (\`go test -run x -bench . ./worker ./engine\`) are in the issue notes."
  echo
  echo "$marker"
  if [ -n "$kept" ]; then printf '%s\n' "$kept"; fi
} > RESULTS.md.new
mv RESULTS.md.new RESULTS.md
cat RESULTS.md
