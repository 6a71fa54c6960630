#!/usr/bin/env bash
# Stops everything the e2e scripts started under DIR: every registry (DIR/**/registry.pid),
# then the engine (its containers stop with it). By pid files only.
# Usage: stop.sh [DIR]   (default ${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e})
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e}}
[ -d "$dir" ] || exit 0
find "$dir" -maxdepth 3 -name registry.pid -not -path "$dir/data/*" -print0 |
  while IFS= read -r -d '' f; do "$here/stop-registry.sh" "$(dirname "$f")"; done
pidfile=$dir/dockerd.pid
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
fi
