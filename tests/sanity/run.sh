#!/usr/bin/env bash
# ansible-test sanity for the collection hisops.him, on what ships: the artifact of
# `ansible-galaxy collection build`, installed under a temporary .../ansible_collections/hisops/him
# (ansible-test needs that path). Local Python 3.12, no containers. Accepted findings, each with
# its reason: tests/sanity/ignore-2.21.txt. Expects the venv on PATH.
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$ROOT/galaxy.yml")"
(cd "$ROOT" && ansible-galaxy collection build --output-path "$work" >/dev/null)
unset ANSIBLE_CONFIG  # not the project's ansible.cfg: only the installed copy may be seen
(cd "$work" && ansible-galaxy collection install --force --no-deps \
  -p "$work/collections" "$work/hisops-him-$version.tar.gz" >/dev/null)
# ansible-test bootstraps pip into each sanity venv with a get-pip script it downloads once into
# its cache from its own host, out of reach on hospital networks: the stand-in (ensurepip, then
# pip from the configured package index) serves instead.
pip_version="$(python -c 'from ansible_test._internal.python_requirements import get_venv_packages as g; from types import SimpleNamespace as N; print(g(N(version="3.12"))["pip"])')"
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ ! -s "$cache" ]; then
  mkdir -p "$(dirname "$cache")"
  cp "$ROOT/tests/sanity/get_pip.py" "$cache"
fi
cd "$work/collections/ansible_collections/hisops/him"
ansible-test sanity --python 3.12 --local "$@"
