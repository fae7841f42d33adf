"""Shared pytest set-up.

Tests import the collection as Ansible loads it, ``ansible_collections.hisops.him...``, through
Ansible's own collection loader configured by the project's ansible.cfg (``collections_path``),
as ansible-playbook and ansible-test's pytest plugin do. It is installed here, before any test
module imports the collection, so every import and every plugin lookup share one loader.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("ANSIBLE_CONFIG", str(ROOT / "ansible.cfg"))

from ansible.plugins.loader import init_plugin_loader  # noqa: E402 - reads ANSIBLE_CONFIG on import

init_plugin_loader()

# Playbooks that tests run record into a throw-away results store, never the project's
# (results/hisops.sqlite) nor a store configured in the environment.
os.environ["HISOPS_STORE"] = str(Path(tempfile.mkdtemp(prefix="hisops-test-store-")) / "results.sqlite")

LAYERS = ("unit", "component", "molecule", "lab", "system")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test runs in exactly one layer's stage (tests/run_all.sh selects them with -m): a test
    with no layer marker would run in none, one with two would run twice."""
    wrong = []
    for item in items:
        layers = sorted({m.name for m in item.iter_markers()} & set(LAYERS))
        if len(layers) != 1:
            wrong.append("%s: %s" % (item.nodeid, ", ".join(layers) or "no layer marker"))
    if wrong:
        raise pytest.UsageError(
            "every test needs exactly one of the markers %s (pytestmark or a decorator):\n%s"
            % (", ".join(LAYERS), "\n".join(wrong))
        )
