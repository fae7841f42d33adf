#!/usr/bin/env bash
# Run the workstation audit bench (see workstation_audit.py) with the project's venv.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"
exec python bench/workstation_audit.py "$@"
