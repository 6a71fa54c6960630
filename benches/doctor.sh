#!/usr/bin/env bash
# `ghcr-gen doctor --explain` benchmark: a 1 MB noisy GitHub Actions log explained from
# standard input, whole process, median of hyperfine runs.
#
# usage: benches/doctor.sh [BYTES]        (default 1048576; needs hyperfine and python3:
#                                          apt-get install -y hyperfine)
#
# The log: timestamps on every line, ANSI colours, buildx progress (`#12 0.345 ...`), npm
# output, `\r` progress overwrites, a retried rate limit early on, and the fatal
# `installation not allowed to Create organization package` two thirds in. Before timing,
# the top cause must be `missing-packages-write` without a repository, and
# `org-policy-restriction` inside the rendered two-services fixture (its workflow grants
# `packages: write`, so the grant cannot be what is missing). Timed in both places (the
# second also reads the repository's workflows and manifests). Target: median < 100 ms.
set -euo pipefail

BYTES=${1:-1048576}
HERE=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-/tmp/ghcr-gen-doctor-bench}

for tool in hyperfine python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y hyperfine)" >&2; exit 2; }
done

cargo build --release --quiet --manifest-path "$HERE/Cargo.toml" --bin ghcr-gen
BIN=$HERE/target/release/ghcr-gen
rm -rf "$WORK" && mkdir -p "$WORK/bare" "$WORK/repo"
LOG=$WORK/build.log

python3 - "$LOG" "$BYTES" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
out, t, i = [], 0, 0
def line(s):
    global t
    t += 1
    out.append(f"2026-03-02T10:{t // 3600 % 60:02}:{t // 60 % 60:02}.{t * 7919 % 10_000_000:07}Z {s}\n")
fatal = "ERROR: failed to push ghcr.io/acme-labs/axon-doc-nextjs:main: denied: installation not allowed to Create organization package"
total = 0
placed = False
while total < size:
    i += 1
    step = 5 + i % 17
    line(f"#{step} {i // 100}.{i % 1000:03} \x1b[36mnpm\x1b[0m http fetch GET 200 https://registry.npmjs.org/pkg-{i} {i % 97}ms")
    line(f"#{step} [build {i % 9}/9] RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev")
    line(f"#{step} sha256:{i:064x} {i % 50}.{i % 10}MB / 97.3MB {i % 9}.{i % 7}s\rdone")
    if i == 40:
        line("#9 ERROR: failed to copy: toomanyrequests: retry-after: 1s, allowed: 44000/minute")
        line("#9 retrying in 1s")
    if not placed and total > size * 2 // 3:
        line("#31 pushing layers")
        line(f"#31 {fatal}")
        line(f"{fatal}")
        placed = True
    total = sum(map(len, out)) if i % 200 == 0 else total + 250
line("##[error]Process completed with exit code 1.")
open(path, "w").write("".join(out))
PY
echo "log: $(wc -c < "$LOG") bytes, $(wc -l < "$LOG") lines"

cp "$HERE/fixtures/two-services/registry.toml" "$WORK/repo/"
( cd "$WORK/repo" && "$BIN" render >/dev/null 2>&1 )

top() { ( cd "$1" && "$BIN" doctor --format json --explain - < "$LOG" ) | python3 -c 'import json,sys; print(json.load(sys.stdin)["causes"][0]["category"])'; }
[ "$(top "$WORK/bare")" = missing-packages-write ] || { echo "FAIL: top cause without a repository: $(top "$WORK/bare")" >&2; exit 1; }
[ "$(top "$WORK/repo")" = org-policy-restriction ] || { echo "FAIL: top cause in the repository: $(top "$WORK/repo")" >&2; exit 1; }
echo "top causes: missing-packages-write (no repository), org-policy-restriction (two-services)"

( cd "$WORK/bare" && hyperfine --warmup 3 --runs 30 --export-json "$WORK/bare.json" \
    -n "explain 1 MB log" "$BIN doctor --explain - < $LOG" )
( cd "$WORK/repo" && hyperfine --warmup 3 --runs 30 --export-json "$WORK/repo.json" \
    -n "explain 1 MB log in a repository" "$BIN doctor --explain - < $LOG" )

python3 - "$WORK/bare.json" "$WORK/repo.json" <<'PY'
import json, sys
fail = False
for path in sys.argv[1:]:
    r = json.load(open(path))["results"][0]
    ms = r["median"] * 1000
    ok = ms < 100
    fail |= not ok
    print(f"{r['command']}: median {ms:.1f} ms (target < 100 ms) {'ok' if ok else 'FAIL'}")
sys.exit(1 if fail else 0)
PY
