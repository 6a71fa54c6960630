#!/usr/bin/env bash
# Rename benchmark: ghcr-gen's dry run and write against `rg -F -l` on the same tree.
#
# usage: benches/rename.sh [FILES]          (default 20000 files; needs rg, hyperfine, python3)
#
# Generates the corpus with shared/bench/gen_corpus.py into /tmp, checks that the dry run
# finds exactly the planted references in the planted files, times rg, the dry run and the
# write (each write run is prepared by renaming back) in one hyperfine run, then checks that
# a second run finds nothing and that renaming back restores every byte. Prints medians
# and ratios to rg. Targets: dry run <= 1.2x rg, write <= 1.5x rg.
#
# To switch to the CLI, change DRY/WRITE/REVERT below (and `counts` if its output differs).
set -euo pipefail

FILES=${1:-20000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
# The generator lives in shared/, beside the checkout (CI) or at /work/shared.
GEN=${GEN_CORPUS:-$HERE/../shared/bench/gen_corpus.py}
[ -f "$GEN" ] || GEN=/work/shared/bench/gen_corpus.py
WORK=${BENCH_DIR:-/tmp/ghcr-gen-bench}
CORPUS=$WORK/corpus
PRISTINE=$WORK/pristine

for tool in rg hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y ripgrep hyperfine)" >&2; exit 2; }
done

cargo build --release --quiet --manifest-path "$HERE/Cargo.toml" --example scan_bench
BIN=$HERE/target/release/examples/scan_bench
DRY="$BIN $CORPUS"
WRITE="$BIN $CORPUS --write"
REVERT="$BIN $CORPUS --revert --write"
RG="rg -F -l -e axon-doc-nextjs -e axon-doc-crawler ."

# counts CMD -> "REFERENCES FILES" as the command reports them.
counts() { $1 | awk '/^references/ { print $2, $4 }'; }

rm -rf "$WORK" && mkdir -p "$WORK"
SUMMARY=$(python3 "$GEN" "$CORPUS" --files "$FILES")
echo "corpus: $SUMMARY"
cp -a "$CORPUS" "$PRISTINE"
sync  # flush the new tree now, not during the timed runs
WANT=$(python3 -c 'import json,sys; s=json.loads(sys.argv[1]); print(s["planted"], s["planted_files"])' "$SUMMARY")
GOT=$(counts "$DRY")
echo "dry run: references/files $GOT (planted $WANT)"
[ "$GOT" = "$WANT" ] || { echo "FAIL: dry run counts differ from the planted ones" >&2; exit 1; }

cd "$CORPUS"
hyperfine -N --warmup 3 --runs 15 --export-json "$WORK/hyperfine.json" \
  --prepare true --prepare true --prepare "$REVERT" \
  -n rg "$RG" -n dry-run "$DRY" -n write "$WRITE"

# The last timed run wrote: a second run must find nothing, renaming back must restore.
AGAIN=$(counts "$DRY")
[ "$AGAIN" = "0 0" ] || { echo "FAIL: second run still finds $AGAIN" >&2; exit 1; }
$REVERT >/dev/null
diff -r -q "$PRISTINE" "$CORPUS" >/dev/null || { echo "FAIL: renaming back did not restore the tree" >&2; exit 1; }
echo "second run finds nothing; renaming back restores every byte"

python3 - "$WORK/hyperfine.json" <<'PY'
import json, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
rg = res["rg"]["median"]
ok = True
for name, limit in (("dry-run", 1.2), ("write", 1.5)):
    med = res[name]["median"]
    ratio = med / rg
    ok &= ratio <= limit
    print(f"{name:8} median {med*1000:7.1f} ms   {ratio:.2f}x rg (target <= {limit}x)")
print(f"{'rg':8} median {rg*1000:7.1f} ms")
sys.exit(0 if ok else 1)
PY
