#!/usr/bin/env bash
# `ghcr-gen adopt` benchmark (issue 9): the reader's one parallel walk on a hatchet-sized
# monorepo (4,600 files, 17 images) against ripgrep listing the files that name the images.
#
# usage: benches/adopt.sh [FILES]          (default 4600 files; needs rg, hyperfine, python3,
#                                           git: apt-get install -y ripgrep hyperfine)
#
# Corpus: shared/bench/gen_corpus.py (owner acme-labs, repo axon-doc) made a git repository,
# plus a publishing workflow building 17 services from a matrix with include (metadata-action
# images `ghcr.io/${{ github.repository }}-${{ matrix.service }}`), a compose file and
# Kubernetes manifests pulling them, and a Helm chart. Before timing, adopt must find the 17
# images. rg and adopt are timed in the same hyperfine run.
# Target: adopt median <= 1.5x the rg median.
set -euo pipefail

FILES=${1:-4600}
HERE=$(cd "$(dirname "$0")/.." && pwd)
GEN=${GEN_CORPUS:-$(cd "$HERE/../.." 2>/dev/null && pwd)/shared/bench/gen_corpus.py}
[ -f "$GEN" ] || GEN=/work/shared/bench/gen_corpus.py
WORK=${BENCH_DIR:-/tmp/ghcr-gen-adopt-bench}
CORPUS=$WORK/corpus

for tool in rg hyperfine python3 git; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y ripgrep hyperfine)" >&2; exit 2; }
done

cargo build --release --quiet --manifest-path "$HERE/Cargo.toml" --bin ghcr-gen
BIN=$HERE/target/release/ghcr-gen

rm -rf "$WORK" && mkdir -p "$WORK"
python3 "$GEN" "$CORPUS" --files "$FILES" >/dev/null

SERVICES=(api web worker crawler nextjs auth billing search mailer scheduler gateway
          indexer notifier uploader thumbnailer reporter admin)
python3 - "$CORPUS" "${SERVICES[@]}" <<'EOF'
import os, sys
root, services = sys.argv[1], sys.argv[2:]
wf = os.path.join(root, ".github", "workflows")
os.makedirs(wf, exist_ok=True)
include = "".join(
    f"          - service: {s}\n            context: services/{s}\n" for s in services)
open(os.path.join(wf, "publish.yml"), "w").write(f"""on:
  push:
    branches: [main]
    tags: ["v*"]
jobs:
  build:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        service: [{", ".join(services)}]
        include:
{include}    steps:
      - uses: actions/checkout@v4
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: ghcr.io/${{{{ github.repository }}}}-${{{{ matrix.service }}}}
          tags: |
            type=ref,event=branch
            type=semver,pattern={{{{version}}}}
      - uses: docker/build-push-action@v6
        with:
          context: ${{{{ matrix.context }}}}
          platforms: linux/amd64,linux/arm64
          push: true
          tags: ${{{{ steps.meta.outputs.tags }}}}
""")
open(os.path.join(wf, "test.yml"), "w").write(
    "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n")
compose = "services:\n" + "".join(
    f"  {s}:\n    image: ghcr.io/acme-labs/axon-doc-{s}:latest\n" for s in services)
os.makedirs(os.path.join(root, "deploy", "k8s"), exist_ok=True)
open(os.path.join(root, "deploy", "compose.yaml"), "w").write(compose)
for s in services:
    os.makedirs(os.path.join(root, "services", s), exist_ok=True)
    open(os.path.join(root, "services", s, "Dockerfile"), "w").write("FROM alpine:3.20\n")
    open(os.path.join(root, "deploy", "k8s", f"{s}.yaml"), "w").write(
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {s}\nspec:\n  template:\n"
        f"    spec:\n      containers:\n        - name: {s}\n          image: ghcr.io/acme-labs/axon-doc-{s}:v1\n")
os.makedirs(os.path.join(root, "charts", "axon", "templates"), exist_ok=True)
open(os.path.join(root, "charts", "axon", "Chart.yaml"), "w").write("apiVersion: v2\nname: axon\nversion: 0.1.0\n")
open(os.path.join(root, "charts", "axon", "values.yaml"), "w").write(
    "image:\n  registry: ghcr.io\n  repository: acme-labs/axon-doc-api\n  tag: v1\n")
EOF
( cd "$CORPUS" && git init -q && git add -A && git -c user.name=b -c user.email=b@example.com commit -qm corpus )

RG="rg -F -l"
for s in "${SERVICES[@]}"; do RG="$RG -e axon-doc-$s"; done
RG="$RG ."
ADOPT="$BIN adopt --owner acme-labs --repo axon-doc"

found=$(cd "$CORPUS" && $ADOPT 2>&1 | grep -c '^image = ' || true)
[ "$found" = 17 ] || { echo "adopt found $found images, want 17" >&2; exit 1; }
echo "files: $(cd "$CORPUS" && git ls-files | wc -l), images adopted: $found"

cd "$CORPUS"
hyperfine --warmup 3 --runs 20 -N --style basic --export-json "$WORK/adopt.json" \
  -n rg "$RG" -n adopt "$ADOPT" 2>&1 | grep -v '^ *$' || true
python3 - "$WORK/adopt.json" <<'EOF'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
ratio = r["adopt"] / r["rg"]
print(f"rg median {r['rg']*1000:.1f} ms, adopt median {r['adopt']*1000:.1f} ms, ratio {ratio:.2f} (target <= 1.5)")
sys.exit(0 if ratio <= 1.5 else 1)
EOF
