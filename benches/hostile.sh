#!/usr/bin/env bash
# Hostile-size benchmark (issue 13, item 11): each case that used to be super-linear,
# generated here and timed with the release binary (median of RUNS runs; hyperfine when
# installed, else a timing loop in python3).
#
# usage: benches/hostile.sh [RUNS]          (default 5; needs python3; hyperfine optional)
#
# Cases, with the yardstick each is compared with where one exists:
#   refs-320k     `check` on one file with 320,000 references to the configured image
#                 (was 16 s); yardstick: the `rename` dry run on the same file (was 0.85 s).
#                 Target: check <= 2x rename.
#   line-20mb     `check` on one 20 MB line holding 20,000 references (was 29 s);
#                 yardstick: the `rename` dry run on it. Target: check <= 2x rename.
#   platforms-10k `render --check` with 10,000 duplicate platforms in registry.toml (was
#                 14 s). Target: < 2 s.
#   keys-16k      `render --check` with 16,000 unknown keys (was 10 s). Target: < 2 s.
#   binary-4x1g   `check` beside four sparse 1 GB binary files (was 2 GB of memory).
#                 Target: < 0.5 s and < 100 MB peak memory.
#   fuel          `render` with a template override looping range(100000) twice nested
#                 (never ended). Target: exits 2 within 10 s.
set -euo pipefail

RUNS=${1:-5}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/ghcr-gen-hostile-bench}
command -v python3 >/dev/null || { echo "missing python3" >&2; exit 2; }

cargo build --release --quiet --manifest-path "$HERE/Cargo.toml" --bin ghcr-gen
BIN=$HERE/target/release/ghcr-gen
rm -rf "$WORK" && mkdir -p "$WORK"

CONFIG='owner = "acme-labs"
repo = "axon-doc"

[services.nextjs]
renamed_from = ["ghcr.io/acme-labs/axon-doc-web"]

[outputs]
compose = false
k8s = false
env = false
workflow = false
'

python3 - "$WORK" "$CONFIG" <<'PY'
import os, sys
work, config = sys.argv[1], sys.argv[2]
def tree(name, files):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    for rel, text in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    return d
ref = "ghcr.io/acme-labs/axon-doc:v1"
tree("refs-320k", {"registry.toml": config, "many.yaml": f"image: {ref}\n" * 320_000})
pad = "x" * (20_000_000 - 20_000 * (len(ref) + 1))
tree("line-20mb", {"registry.toml": config, "one-line.txt": pad + (" " + ref) * 20_000 + "\n"})
base = 'owner = "acme-labs"\nrepo = "axon-doc"\n'
tree("platforms-10k", {"registry.toml": base + "platforms = [" + ", ".join(['"linux/amd64"'] * 10_000) + "]\n"})
tree("keys-16k", {"registry.toml": base + "".join(f"unknown_key_{i} = 1\n" for i in range(16_000))})
d = tree("binary-4x1g", {"registry.toml": config})
for i in range(4):
    with open(os.path.join(d, f"blob{i}.bin"), "wb") as f:
        f.truncate(1 << 30)
tree("fuel", {"registry.toml": base + '\n[templates]\ndir = "tpl"\n',
              "tpl/env.j2": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"})
PY

# name dir command... : prints the median in seconds (and the peak RSS in MB of one run)
measure() {
  local name=$1 dir=$2; shift 2
  ( cd "$dir" && python3 - "$RUNS" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{statistics.median(times):.3f} {rss:.0f}")
PY
  )
}

ok=1
report() { printf '%-14s %-22s median %7.3f s  peak %5s MB  %s\n' "$1" "$2" "$3" "$4" "$5"; }
check_lt() { python3 -c "import sys; sys.exit(0 if $1 < $2 else 1)" || ok=0; }

for case in refs-320k line-20mb; do
  read -r c crss < <(measure "$case" "$WORK/$case" "$BIN" check)
  read -r r rrss < <(measure "$case" "$WORK/$case" "$BIN" rename --suffix -api)
  report "$case" "check" "$c" "$crss" ""
  report "$case" "rename dry run" "$r" "$rrss" "(yardstick; target check <= 2x)"
  check_lt "$c" "2 * $r + 0.05"
done
for case in platforms-10k keys-16k; do
  read -r t rss < <(measure "$case" "$WORK/$case" "$BIN" render --check)
  report "$case" "render --check" "$t" "$rss" "(target < 2 s)"
  check_lt "$t" 2
done
read -r t rss < <(measure binary-4x1g "$WORK/binary-4x1g" "$BIN" check)
report binary-4x1g "check" "$t" "$rss" "(target < 0.5 s, < 100 MB)"
check_lt "$t" 0.5; check_lt "$rss" 100
read -r t rss < <(RUNS=1 measure fuel "$WORK/fuel" "$BIN" render)
report fuel "render (runaway loop)" "$t" "$rss" "(target: exit 2 within 10 s)"
check_lt "$t" 10
( cd "$WORK/fuel" && "$BIN" render >/dev/null 2>&1 ) && ok=0 || [ $? = 2 ] || ok=0

[ "$ok" = 1 ] || { echo "FAIL: a target was missed" >&2; exit 1; }
