"""Write a role's README variables table from its meta/argument_specs.yml (the one description).

    bin/hisops-role-docs roles/ROLE [--check]

The table goes between the lines ``<!-- BEGIN VARIABLES -->`` and ``<!-- END VARIABLES -->``
of ``roles/ROLE/README.md``. ``--check`` exits 1 when the README is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

BEGIN = "<!-- BEGIN VARIABLES -->"
END = "<!-- END VARIABLES -->"


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = str(value).replace("|", "\\|").replace("\n", " ")
    for macro, mark in (("C(", "`"), ("I(", "*")):
        while macro in text:
            start = text.index(macro)
            end = text.find(")", start)
            if end < 0:
                break
            text = text[:start] + mark + text[start + 2 : end] + mark + text[end + 1 :]
    return text


def _default(spec: dict[str, Any]) -> str:
    if "default" not in spec:
        return "*required*" if spec.get("required") else ""
    value = spec["default"]
    shown = value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True).strip()
    return "`%s`" % str(shown).replace("|", "\\|") if shown != "" else '`""`'


def variables_table(role: Path) -> str:
    """The markdown table of the role's main entry point options."""
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    options = specs["argument_specs"]["main"].get("options", {})
    rows = ["| variable | type | default | description |", "| --- | --- | --- | --- |"]
    for name, spec in options.items():
        kind = spec.get("type", "str")
        if spec.get("elements"):
            kind += " of " + spec["elements"]
        if spec.get("choices"):
            kind += " (" + ", ".join(str(c) for c in spec["choices"]) + ")"
        rows.append("| `%s` | %s | %s | %s |" % (name, kind, _default(spec), _text(spec.get("description", ""))))
    return "\n".join(rows)


def render(role: Path) -> tuple[str, str]:
    """(current README, README with a fresh table)."""
    readme = (role / "README.md").read_text(encoding="utf-8")
    if BEGIN not in readme or END not in readme:
        raise SystemExit("%s/README.md: add the lines %s and %s where the table goes" % (role, BEGIN, END))
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return readme, "%s%s\n%s\n%s%s" % (head, BEGIN, variables_table(role), END, tail)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bin/hisops-role-docs", description=__doc__.splitlines()[0])
    ap.add_argument("role", type=Path)
    ap.add_argument("--check", action="store_true", help="exit 1 when the README table is out of date")
    args = ap.parse_args(argv)
    current, fresh = render(args.role)
    if args.check:
        if current != fresh:
            print("%s/README.md: variables table out of date: run bin/hisops-role-docs %s" % (args.role, args.role))
            return 1
        return 0
    (args.role / "README.md").write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
