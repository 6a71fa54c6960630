#!/usr/bin/env bash
# Rebuilds the rendered trees the CLI transcripts start from (tests/cmd/render.out and
# tests/cmd/drift.in) after a template change, then refreshes the transcripts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q
bin=$PWD/target/debug/ghcr-gen
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r tests/cmd/render.in "$tmp/tree"
(cd "$tmp/tree" && "$bin" render >/dev/null 2>&1)
rm -rf tests/cmd/render.out tests/cmd/drift.in
cp -r "$tmp/tree" tests/cmd/render.out
cp -r "$tmp/tree" tests/cmd/drift.in
# drift.in: two hand edits and one deleted file
sed -i 's/restart: unless-stopped/restart: always/' tests/cmd/drift.in/deploy/compose.yaml
sed -i '/JWT_SECRET=change-me/d' tests/cmd/drift.in/deploy/.env.example
rm tests/cmd/drift.in/deploy/k8s/kustomization.yaml
TRYCMD=overwrite cargo test -q --test it cli_transcripts >/dev/null
