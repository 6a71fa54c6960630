#!/usr/bin/env bash
# Starts (or reuses) a private Docker engine for the end-to-end tests: dockerd with its socket,
# data and state under DIR, no default bridge and no iptables (containers use
# `network_mode: host`, loopback only). Installs what is missing first (install.sh).
# Idempotent and safe to run concurrently (a lock under DIR).
# Usage: start-engine.sh [DIR]   (default ${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e}; keep it short:
# unix socket paths must stay under 108 bytes)
# Prints the line to eval:  export DOCKER_HOST=unix://DIR/docker.sock DOCKER_CONFIG=DIR/config
# Stop with stop.sh DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e}}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
exec 9>"$dir/start.lock"
flock 9
"$here/install.sh" "$dir"
mkdir -p "$dir/config"
ln -sfn "$dir/cli-plugins" "$dir/config/cli-plugins"
sock=$dir/docker.sock
export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$dir/config
if ! docker info >/dev/null 2>&1; then
  # A stale pid file from a killed engine would stop dockerd from starting.
  if [ -f "$dir/dockerd.pid" ] && ! kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; then
    rm -f "$dir/dockerd.pid"
  fi
  # setsid: the engine outlives the shell (and test process) that started it; 9>&-: it
  # must not hold the lock.
  setsid dockerd --host "$DOCKER_HOST" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" --bridge=none --iptables=false --ip-masq=false \
    --ip6tables=false --userland-proxy=false \
    </dev/null >>"$dir/dockerd.log" 2>&1 9>&- &
  for _ in $(seq 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    echo "e2e: dockerd did not start; the end of $dir/dockerd.log:" >&2
    tail -20 "$dir/dockerd.log" >&2
    exit 1
  fi
  # Containers left by a run that was killed would come back with the engine (restart
  # policies): nothing can be using this fresh engine yet, so remove them all.
  stale=$(docker ps -aq)
  if [ -n "$stale" ]; then
    # shellcheck disable=SC2086 # one ID per word
    docker rm -f $stale >/dev/null
  fi
fi
docker compose version >/dev/null || { echo "e2e: docker compose v2 plugin does not run" >&2; exit 1; }
echo "export DOCKER_HOST=$DOCKER_HOST DOCKER_CONFIG=$DOCKER_CONFIG"
