# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The apt sources of a Linux workstation against the hospital's approved mirrors (HIM-7.7-updates).

Every enabled source (one-line ``deb``/``deb-src`` lines of ``sources.list`` and
``sources.list.d/*.list``, deb822 stanzas of ``sources.list.d/*.sources``) must name an approved
mirror (the policy's ``apt_mirrors``: a source is approved when its URI is one of them or below
one). A source of the distribution's own suites (the mechanism's ``rewrite_suites``, ``{codename}``
replaced) is rewritten to the first approved mirror, a ``-security`` suite to the first approved
mirror whose path ends in ``-security``; any other source (a vendor's repository) is reported:
remove it, or approve its mirror. Target-side code: Python 3.8+, standard library only.
"""

from __future__ import annotations

import re
from typing import Any

ONE_LINE = re.compile(r"^(\s*deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?)(\S+)(\s+)(\S+)(.*)$")


def approved(uri: str, mirrors: list[str]) -> bool:
    """Whether ``uri`` is one of the approved mirrors or below one."""
    uri = uri.rstrip("/")
    return any(uri == m.rstrip("/") or uri.startswith(m.rstrip("/") + "/") for m in mirrors)


def target_mirror(suite: str, mirrors: list[str]) -> str | None:
    """The approved mirror a source of ``suite`` is rewritten to (None when the list has none for it)."""
    security = suite.endswith("-security")
    for mirror in mirrors:
        if mirror.rstrip("/").endswith("-security") == security:
            return mirror.rstrip("/")
    return None


def codename(os_release: str) -> str:
    """VERSION_CODENAME of /etc/os-release ('' when absent)."""
    match = re.search(r"^VERSION_CODENAME=\"?([^\"\n]*)\"?$", os_release, re.M)
    return match.group(1).strip() if match else ""


def rewritable_suites(mech: dict[str, Any], release: str) -> set[str]:
    """The distribution's own suites (``{codename}`` replaced); empty when the codename is unknown."""
    if not release:
        return set()
    return {str(s).replace("{codename}", release) for s in mech.get("rewrite_suites") or []}


def check_one_line(path: str, text: str, mirrors: list[str], suites: set[str]) -> tuple[str, list[str], list[str]]:
    """A one-line-style file: (its content with the rewritable sources rewritten, evidence of what
    is rewritten, evidence of what can only be reported)."""
    lines, fixed, reported = [], [], []
    for number, line in enumerate(text.splitlines(True), 1):
        match = ONE_LINE.match(line.split("#", 1)[0].rstrip("\n"))
        if not match or approved(match.group(2), mirrors):
            lines.append(line)
            continue
        uri, suite = match.group(2), match.group(4)
        target = target_mirror(suite, mirrors) if suite in suites else None
        where = "%s:%d: %s %s" % (path, number, uri, suite)
        if target is None:
            reported.append("%s is not an approved mirror: remove the source or approve its mirror" % where)
            lines.append(line)
            continue
        fixed.append("%s is not an approved mirror (rewritten to %s)" % (where, target))
        lines.append(line.replace(uri, target, 1))
    return "".join(lines), fixed, reported


def check_deb822(path: str, text: str, mirrors: list[str], suites: set[str]) -> tuple[str, list[str], list[str]]:
    """A deb822 ``.sources`` file: as :func:`check_one_line`, stanza by stanza."""
    out, fixed, reported = [], [], []
    for stanza in re.split(r"(\n\s*\n)", text):
        fields = dict(
            (m.group(1).lower(), m.group(2).strip()) for m in re.finditer(r"^([A-Za-z-]+):[ \t]*(.*)$", stanza, re.M)
        )
        uris = fields.get("uris", "").split()
        bad = [u for u in uris if not approved(u, mirrors)]
        if not bad or fields.get("enabled", "yes").lower() == "no":
            out.append(stanza)
            continue
        stanza_suites = fields.get("suites", "").split()
        targets = {target_mirror(s, mirrors) if s in suites else None for s in stanza_suites}
        where = "%s: %s %s" % (path, " ".join(bad), " ".join(stanza_suites))
        if None in targets or len(targets) != 1:
            reported.append("%s is not an approved mirror: remove the source or approve its mirror" % where)
            out.append(stanza)
            continue
        (target,) = targets
        fixed.append("%s is not an approved mirror (rewritten to %s)" % (where, target))
        out.append(_replace_uris(stanza, str(target)))
    return "".join(out), fixed, reported


def _replace_uris(stanza: str, target: str) -> str:
    return re.sub(r"^(URIs:[ \t]*).*$", lambda m: m.group(1) + target, stanza, count=1, flags=re.M | re.I)
