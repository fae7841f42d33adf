#!/usr/bin/env bash
# Every hisops test, in order: lint, unit and component tests, ansible-test sanity of the built
# collection, molecule scenarios, lab integration tests, and set-up on a bare Debian 12
# (system-packages.txt is complete).
# Runs all stages even when one fails, prints a summary, and exits non-zero if any stage
# failed or ran nothing. Expects the venv on PATH and the lab up (./hisops test does both).
set -Euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
declare -a summary=()
overall=0

stage() {
  local name="$1"; shift
  local start rc
  start=$(date +%s)
  echo "================ $name ================"
  "$@"; rc=$?
  summary+=("$(printf '%-22s %s (%ss)' "$name" "$([ $rc -eq 0 ] && echo ok || echo "FAILED rc=$rc")" $(( $(date +%s) - start )))")
  [ $rc -eq 0 ] || overall=1
}

stage "ruff" ruff check .
stage "ruff format" ruff format --check .
stage "ansible-lint" ansible-lint --offline -q
stage "syntax-check" bash -c 'for pb in playbooks/*.yml; do ansible-playbook --syntax-check "$pb" >/dev/null || { echo "syntax error in $pb"; exit 1; }; done'
# pytest exits 5 when it collects nothing: that is a failure here, never a pass.
stage "unit tests" python -m pytest -m unit -q tests
stage "component tests" python -m pytest -m component -q tests
stage "ansible-test sanity" bash tests/sanity/run.sh
stage "molecule" bash tests/molecule.sh
stage "lab integration" python -m pytest -m lab -q tests
stage "fresh machine" python -m pytest -m system -q tests

echo "================ summary ================"
printf '%s\n' "${summary[@]}"
exit "$overall"
