#!/usr/bin/env bash
# Run every role's molecule scenario (or the roles named as arguments), one after another.
# Needs the venv on PATH (./hisops test does that). Exits non-zero when any scenario
# fails, and when no scenario was found (a suite that ran nothing is not green).
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HISOPS_ROOT="$ROOT"
HISOPS_LAB_IMAGE="$(cd "$ROOT" && python -m lab image base)"
export HISOPS_LAB_IMAGE
export CONTAINERS_CONF="$ROOT/.lab/containers.conf"
roles=("$@")
if [ ${#roles[@]} -eq 0 ]; then
  for d in "$ROOT"/roles/*/molecule/default; do
    [ -d "$d" ] && roles+=("$(basename "$(dirname "$(dirname "$d")")")")
  done
fi
[ ${#roles[@]} -gt 0 ] || { echo "molecule: no role has a scenario" >&2; exit 1; }
failed=()
passed=0
for role in "${roles[@]}"; do
  echo "==> molecule test: $role"
  start=$(date +%s)
  export HISOPS_MOLECULE_ROLE="${role//_/-}"
  # scenarios on the database server images (lab/image-db) name them; built once per recipe
  if grep -q 'HISOPS_DB1[23]_IMAGE' "$ROOT/roles/$role/molecule/default/molecule.yml"; then
    HISOPS_DB12_IMAGE="$(cd "$ROOT" && python -m lab image db12)" && export HISOPS_DB12_IMAGE
    HISOPS_DB13_IMAGE="$(cd "$ROOT" && python -m lab image db13)" && export HISOPS_DB13_IMAGE
  fi
  if (cd "$ROOT/roles/$role" && molecule test); then
    passed=$((passed + 1))
    echo "==> molecule $role passed in $(( $(date +%s) - start )) s"
  else
    failed+=("$role")
    echo "==> molecule $role FAILED after $(( $(date +%s) - start )) s"
  fi
done
echo "molecule: ${passed} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
