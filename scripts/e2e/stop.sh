#!/usr/bin/env bash
# Stops everything the e2e scripts started under DIR: every registry (DIR/**/registry.pid),
# then the engine (its containers stop with it). By pid files only.
# Usage: stop.sh [DIR]   (default ${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e})
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e}}
[ -d "$dir" ] || exit 0
dir=$(cd "$dir" && pwd)
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
# dockerd leaves its default network namespace mounted under DIR/exec/netns: unmount what
# is still mounted under DIR once the engine is gone (deepest first).
if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
    while IFS= read -r mnt; do umount "$mnt" 2>/dev/null || umount -l "$mnt" || true; done
fi
