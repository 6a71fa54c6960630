#!/usr/bin/env bash
# `ghcr-gen tags` whole-process latency on the five-service fixture (target: median under
# 5 ms), with the git context given by flags and read from a checkout, next to `git
# rev-parse HEAD` as a yardstick for process start-up. Release build, hyperfine medians.
#
# usage: benches/tags.sh            (needs hyperfine: apt-get install -y hyperfine)
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
command -v hyperfine >/dev/null || { echo "missing hyperfine (apt-get install -y hyperfine)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$HERE/Cargo.toml"
BIN=$HERE/target/release/ghcr-gen
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cp "$HERE/fixtures/five-services/registry.toml" "$WORK/"
cd "$WORK"
git init -q -b trunk && git add . && git -c user.name=b -c user.email=b@example.com commit -qm bench && git tag v1.2.3
"$BIN" tags >/dev/null
hyperfine -N --warmup 20 --runs 200 --export-json "$WORK/tags.json" \
  -n flags "$BIN tags --ref refs/tags/v1.2.3 --sha 9f8e7d6c5b4a39281706f5e4d3c2b1a098765432" \
  -n checkout "$BIN tags" \
  -n git-rev-parse "git rev-parse HEAD"
python3 - "$WORK/tags.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
for name in ("flags", "checkout", "git-rev-parse"):
    print(f"{name:14} median {r[name]['median'] * 1000:6.2f} ms")
worst = max(r["flags"]["median"], r["checkout"]["median"]) * 1000
print(f"target: median under 5 ms -> {'PASS' if worst < 5 else 'FAIL'} ({worst:.2f} ms)")
sys.exit(0 if worst < 5 else 1)
PY
