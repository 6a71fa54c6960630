#!/usr/bin/env bash
# Issue 14: ghcr-gen against ripgrep 15 (reading) and fastmod (writing), each yardstick
# timed in the same hyperfine run as ghcr-gen, medians, printed as ratios.
#
# usage: benches/perf.sh [FILES] [BIG_FILES]    (default 20000 and 300000 files)
#   env: RUNS (default 10), GHCR_GEN_BIN (a built binary: no cargo build), BIG_CORPUS, REUSE, TMPFS_DIR (default /dev/shm/ghcr-gen-perf),
#        DISK_DIR (default /tmp/ghcr-gen-perf), RG, FASTMOD (default ~/.cargo/bin/...)
# needs: ripgrep 15 and fastmod (`cargo install ripgrep fastmod --locked`), hyperfine,
#        valgrind, python3, git, GNU time (/usr/bin/time)
#
# Cases (targets from issue 14):
#   corpus FILES, tmpfs and disk (warm cache): `rg -F -c -e NAME1 -e NAME2` against the
#     `rename` dry run and `check`: target <= 0.9x rg. `rename --write` against fastmod
#     doing the same replacement on a fresh copy each run: target <= 1.0x fastmod on
#     tmpfs; the disk figure (ghcr-gen fsyncs, fastmod does not) is reported beside it.
#     Before timing: the dry run finds exactly the planted references (938 in 404 files
#     at 20k), fastmod's tree equals ghcr-gen's (registry.toml aside), and check's
#     stale-name findings on literal names equal what ripgrep counts (check also flags
#     `ghcr.io/${GITHUB_USER}/...`, whose owner may be the old one: not counted).
#   callgrind: instructions per file of rg, the dry run and check on the corpus (stable
#     on a loaded machine, unlike times).
#   big file: one 200 MB file holding 10k references: dry run <= 3x `rg -c`, peak
#     memory <= 2x the file (also the `--format json` dry run).
#   corpus BIG_FILES on tmpfs: rg, dry run, check timed (fewer runs); dry-run peak
#     memory <= 30 MB.
#   small repository: `check` median <= 5 ms.
# The machine may be shared: every figure is a median, and the load average is printed.
set -euo pipefail

FILES=${1:-20000}
BIG_FILES=${2:-300000}
RUNS=${RUNS:-10}
HERE=$(cd "$(dirname "$0")/.." && pwd)
GEN=${GEN_CORPUS:-$HERE/../shared/bench/gen_corpus.py}
[ -f "$GEN" ] || GEN=/work/shared/bench/gen_corpus.py
TMPFS=${TMPFS_DIR:-/dev/shm/ghcr-gen-perf}
DISK=${DISK_DIR:-/tmp/ghcr-gen-perf}
RG=${RG:-$HOME/.cargo/bin/rg}
FASTMOD=${FASTMOD:-$HOME/.cargo/bin/fastmod}

for tool in "$RG" "$FASTMOD" hyperfine valgrind python3 git /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (cargo install ripgrep fastmod --locked; apt-get install -y hyperfine valgrind time)" >&2; exit 2; }
done
"$RG" --version | head -1 | grep -q '^ripgrep 15\.' || { echo "need ripgrep 15 (cargo install ripgrep --locked)" >&2; exit 2; }

if [ -z "${GHCR_GEN_BIN:-}" ]; then
  cargo build --release --quiet --manifest-path "$HERE/Cargo.toml" --bin ghcr-gen
fi
BIN=${GHCR_GEN_BIN:-$HERE/target/release/ghcr-gen}
NAMES=(-e axon-doc-nextjs -e axon-doc-crawler)
OLD_NAMES=(-e ghcr.io/acme-labs/axon-doc-nextjs-legacy -e ghcr.io/other-org/axon-doc-nextjs -e docker.io/acme-labs/axon-doc-crawler)
# fastmod's regex for the planted forms (literal owner, uppercase owner, ${GITHUB_USER});
# the look-alikes (-legacy, 2, other owner, other host) do not match.
FM_RE='(ghcr\.io/(?:acme-labs|Acme-Labs|\$\{GITHUB_USER\})/axon-doc-(?:nextjs|crawler))([:@. ])'
FM_TO='${1}-api${2}'
OK=1
RESULTS=$TMPFS/results.txt
mkdir -p "$TMPFS" "$DISK"
: > "$RESULTS"
say() { echo "$*" | tee -a "$RESULTS"; }
judge() { # NAME VALUE LIMIT UNIT
  if python3 -c "import sys; sys.exit(0 if $2 <= $3 else 1)"; then
    say "  met      $1: $2 $4 (target <= $3)"
  else
    say "  NOT MET  $1: $2 $4 (target <= $3)"; OK=0
  fi
}
say "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $("$RG" --version | head -1); $("$FASTMOD" --version)"

rename_config() {
  cat >"$1/registry.toml" <<'TOML'
owner = "acme-labs"
repo = "axon-doc"
suffix = ""

[services.nextjs]

[services.crawler]
context = "crawler"

[outputs]
compose = false
k8s = false
env = false
workflow = false
TOML
}

check_config() {
  cat >"$1/registry.toml" <<'TOML'
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
TOML
}

# corpus DIR N: generates the tree (a git repository, so rg honours .gitignore too).
corpus() {
  # REUSE=1 keeps a corpus an earlier run generated.
  if [ -n "${REUSE:-}" ] && [ -s "$1.json" ] && [ -d "$1" ]; then rename_config "$1"; return; fi
  rm -rf "$1"
  python3 "$GEN" "$1" --files "$2" >"$1.json"
  rename_config "$1"
  git -C "$1" init -q
}

# median JSON NAME -> seconds
median() { python3 -c 'import json,sys; r={x["command"]:x for x in json.load(open(sys.argv[1]))["results"]}; print(r[sys.argv[2]]["median"])' "$1" "$2"; }
ratio() { python3 -c "print(round($1 / $2, 2))"; }
ms() { python3 -c "print(round($1 * 1000, 1))"; }
peak_mb() { # DIR CMD...: peak RSS in MB of one run
  local dir=$1; shift
  (cd "$dir" && /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.1f", $1 / 1024 }')
}

# reading DIR LABEL RUNS: rg against the dry run and check, counts verified first.
reading() {
  local dir=$1 label=$2 runs=$3
  cd "$dir"
  rename_config "$dir"
  local want got
  want=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["planted"], s["planted_files"])' "$dir.json")
  got=$("$BIN" rename --suffix -api 2>&1 >/dev/null | awk '/reference\(s\) in/ { print $1, $4 }')
  say "$label: dry run finds $got (planted $want)"
  [ "$got" = "$want" ] || { say "FAIL: dry-run counts differ from the planted ones"; exit 1; }
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$TMPFS/read-rename.json" \
    -n rg "$RG -F -c ${NAMES[*]} ." -n dry-run "$BIN rename --suffix -api" >/dev/null
  check_config "$dir"
  local stale want_stale
  want_stale=$("$RG" -F -o --glob '!registry.toml' "${OLD_NAMES[@]}" . | wc -l)
  stale=$({ "$BIN" check --format json || [ $? = 1 ]; } | python3 -c 'import json,sys; print(sum(f["kind"] == "stale-name" and "a variable" not in f["fix"] for f in json.load(sys.stdin)))')
  [ "$stale" = "$want_stale" ] || { say "FAIL: stale-name findings $stale, ripgrep counts $want_stale"; exit 1; }
  hyperfine -N -i --warmup 2 --runs "$runs" --export-json "$TMPFS/read-check.json" \
    -n rg "$RG -F -c ${NAMES[*]} ." -n check "$BIN check" >/dev/null
  rename_config "$dir"
  local rg1 dry rg2 chk
  rg1=$(median "$TMPFS/read-rename.json" rg); dry=$(median "$TMPFS/read-rename.json" dry-run)
  rg2=$(median "$TMPFS/read-check.json" rg); chk=$(median "$TMPFS/read-check.json" check)
  say "$label: rg $(ms "$rg1") ms, dry run $(ms "$dry") ms; rg $(ms "$rg2") ms, check $(ms "$chk") ms (check: $stale stale-name findings = rg)"
  judge "$label dry run / rg" "$(ratio "$dry" "$rg1")" 0.9 x
  judge "$label check / rg" "$(ratio "$chk" "$rg2")" 0.9 x
  cd - >/dev/null
}

# writing DIR LABEL LIMIT: fastmod against `rename --write`, each run on a fresh copy.
writing() {
  local dir=$1 label=$2 limit=$3 base=$1-write
  rm -rf "$base" && mkdir -p "$base"
  cp -a "$dir" "$base/pristine"
  for t in fastmod ghcr; do cp -a "$base/pristine" "$base/$t"; done
  (cd "$base/fastmod" && "$FASTMOD" --accept-all "$FM_RE" "$FM_TO" . >/dev/null)
  (cd "$base/ghcr" && "$BIN" rename --suffix -api --write >/dev/null 2>&1)
  diff -r -q -x registry.toml -x .git "$base/fastmod" "$base/ghcr" >/dev/null \
    || { say "FAIL: fastmod and ghcr-gen wrote different trees"; exit 1; }
  local again
  again=$(cd "$base/ghcr" && "$BIN" rename --suffix -api 2>&1 >/dev/null | awk '/reference\(s\) in/ { print $1 }')
  [ -z "$again" ] || { say "FAIL: a second run still finds $again references"; exit 1; }
  local reset="rm -rf $base/w && cp -a $base/pristine $base/w"
  hyperfine --warmup 1 --runs "$RUNS" --export-json "$TMPFS/write.json" --prepare "$reset" \
    -n fastmod "cd $base/w && $FASTMOD --accept-all '$FM_RE' '$FM_TO' ." \
    -n write "cd $base/w && $BIN rename --suffix -api --write" >/dev/null
  local fm wr
  fm=$(median "$TMPFS/write.json" fastmod); wr=$(median "$TMPFS/write.json" write)
  say "$label: fastmod $(ms "$fm") ms, rename --write $(ms "$wr") ms (same tree written; ghcr-gen fsyncs, fastmod does not)"
  if [ -n "$limit" ]; then judge "$label write / fastmod" "$(ratio "$wr" "$fm")" "$limit" x
  else say "  reported $label write / fastmod: $(ratio "$wr" "$fm") x"; fi
  rm -rf "$base"
}

# instructions DIR: callgrind's instruction count per file of rg, the dry run and check.
instructions() {
  local dir=$1 files
  files=$(cd "$dir" && git ls-files -co --exclude-standard | wc -l)
  cd "$dir"
  for name in rg dry-run check; do
    local cmd
    case $name in
      rg) cmd=("$RG" -F -c "${NAMES[@]}" .) ;;
      dry-run) cmd=("$BIN" rename --suffix -api) ;;
      check) check_config "$dir"; cmd=("$BIN" check) ;;
    esac
    local ir
    # check exits 1 on its findings: not a failure of the benchmark.
    ir=$({ valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" 2>&1 >/dev/null || true; } \
      | awk '/Collected :/ { print $NF }')
    say "callgrind $name: $ir instructions, $((ir / files)) per file ($files files)"
  done
  rename_config "$dir"
  cd - >/dev/null
}

# --- corpus on tmpfs and on disk ---------------------------------------------------------
corpus "$TMPFS/c$FILES" "$FILES"
corpus "$DISK/c$FILES" "$FILES"
sync
reading "$TMPFS/c$FILES" "tmpfs $FILES files" "$RUNS"
reading "$DISK/c$FILES" "disk $FILES files (warm cache)" "$RUNS"
writing "$TMPFS/c$FILES" "tmpfs $FILES files" 1.0
writing "$DISK/c$FILES" "disk $FILES files" ""
instructions "$TMPFS/c$FILES"

# --- one 200 MB file with 10k references -------------------------------------------------
BIG=$TMPFS/big
rm -rf "$BIG" && mkdir -p "$BIG" && rename_config "$BIG" && git -C "$BIG" init -q
python3 - "$BIG/big.yaml" <<'PY'
import sys
filler = "  - name: worker queue handler service deploy image tag build cache layer index\n"
ref = "    image: ghcr.io/acme-labs/axon-doc-nextjs:v1.2.3\n"
lines_per_ref = (200 * 1000 * 1000 // len(filler)) // 10_000
block = filler * (lines_per_ref - 1) + ref
with open(sys.argv[1], "w") as f:
    for _ in range(10_000):
        f.write(block)
PY
SIZE_MB=$(python3 -c "import os; print(round(os.path.getsize('$BIG/big.yaml') / 1e6, 1))")
(cd "$BIG" && hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$TMPFS/big.json" \
  -n rg "$RG -F -c ${NAMES[*]} big.yaml" -n dry-run "$BIN rename --suffix -api" \
  -n json "$BIN rename --suffix -api --format json" >/dev/null)
rg=$(median "$TMPFS/big.json" rg); dry=$(median "$TMPFS/big.json" dry-run); js=$(median "$TMPFS/big.json" json)
say "big file ($SIZE_MB MB, 10000 references): rg -c $(ms "$rg") ms, dry run $(ms "$dry") ms, json $(ms "$js") ms"
judge "big file dry run / rg -c" "$(ratio "$dry" "$rg")" 3 x
judge "big file json / rg -c" "$(ratio "$js" "$rg")" 3 x
judge "big file dry-run memory" "$(peak_mb "$BIG" "$BIN" rename --suffix -api)" "$(python3 -c "print(2 * $SIZE_MB)")" MB
judge "big file json memory" "$(peak_mb "$BIG" "$BIN" rename --suffix -api --format json)" "$(python3 -c "print(2 * $SIZE_MB)")" MB
rm -rf "$BIG"

# --- small repository -------------------------------------------------------------------
SMALL=$TMPFS/small
rm -rf "$SMALL" && mkdir -p "$SMALL"
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
  git init -q && git add -A
  "$BIN" check >/dev/null 2>&1 || { echo "FAIL: check is not clean on the small repository" >&2; exit 1; }
  hyperfine -N --warmup 5 --runs 40 --export-json "$TMPFS/small.json" -n check "$BIN check" >/dev/null )
small=$(median "$TMPFS/small.json" check)
say "small repository: check $(ms "$small") ms"
judge "small check" "$(ms "$small")" 5 ms

# --- corpus of BIG_FILES on tmpfs --------------------------------------------------------
# BIG_CORPUS names a tree gen_corpus.py already made (with DIR.json beside it): generating
# 300k files takes minutes on a loaded machine.
if [ "$BIG_FILES" -gt 0 ]; then
  big=${BIG_CORPUS:-$TMPFS/c$BIG_FILES}
  if [ -z "${BIG_CORPUS:-}" ]; then corpus "$big" "$BIG_FILES"; else git -C "$big" init -q; fi
  reading "$big" "tmpfs $BIG_FILES files" 3
  judge "$BIG_FILES-file dry-run memory" "$(peak_mb "$big" "$BIN" rename --suffix -api)" 30 MB
fi

say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$OK" = 1 ] || { echo "some targets were not met (see above)" >&2; exit 1; }
