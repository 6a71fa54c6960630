#!/usr/bin/env bash
# `ghcr-gen check` benchmark: whole-process latency on a small repository, and a full check
# of a 20,000-file corpus against ripgrep searching the same tree for the configured names.
#
# usage: benches/check.sh [FILES]          (default 20000 files; needs rg, hyperfine, python3,
#                                           git: apt-get install -y ripgrep hyperfine)
#
# Small: fixtures/two-services rendered plus a few hand-written files (15 files, a git
# repository); `check` must exit 0 there. Target: median < 10 ms.
#
# Corpus: shared/bench/gen_corpus.py (owner acme-labs, repo axon-doc, services nextjs and
# crawler) made a git repository (so ripgrep honours its .gitignore as check does), with a
# registry.toml at its root whose `renamed_from` lists three of the corpus's look-alikes
# (another path, another owner, another registry), so the stale-name rules run on hundreds
# of hits. Before timing, the stale-name findings must equal the occurrences ripgrep counts
# outside registry.toml. rg and check are timed in the same hyperfine run (check exits 1:
# the corpus plants uppercase owners too). Target: check median <= 1.2x rg median.
set -euo pipefail

FILES=${1:-20000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
GEN=${GEN_CORPUS:-$(cd "$HERE/../.." 2>/dev/null && pwd)/shared/bench/gen_corpus.py}
[ -f "$GEN" ] || GEN=/work/shared/bench/gen_corpus.py
WORK=${BENCH_DIR:-/tmp/ghcr-gen-check-bench}
SMALL=$WORK/small
CORPUS=$WORK/corpus

for tool in rg hyperfine python3 git; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y ripgrep hyperfine)" >&2; exit 2; }
done

cargo build --release --quiet --manifest-path "$HERE/Cargo.toml" --bin ghcr-gen
BIN=$HERE/target/release/ghcr-gen
RG="rg -F -l -e axon-doc-nextjs -e axon-doc-crawler ."
OLD_NAMES=(-e ghcr.io/acme-labs/axon-doc-nextjs-legacy -e ghcr.io/other-org/axon-doc-nextjs -e docker.io/acme-labs/axon-doc-crawler)

rm -rf "$WORK" && mkdir -p "$SMALL"

# --- small repository -------------------------------------------------------------------
cp "$HERE/fixtures/two-services/registry.toml" "$SMALL/"
( cd "$SMALL"
  "$BIN" render >/dev/null 2>&1
  mkdir -p docker crawler-service src docs
  printf '# axon-doc\n\nImages: ghcr.io/acme-labs/axon-doc-nextjs, ghcr.io/acme-labs/axon-doc-crawler.\n' > README.md
  printf 'FROM node:22-alpine\nCOPY . /app\nCMD ["node", "server.js"]\n' > docker/Dockerfile.prod
  printf 'FROM python:3.13-slim\nCOPY . /app\nCMD ["python", "-m", "crawler"]\n' > crawler-service/Dockerfile
  printf 'export const port = 3000;\n' > src/index.ts
  printf 'docker pull ghcr.io/acme-labs/axon-doc-nextjs:v1.2.3\n' > docs/deploy.md
  printf 'deploy/.env\nnode_modules/\n' > .gitignore
  printf 'up:\n\tdocker compose -f deploy/compose.yaml up -d\n' > Makefile
  git init -q && git add -A )
SMALL_FILES=$(cd "$SMALL" && git ls-files | wc -l)
( cd "$SMALL" && "$BIN" check ) >/dev/null 2>&1 || { echo "FAIL: check is not clean on the small repository" >&2; exit 1; }
echo "small repository: $SMALL_FILES files, check clean"
( cd "$SMALL" && hyperfine -N --warmup 3 --runs 20 --export-json "$WORK/small.json" -n check "$BIN check" )

# --- corpus -----------------------------------------------------------------------------
SUMMARY=$(python3 "$GEN" "$CORPUS" --files "$FILES")
echo "corpus: $SUMMARY"
cat > "$CORPUS/registry.toml" <<'EOF'
owner = "acme-labs"
repo = "axon-doc"

[services.nextjs]
renamed_from = ["ghcr.io/acme-labs/axon-doc-nextjs-legacy", "ghcr.io/other-org/axon-doc-nextjs"]

[services.crawler]
renamed_from = ["docker.io/acme-labs/axon-doc-crawler"]

[outputs]
compose = false
k8s = false
env = false
workflow = false
EOF
git -C "$CORPUS" init -q
sync  # flush the new tree now, not during the timed runs
cd "$CORPUS"
WANT=$(rg -F -o --glob '!registry.toml' "${OLD_NAMES[@]}" . | wc -l)
GOT=$({ "$BIN" check --format json || [ $? = 1 ]; } | python3 -c 'import json,sys; print(sum(f["kind"] == "stale-name" for f in json.load(sys.stdin)))')
echo "stale-name findings: $GOT (ripgrep counts $WANT)"
[ "$GOT" = "$WANT" ] && [ "$GOT" -gt 0 ] || { echo "FAIL: stale-name findings differ from ripgrep's count" >&2; exit 1; }

hyperfine -N -i --warmup 3 --runs 20 --export-json "$WORK/corpus.json" -n rg "$RG" -n check "$BIN check"

python3 - "$WORK/small.json" "$WORK/corpus.json" <<'PY'
import json, sys
small = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
corpus = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
ok = True
med = small["check"]["median"] * 1000
ok &= med < 10
print(f"small  check median {med:7.1f} ms   (target < 10 ms)")
rg, check = corpus["rg"]["median"], corpus["check"]["median"]
ratio = check / rg
ok &= ratio <= 1.2
print(f"corpus rg    median {rg*1000:7.1f} ms")
print(f"corpus check median {check*1000:7.1f} ms   {ratio:.2f}x rg (target <= 1.2x)")
sys.exit(0 if ok else 1)
PY
