"""The YAML syntax of an inventory's files (hosts files, group_vars, host_vars), checked before Ansible reads them.

Ansible reports a YAML error in a vars file without the file's name or line (ansible-core
2.21), and a broken ``group_vars/all`` file stops a run before any task could say more; a
hosts file that does not parse only leaves the inventory without its hosts. So the recorder
checks these files when a playbook starts (names each error and records the run failed), and
the first task of every playbook (``hisops_inventory_check``) checks them again with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

VARS_DIRS = ("group_vars", "host_vars")
YAML_SUFFIXES = ("", ".yml", ".yaml", ".json")
# hosts files Ansible's yaml inventory plugin reads (an INI hosts file has no suffix)
INVENTORY_SUFFIXES = (".yml", ".yaml", ".json")


class _AnyTagLoader(yaml.SafeLoader):
    """Reads Ansible's YAML (``!vault``, ``!unsafe`` values) for a syntax check only."""


# libyaml's parser, as Ansible reads these files with it where it is installed: ten times faster
# than the pure-Python one (every run checks every file twice: when it starts and in its first task)
class _FastAnyTagLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same check with libyaml's parser."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_FastAnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def vars_files(sources: Iterable[str], playbook_dir: str) -> list[Path]:
    """The group_vars/host_vars YAML files next to each inventory source and to the playbooks."""
    roots = {Path(playbook_dir)}
    for source in sources:
        path = Path(source)
        roots.add(path if path.is_dir() else path.parent)
    files: set[Path] = set()
    for root in roots:
        for name in VARS_DIRS:
            base = root / name
            if base.is_dir():
                files.update(p for p in base.rglob("*") if p.is_file() and p.suffix in YAML_SUFFIXES)
    return sorted(files)


def inventory_files(sources: Iterable[str]) -> list[Path]:
    """The YAML hosts files among the inventory sources (a folder's own files, not its vars)."""
    files: set[Path] = set()
    for source in sources:
        path = Path(source)
        candidates = path.iterdir() if path.is_dir() else [path]
        files.update(p for p in candidates if p.is_file() and p.suffix in INVENTORY_SUFFIXES)
    return sorted(files)


def inventory_yaml_problems(sources: Iterable[str], playbook_dir: str) -> list[str]:
    """The YAML errors of every inventory file of a run: hosts files, then group_vars/host_vars."""
    sources = list(sources)
    return yaml_problems([*inventory_files(sources), *vars_files(sources, playbook_dir)])


def yaml_problems(files: Iterable[Path]) -> list[str]:
    """A YAML syntax error of a vars file, as ``FILE line L column C: problem`` (vault-encrypted files skipped)."""
    problems = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append("%s: cannot be read: %s" % (file, exc))
            continue
        if text.lstrip().startswith("$ANSIBLE_VAULT"):
            continue
        try:
            try:
                yaml.load(text, Loader=_FastAnyTagLoader)  # a SafeLoader that ignores Ansible's tags
            except yaml.YAMLError:
                yaml.load(text, Loader=_AnyTagLoader)  # the pure-Python parser names the problem
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = " line %d column %d" % (mark.line + 1, mark.column + 1) if mark else ""
            what = " ".join(str(x) for x in (getattr(exc, "problem", None), getattr(exc, "context", None)) if x)
            problems.append("%s%s: YAML error: %s" % (file, where, what or exc))
    return problems
