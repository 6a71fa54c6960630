#!/usr/bin/env bash
# Starts a real OCI distribution registry (Debian's docker-registry, CNCF distribution 2.8) on
# 127.0.0.1:PORT, storage and logs under DIR, deletes enabled. A registry already started in
# DIR is stopped first. Loopback registries need no TLS for docker.
# Usage: start-registry.sh DIR PORT [none|htpasswd USER PASS]
#   PASS "-" reads the password from standard input (keeps it out of every argument list).
# With htpasswd, clients must `docker login 127.0.0.1:PORT`. Stop with stop-registry.sh DIR.
set -euo pipefail
usage="usage: start-registry.sh DIR PORT [none|htpasswd USER PASS]"
dir=${1:?$usage}; port=${2:?$usage}; auth=${3:-none}
command -v docker-registry >/dev/null || "$(dirname "${BASH_SOURCE[0]}")/install.sh" >&2
mkdir -p "$dir/data"
dir=$(cd "$dir" && pwd)
"$(dirname "${BASH_SOURCE[0]}")/stop-registry.sh" "$dir"
{
  echo "version: 0.1"
  echo "log: {level: warn}"
  echo "storage:"
  echo "  filesystem: {rootdirectory: $dir/data}"
  echo "  delete: {enabled: true}"
  echo "http: {addr: 127.0.0.1:$port}"
  case $auth in
    none) ;;
    htpasswd)
      user=${4:?$usage}; pass=${5:?$usage}
      [ "$pass" = - ] && IFS= read -r pass
      # htpasswd -i reads the password from stdin: never on a command line.
      printf '%s\n' "$pass" | htpasswd -Bin "$user" > "$dir/htpasswd" 2>/dev/null
      echo "auth:"
      echo "  htpasswd: {realm: ghcr-gen-e2e, path: $dir/htpasswd}"
      ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
} > "$dir/config.yml"
setsid docker-registry serve "$dir/config.yml" </dev/null >"$dir/registry.log" 2>&1 &
echo $! > "$dir/registry.pid"
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
  case $code in 200|401) exit 0;; esac
  kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null || break
  sleep 0.1
done
echo "e2e: the registry did not start on 127.0.0.1:$port; the end of $dir/registry.log:" >&2
tail -5 "$dir/registry.log" >&2
exit 1
