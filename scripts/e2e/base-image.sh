#!/usr/bin/env bash
# Builds the end-to-end base image without any registry: a busybox-static rootfs imported into
# the engine, user 65532, `httpd` and `wget` (for health checks), /www/health present.
# Default command: httpd on PORT serving /www. Stop signal SIGKILL: httpd runs as PID 1,
# which ignores SIGTERM, so a TERM would only make every stop wait for the engine's timeout. Images for tests are built FROM it with the
# legacy builder (DOCKER_BUILDKIT=0 docker build). Idempotent: an existing REF is kept.
# Usage: base-image.sh [REF] [PORT]   (default ghcr-gen-e2e/base:2, 8080; DOCKER_HOST set)
set -euo pipefail
ref=${1:-ghcr-gen-e2e/base:2}; port=${2:-8080}
# One build at a time per engine (DOCKER_HOST=unix://DIR/docker.sock: the lock is DIR/base.lock).
sock=${DOCKER_HOST:-}; sock=${sock#unix://}
if [ -n "$sock" ] && [ -w "$(dirname "$sock")" ]; then
  exec 9>"$(dirname "$sock")/base.lock"
  flock 9
fi
if docker image inspect "$ref" >/dev/null 2>&1; then echo "$ref"; exit 0; fi
busybox=$(command -v busybox) || { echo "e2e: busybox is not installed (install.sh)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
cp "$busybox" "$root/bin/busybox"
for a in sh wget httpd cat echo sleep ls env true false; do ln -s busybox "$root/bin/$a"; done
echo ok > "$root/www/health"
echo 'nobody:x:65532:65532:nobody:/:/bin/sh' > "$root/etc/passwd"
echo 'nobody:x:65532:' > "$root/etc/group"
chmod 1777 "$root/tmp"
tar -C "$root" --owner=0 --group=0 -c . | docker import - "$ref-rootfs" >/dev/null
# `docker import -c` takes no STOPSIGNAL: the rest is a Dockerfile (no RUN: no network needed).
cat > "$root/Dockerfile" <<DOCKERFILE
FROM $ref-rootfs
USER 65532:65532
EXPOSE $port
STOPSIGNAL SIGKILL
CMD ["/bin/httpd", "-f", "-p", "$port", "-h", "/www"]
DOCKERFILE
DOCKER_BUILDKIT=0 docker build -q -t "$ref" -f "$root/Dockerfile" "$root/www" >/dev/null
docker rmi "$ref-rootfs" >/dev/null
echo "$ref"
