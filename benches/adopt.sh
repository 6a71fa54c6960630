#!/usr/bin/env bash
# `ghcr-gen adopt`, `check` and `rename` dry-run benchmark (issue 9): on a hatchet-sized
# monorepo (4,600 files, 17 images) each command against ripgrep 15 listing the files that
# name the images (`rg -F -l`), timed side by side in one hyperfine run.
#
# usage: benches/adopt.sh [FILES]          (default 4600 files; needs ripgrep 15, hyperfine,
#                                           python3, git: `cargo install ripgrep`, apt-get
#                                           install -y hyperfine; RG=/path/to/rg to choose)
#
# Corpus: shared/bench/gen_corpus.py (owner acme-labs, repo axon-doc) made a git repository,
# plus a publishing workflow building 17 services from a matrix with include (metadata-action
# images `ghcr.io/${{ github.repository }}-${{ matrix.service }}`), a compose file and
# Kubernetes manifests pulling them, and a Helm chart. Before timing, adopt must find the 17
# images; its registry.toml is then written and committed so that `check` (consumers against
# the 17 published images) and `rename --suffix -v2` (dry run: every reference to the 17
# packages, the workflow's definitions included) have the whole tree to work on.
# Targets: adopt, check and the rename dry run medians each <= 1.5x the rg median.
set -euo pipefail

FILES=${1:-4600}
HERE=$(cd "$(dirname "$0")/.." && pwd)
GEN=${GEN_CORPUS:-$(cd "$HERE/../.." 2>/dev/null && pwd)/shared/bench/gen_corpus.py}
[ -f "$GEN" ] || GEN=/work/shared/bench/gen_corpus.py
WORK=${BENCH_DIR:-/tmp/ghcr-gen-adopt-bench}
CORPUS=$WORK/corpus

for tool in hyperfine python3 git; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y hyperfine)" >&2; exit 2; }
done
# ripgrep 15 (the issue's yardstick): cargo's copy first, else the one on PATH.
RG_BIN=${RG:-$( [ -x "$HOME/.cargo/bin/rg" ] && echo "$HOME/.cargo/bin/rg" || command -v rg || true)}
rg_version=$("${RG_BIN:-rg}" --version 2>/dev/null | head -1 || true)
case "$rg_version" in
  "ripgrep 15."*) ;;
  *) echo "need ripgrep 15 (cargo install ripgrep), found: ${rg_version:-none}" >&2; exit 2 ;;
esac

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

RG_CMD="$RG_BIN -F -l"
for s in "${SERVICES[@]}"; do RG_CMD="$RG_CMD -e axon-doc-$s"; done
RG_CMD="$RG_CMD ."
ADOPT="$BIN adopt --owner acme-labs --repo axon-doc"
CHECK="$BIN check --color never"
RENAME="$BIN rename --suffix -v2 --color never"

cd "$CORPUS"
found=$($ADOPT 2>&1 | grep -c '^image = ' || true)
[ "$found" = 17 ] || { echo "adopt found $found images, want 17" >&2; exit 1; }
$ADOPT --write 2>/dev/null
git add registry.toml && git -c user.name=b -c user.email=b@example.com commit -qm adopted
# check exits 1 on findings: it must not fail (2).
set +e
$CHECK >"$WORK/check.out" 2>&1
check_rc=$?
set -e
[ "$check_rc" -le 1 ] || { cat "$WORK/check.out" >&2; echo "check failed ($check_rc)" >&2; exit 1; }
# The dry run must find every package's references (at least one per image).
renamed=$($RENAME 2>&1 >/dev/null | awk '/reference\(s\) in/ { print $1, $4 }')
[ -n "$renamed" ] && [ "${renamed%% *}" -ge 17 ] || { echo "rename dry run found: '$renamed'" >&2; exit 1; }
echo "files: $(git ls-files | wc -l), images adopted: $found, check exit $check_rc ($(grep -c . "$WORK/check.out") lines), rename dry run: ${renamed% *} reference(s) in ${renamed#* } file(s)"
echo "$rg_version"

hyperfine --warmup 3 --runs 20 -N -i --style basic --export-json "$WORK/adopt.json" \
  -n rg "$RG_CMD" -n adopt "$ADOPT" -n check "$CHECK" -n rename-dry-run "$RENAME" 2>&1 \
  | grep -v '^ *$' || true
[ -z "$(git status --porcelain)" ] || { echo "a dry run changed the corpus" >&2; exit 1; }
python3 - "$WORK/adopt.json" <<'EOF'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
ok = True
print(f"rg median {r['rg']*1000:.1f} ms")
for name in ("adopt", "check", "rename-dry-run"):
    ratio = r[name] / r["rg"]
    ok &= ratio <= 1.5
    print(f"{name} median {r[name]*1000:.1f} ms, ratio {ratio:.2f} (target <= 1.5)")
sys.exit(0 if ok else 1)
EOF
