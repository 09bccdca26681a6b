#!/usr/bin/env bash
# Compares two builds of Verge on one worker through `verge serve`, in
# alternating runs (the machine's drift falls on both alike): each server
# pinned to CPU 0, wrk to CPU 1, as in run.sh.
#
#   bench/ab.sh REV_A [REV_B] [worker] [rounds] [seconds]
#
# REV_* are git revisions (REV_B defaults to the working tree); worker is
# one of bench/workers (hello). Prints req/s and p99 per run. The proxy
# worker forwards to an origin that answers after 20 ms (bench/hello-go
# -delay), with 200 connections: it measures I/O-bound concurrency.
set -euo pipefail
cd "$(dirname "$0")"
A=$1 B=${2:-} W=${3:-hello} ROUNDS=${4:-3} DUR=${5:-5} PORT=8795
OUT=out/ab
mkdir -p "$OUT"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

build() { # rev dest: builds the binary of a revision (working tree when rev is empty)
  if [ -z "$1" ]; then go build -o "$2" ../cmd/verge; return; fi
  local tree; tree=$(mktemp -d)
  git -C .. worktree add -q --detach "$tree" "$1"
  (cd "$tree" && go build -o "$OLDPWD/$2" ./cmd/verge)
  git -C .. worktree remove --force "$tree"
}
build "$A" "$OUT/a"
build "$B" "$OUT/b"

pid= origin=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$origin" ] && kill "$origin" 2>/dev/null || true' EXIT
TARGET="workers/$W.js" CONNS=50
if [ "$W" = proxy ]; then
  go build -o "$OUT/hello-go" ./hello-go
  taskset -c 1 "$OUT/hello-go" -addr 127.0.0.1:8796 -delay 20ms &
  origin=$!
  TARGET="$OUT/proxy" CONNS=200
  mkdir -p "$TARGET"
  cp workers/proxy.js "$TARGET/worker.js"
  printf 'name = "proxy"\nmain = "worker.js"\norigin = "http://127.0.0.1:8796"\n' >"$TARGET/verge.toml"
fi
for round in $(seq "$ROUNDS"); do
  for v in a b; do
    taskset -c 0 "$OUT/$v" serve "$TARGET" --listen "127.0.0.1:$PORT" --hosts 1 >"$OUT/$v.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
    taskset -c 1 wrk -t1 -c$CONNS -d2s "http://127.0.0.1:$PORT/" >/dev/null
    res=$(taskset -c 1 wrk -t1 -c$CONNS -d"${DUR}s" --latency "http://127.0.0.1:$PORT/")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
    label=${A}; [ "$v" = b ] && label=${B:-working tree}
    echo "round $round  $label: $(awk '/Requests\/sec/ {print $2}' <<<"$res") req/s, p99 $(awk '$1 == "99%" {print $2}' <<<"$res")$(grep -o 'Non-2xx.*' <<<"$res" | sed 's/^/, /')"
  done
done
