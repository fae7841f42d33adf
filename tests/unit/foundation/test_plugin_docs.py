"""Every plugin of the collection has its own documentation, as ansible-doc reads it by FQCN (a
plugin without parsable docs is invisible to ansible-doc and ansible-lint, and its argument docs
drift unseen; a filter that shows another filter's page misleads)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.filter import hisops_inventory, hisops_switch, hisops_workstation

# each test carries its layer: unit, or component where it runs an Ansible command
ROOT = Path(__file__).resolve().parents[3]
FILTERS = sorted(
    name for module in (hisops_inventory, hisops_switch, hisops_workstation) for name in module.FilterModule().filters()
)
PLUGINS = {
    "module": sorted(p.stem for p in (ROOT / "plugins/modules").glob("hisops_*.py")),
    "callback": sorted(p.stem for p in (ROOT / "plugins/callback").glob("hisops_*.py")),
    "inventory": sorted(p.stem for p in (ROOT / "plugins/inventory").glob("hisops_*.py")),
    "filter": FILTERS,
}


@pytest.mark.component
@pytest.mark.parametrize("kind", sorted(PLUGINS))
def test_ansible_doc_reads_every_plugin_by_fqcn(kind: str) -> None:
    fqcns = ["hisops.him." + name for name in PLUGINS[kind]]
    proc = subprocess.run(
        ["ansible-doc", "-t", kind, "--json", *fqcns], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0 and "[ERROR]" not in proc.stderr and "WARNING" not in proc.stderr, proc.stderr
    docs = json.loads(proc.stdout)
    assert sorted(docs) == sorted(fqcns)
    for fqcn, entry in docs.items():
        name = entry["doc"].get("module") or entry["doc"].get("name")  # modules document "module:"
        assert name == fqcn.rsplit(".", 1)[1], "%s shows the page of %s" % (fqcn, name)
        assert entry["doc"]["short_description"], fqcn
        if kind in ("module", "filter"):
            assert entry["examples"] and "hisops.him." + fqcn.rsplit(".", 1)[1] in entry["examples"], fqcn


@pytest.mark.unit
def test_every_kind_has_plugins() -> None:
    assert all(PLUGINS.values()), PLUGINS
    assert len(FILTERS) == 7, FILTERS
