"""The workstation mechanism data (the role's vars) for both platforms, the catalog's report
metadata, and the module interfaces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.him.plugins.module_utils.workstation_linux import CHECKS
from ansible_collections.hisops.him.plugins.module_utils.workstation_policy import workstation_controls
from ansible_collections.hisops.him.plugins.modules import hisops_workstation_linux

from .data import CATALOG, MECHANISM

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
IDS = workstation_controls(CATALOG)
# Windows: the workstation area only (Defender, HIM-7.7-antivirus, is the antivirus role's module)
WINDOWS_IDS = [cid for cid in IDS if CATALOG[cid]["area"] == "workstation"]
REG_PATH = re.compile(r"^HK(LM|CU):\\[^\\/]+(\\[^\\/]+)*$")
REG_TYPES = {"dword": int, "qword": int, "string": str, "expandstring": str}
REPORT_KEYS = ("rule", "rule_text", "title", "severity", "kind", "area")


@pytest.mark.parametrize("cid", IDS)
def test_report_keys_kept(cid: str) -> None:
    entry = CATALOG[cid]
    assert all(k in entry for k in REPORT_KEYS)
    assert entry["title"]["zh"] and entry["title"]["en"]


def test_the_catalog_holds_report_metadata_only() -> None:
    allowed = {*REPORT_KEYS, "applies_to", "implemented", "tags", "remediation", "finding"}
    for cid, entry in CATALOG.items():
        assert set(entry) <= allowed, (cid, set(entry) - allowed)
        assert entry.get("implemented", True) in (True, False), cid


@pytest.mark.parametrize(("platform", "ids"), [("linux", IDS), ("windows", WINDOWS_IDS)])
def test_the_role_has_mechanism_for_every_workstation_control_and_no_other(platform: str, ids: list[str]) -> None:
    assert list(MECHANISM[platform]) == ids


@pytest.mark.parametrize("cid", IDS)
def test_linux_mechanism_names_a_check(cid: str) -> None:
    linux = MECHANISM["linux"][cid]
    assert linux["check"] in CHECKS
    for key, value in linux.items():
        if key.endswith(("_file", "_dir", "profile")):
            assert str(value).startswith("/etc/"), (cid, key, value)


def _registry_entries() -> list[tuple[str, dict]]:
    return [(cid, e) for cid in WINDOWS_IDS for e in MECHANISM["windows"][cid].get("registry") or []]


@pytest.mark.parametrize(("cid", "entry"), _registry_entries(), ids=lambda v: v if isinstance(v, str) else v["name"])
def test_windows_registry_entries_are_well_formed(cid: str, entry: dict) -> None:
    assert REG_PATH.match(entry["path"]), entry["path"]
    assert entry["name"] and entry["type"] in REG_TYPES
    data = str(entry["data"]).replace("{seconds}", "300")
    if REG_TYPES[entry["type"]] is int:
        assert 0 <= int(data) < 2**32


def test_every_control_has_windows_data() -> None:
    assert all(MECHANISM["windows"][cid] for cid in WINDOWS_IDS)
    assert MECHANISM["windows"]["HIM-7.4-storage"]["registry"][0]["data"] == 4  # USBSTOR disabled
    assert MECHANISM["windows"]["HIM-5.5-admins"]["group_sid"] == "S-1-5-32-544"


def test_the_role_has_one_selection_task_per_control_tagged_with_its_id() -> None:
    tasks = yaml.safe_load((ROOT / "roles/workstation_policy/tasks/select.yml").read_text(encoding="utf-8"))
    assert [t["tags"] for t in tasks] == [[cid.lower()] for cid in IDS]
    for task, cid in zip(tasks, IDS, strict=True):
        assert task["name"].startswith("HIM-%s | SELECT | " % cid.split("-")[1])
        assert "'%s'" % cid in task["ansible.builtin.set_fact"]["hisops_workstation_tagged"]
        assert task["run_once"] is True and task["delegate_to"] == "localhost" and task["delegate_facts"] is True


def _documentation(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])


def _doc_options(path: Path) -> set[str]:
    """The module's documented options, with those of its doc fragments (as ansible-doc shows them)."""
    doc = _documentation(path)
    options = set(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        name = fragment.rsplit(".", 1)[-1]  # hisops.him.NAME
        options |= set(_documentation(ROOT / "plugins/doc_fragments" / (name + ".py"))["options"])
    return options


def test_linux_module_documents_its_argument_spec() -> None:
    assert set(hisops_workstation_linux.ARGUMENT_SPEC) == _doc_options(
        ROOT / "plugins/modules/hisops_workstation_linux.py"
    )


def test_windows_module_documents_the_same_interface() -> None:
    assert _doc_options(ROOT / "plugins/modules/hisops_workstation_windows.py") == _doc_options(
        ROOT / "plugins/modules/hisops_workstation_linux.py"
    )
    ps1 = (ROOT / "plugins/modules/hisops_workstation_windows.ps1").read_text(encoding="utf-8")
    for option in _doc_options(ROOT / "plugins/modules/hisops_workstation_windows.py"):
        assert re.search(r"\b%s\s*=\s*@\{" % option, ps1), "option %s missing in the PowerShell spec" % option


def test_role_readme_and_argument_specs_list_the_same_variables() -> None:
    role = ROOT / "roles/workstation_policy"
    specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text(encoding="utf-8"))
    options = set(specs["argument_specs"]["main"]["options"])
    readme = set(re.findall(r"^\| `([a-z0-9_]+)` \|", (role / "README.md").read_text(encoding="utf-8"), re.M))
    assert readme == options
    defaults = set(yaml.safe_load((role / "defaults/main.yml").read_text(encoding="utf-8")))
    assert defaults <= options


def test_role_policy_defaults_are_the_module_utils_defaults() -> None:
    from ansible_collections.hisops.him.plugins.module_utils.workstation_policy import POLICY_DEFAULTS

    defaults = yaml.safe_load((ROOT / "roles/workstation_policy/defaults/main.yml").read_text(encoding="utf-8"))
    assert {k: defaults["hisops_workstation_" + k] for k in POLICY_DEFAULTS} == POLICY_DEFAULTS


def _ps_bracket_problems(text: str) -> list[str]:
    """Unbalanced (), [], {} in PowerShell code, outside comments and strings (no PowerShell here)."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    problems = []
    quote = ""
    for lineno, line in enumerate(text.splitlines(), 1):
        i = 0
        while i < len(line):
            ch = line[i]
            if ch == "`":
                i += 2
                continue
            if quote:
                if ch == quote:
                    quote = ""
            elif ch == "#":
                break
            elif ch in "'\"":
                quote = ch
            elif ch in "([{":
                stack.append((ch, lineno))
            elif ch in ")]}":
                if not stack or stack[-1][0] != pairs[ch]:
                    problems.append("line %d: unexpected %s" % (lineno, ch))
                else:
                    stack.pop()
            i += 1
        if quote == "'":
            problems.append("line %d: unterminated string" % lineno)
            quote = ""
    return problems + ["line %d: %s never closed" % (n, c) for c, n in stack]


def test_windows_module_brackets_balance() -> None:
    ps1 = (ROOT / "plugins/modules/hisops_workstation_windows.ps1").read_text(encoding="utf-8")
    assert ps1.startswith("#!powershell")
    assert "#AnsibleRequires -CSharpUtil Ansible.Basic" in ps1
    assert _ps_bracket_problems(ps1) == []
    assert _ps_bracket_problems("if ($x) { foo(") != []
