#!/usr/bin/env bash
# Builds the end-to-end base image without any registry: a busybox-static rootfs imported into
# the engine, user 65532, `httpd` and `wget` (for health checks), /www/health present.
# Default command: httpd on PORT serving /www. Images for tests are built FROM it with the
# legacy builder (DOCKER_BUILDKIT=0 docker build). Idempotent: an existing REF is kept.
# Usage: base-image.sh [REF] [PORT]   (default ghcr-gen-e2e/base:1, 8080; DOCKER_HOST set)
set -euo pipefail
ref=${1:-ghcr-gen-e2e/base:1}; port=${2:-8080}
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
tar -C "$root" --owner=0 --group=0 -c . | docker import \
  -c "USER 65532:65532" -c "EXPOSE $port" \
  -c "CMD [\"/bin/httpd\", \"-f\", \"-p\", \"$port\", \"-h\", \"/www\"]" - "$ref" >/dev/null
echo "$ref"
