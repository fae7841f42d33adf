"""Every plugin's documentation parses, as ansible-doc reads it (a module without parsable docs
is invisible to ansible-doc and ansible-lint, and its argument docs drift unseen)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
PLUGINS = {
    "module": sorted(p.stem for p in (ROOT / "plugins/modules").glob("hisops_*.py")),
    "callback": sorted(p.stem for p in (ROOT / "plugins/callback").glob("hisops_*.py")),
    "inventory": sorted(p.stem for p in (ROOT / "plugins/inventory").glob("hisops_*.py")),
}


@pytest.mark.parametrize(("kind", "name"), [(k, n) for k, names in PLUGINS.items() for n in names])
def test_ansible_doc_reads_the_plugin(kind: str, name: str) -> None:
    fqcn = "hisops.him." + name
    proc = subprocess.run(
        ["ansible-doc", "-t", kind, "--json", fqcn], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "[ERROR]" not in proc.stderr, proc.stderr
    assert '"doc"' in proc.stdout


def test_every_kind_has_plugins() -> None:
    assert all(PLUGINS.values()), PLUGINS
