#!/usr/bin/env bash
# Stops the registry start-registry.sh started in DIR (by its pid file). Usage: stop-registry.sh DIR
set -euo pipefail
dir=${1:?usage: stop-registry.sh DIR}
pidfile=$dir/registry.pid
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
# Only a docker-registry process: a recycled pid is left alone.
if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q docker-registry; then
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
rm -f "$pidfile"
