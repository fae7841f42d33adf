"""One vendor registry: netdev.VENDORS (hisops vendor name -> netmiko device type). Every other
place that lists the switch vendors agrees with it, so a vendor is added or dropped in all of
them or the suite says where it is missing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.him.plugins.doc_fragments.hisops_switch_connection import ModuleDocFragment
from ansible_collections.hisops.him.plugins.filter import hisops_switch
from ansible_collections.hisops.him.plugins.module_utils import netdev, switchcfg, switchfacts
from ansible_collections.hisops.him.plugins.modules import hisops_switch_config_fleet

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "switch_config"
REGISTRY = set(netdev.VENDORS)


def _inventory_vendor_groups(inventory: Path) -> dict[str, str | None]:
    """switches_<vendor> group -> the hisops_switch_vendor its group_vars set (None: not set there)."""
    text = (inventory / "hosts.yml").read_text(encoding="utf-8")
    groups = {}
    for name in sorted(set(re.findall(r"^\s+(switches_[a-z0-9_]+):", text, re.MULTILINE))):
        vendor_file = inventory / "group_vars" / name / "vendor.yml"
        data = yaml.safe_load(vendor_file.read_text(encoding="utf-8")) if vendor_file.exists() else {}
        groups[name] = (data or {}).get("hisops_switch_vendor")
    return groups


def test_the_registry_lists_the_four_vendors() -> None:
    assert sorted(netdev.VENDORS) == ["cisco_ios", "h3c_comware", "huawei_vrp", "ruijie_os"]


@pytest.mark.parametrize(
    ("place", "vendors"),
    [
        ("netdev.PROFILES (commands, prompts)", set(netdev.PROFILES)),
        ("netdev fast drivers", set(netdev._fast_driver_classes())),
        ("switchcfg.RULES (diff rules)", set(switchcfg.RULES)),
        ("switchfacts.IDENTITY", set(switchfacts.IDENTITY)),
        ("switchfacts patterns", set(switchfacts._PATTERNS)),
        ("filter hisops_switch VENDORS", set(hisops_switch.VENDORS)),
        ("doc fragment choices", set(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]["vendor"]["choices"])),
        (
            "hisops_switch_config_fleet doc choices",
            set(
                yaml.safe_load(hisops_switch_config_fleet.DOCUMENTATION)["options"]["switches"]["suboptions"]["vendor"][
                    "choices"
                ]
            ),
        ),
        ("role templates", {p.stem for p in (ROLE / "templates").glob("*.j2")}),
    ],
)
def test_every_place_lists_the_registry(place: str, vendors: set[str]) -> None:
    assert vendors == REGISTRY, "%s: missing %s, unknown %s" % (place, REGISTRY - vendors, vendors - REGISTRY)


def test_role_models_and_docs_name_registry_vendors() -> None:
    models = yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8"))["hisops_switch_models_builtin"]
    assert {m["vendor"] for m in models.values()} == REGISTRY
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    description = specs["argument_specs"]["main"]["options"]["hisops_switch_vendor"]["description"]
    assert set(re.findall(r"[a-z0-9]+_[a-z0-9_]+", description)) == REGISTRY, description


@pytest.mark.parametrize("inventory", ["lab", "example-hospital"])
def test_inventory_vendor_groups_are_registry_vendors(inventory: str) -> None:
    groups = _inventory_vendor_groups(ROOT / "inventory" / inventory)
    assert groups, "no switches_<vendor> group in inventory/%s" % inventory
    for group, vendor in groups.items():
        assert group.removeprefix("switches_") in REGISTRY, group
        assert vendor in (None, group.removeprefix("switches_")), "%s sets hisops_switch_vendor %s" % (group, vendor)
    if inventory == "lab":  # the lab has a switch of every vendor
        assert {g.removeprefix("switches_") for g in groups} == REGISTRY
