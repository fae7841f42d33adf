"""No import-path manipulation anywhere: the collection hisops.him is imported as Ansible loads it,
``ansible_collections.hisops.him...``, found through ansible.cfg's ``collections_path``.

Import paths set by hand (sys.path edits, PYTHONPATH, files loaded by path, Ansible's per-type
plugin paths) make one file two modules in one process and hide dependencies from tools; the
scan below fails on any of them in a tracked file, naming the file, the line and the reason.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bsys\.path\b"), "sys.path edited: import through the collection (ansible_collections.hisops.him)"),
    (re.compile(r"\bPYTHONPATH\b"), "PYTHONPATH set: Ansible's collection loader finds the collection"),
    (re.compile(r"spec_from_file_location|SourceFileLoader|\bload_source\("), "a Python file loaded by path"),
    (re.compile(r"\b__path__\s*\.\s*(append|insert|extend)"), "a package's __path__ extended by hand"),
    (
        re.compile(r"^\s*(library|module_utils|roles_path|(?!enable_)[a-z_]+_plugins)\s*=", re.MULTILINE),
        "an Ansible plugin/role path in an ini file: the collection provides them",
    ),
    (
        re.compile(r"\bANSIBLE_(LIBRARY|MODULE_UTILS|ROLES_PATH|(?!LOAD_CALLBACK_PLUGINS)[A-Z_]+_PLUGINS)\b"),
        "an Ansible plugin/role path in the environment: the collection provides them",
    ),
]
# Ini files where "name = value" means an Ansible setting (other files use "=" for code).
INI = re.compile(r"(^|/)(ansible\.cfg|[^/]*\.ini)$")


def problems(path: str, text: str) -> list[str]:
    """One line per path manipulation in ``text`` (the content of the tracked file ``path``)."""
    found = []
    for pattern, reason in RULES:
        if pattern.pattern.startswith("^") and not INI.search(path):
            continue
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append("%s:%d: %s (%s)" % (path, line, match.group(0).strip(), reason))
    return found


def tracked() -> list[tuple[str, str]]:
    """(path, mode) of every file git tracks in the repository."""
    out = subprocess.run(["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    rows = [line.split(maxsplit=3) for line in out.splitlines()]
    return [(row[3], row[0]) for row in rows]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("plugins/x.py", "import sys\nsys.path.insert(0, '/lib')\n"),
        ("hisops", 'PYTHONPATH="$ROOT/lib" python -m x\n'),
        ("plugins/x.py", "spec = importlib.util.spec_from_file_location('m', p)\n"),
        ("tests/conftest.py", "ansible.module_utils.__path__.append(str(mu))\n"),
        ("ansible.cfg", "[defaults]\nlibrary = plugins/modules\n"),
        ("ansible.cfg", "[defaults]\ncallback_plugins = plugins/callback\n"),
        ("ansible.cfg", "[defaults]\nroles_path = roles\n"),
        (".config/molecule/config.yml", "env:\n  ANSIBLE_FILTER_PLUGINS: x\n"),
    ],
)
def test_the_scan_finds_each_kind_of_path_manipulation(path: str, text: str) -> None:
    assert problems(path, text)


def test_a_switch_that_is_no_path_is_not_taken_for_one() -> None:
    # ANSIBLE_LOAD_CALLBACK_PLUGINS turns callbacks on for ad-hoc commands: no plugin path
    assert not problems("roles/r/molecule/tests/test_x.py", 'env["ANSIBLE_LOAD_CALLBACK_PLUGINS"] = "1"\n')


def test_no_path_manipulation_in_the_repository() -> None:
    files = tracked()
    assert len(files) > 100, "git ls-files listed %d files: not the repository" % len(files)
    found = []
    for path, mode in files:
        if path == THIS:
            continue
        if mode == "120000" and re.search(r"(^|/)([a-z_]+_plugins|library|module_utils)$", path):
            found.append("%s: a plugin folder linked in (the collection provides its plugins)" % path)
            continue
        file = ROOT / path
        if mode == "120000" or not file.is_file() or file.suffix in {".xlsx", ".png", ".gz"}:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        found += problems(path, text)
    assert not found, "\n".join(found)


def test_no_python_path_files() -> None:
    """A .pth file in the tree would put folders on the import path of whatever venv it lands in."""
    assert not [p for p, _ in tracked() if p.endswith(".pth")]


SELF_IMPORT = re.compile(r"^\s*(from|import)\s+ansible_collections\.hisops\.him\b", re.MULTILINE)


def test_collection_code_imports_itself_relatively() -> None:
    """Inside plugins/ the collection imports its own code relatively (``from ..module_utils.x``).

    Ansible resolves both forms, but the full name resolves only through the link under
    collections/, which static import graphs and IDEs do not follow: an absolute self-import
    is a dependency nobody sees.
    """
    found = []
    for path, mode in tracked():
        if mode == "120000" or not (path.startswith("plugins/") and path.endswith(".py")):
            continue
        text = (ROOT / path).read_text(encoding="utf-8")
        for match in SELF_IMPORT.finditer(text):
            found.append("%s:%d" % (path, text.count("\n", 0, match.start()) + 1))
    assert not found, "absolute self-imports (make them relative): " + ", ".join(found)
