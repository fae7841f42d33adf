#!/usr/bin/env bash
# Recorder overhead on the lab (see bench/recorder_overhead.py). Needs the lab up.
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/.venv/bin:$PATH" ANSIBLE_CONFIG="$ROOT/ansible.cfg"
exec python "$ROOT/bench/recorder_overhead.py" "$@"
