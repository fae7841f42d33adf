"""``./hisops password slip DEPT --out FILE``: the printable handover slip (交接单) of a department's
password for its custodian (HIM-7.2, rulebook 七.2).

When the person in charge of a department changes, the rotation run gives the department a new
password (trigger ``custodian``); this command then writes, on explicit request only, one HTML
page in Chinese for the new custodian: the department, the custodian (from the inventory), the
account, the computers that carry the password, the password itself in groups of four with the
class of every character, and signature lines. It is self-contained (no script, font, image or
link to load: it prints offline) and holds no other secret (no history, no other department, no
vault data).

Refused, with nothing written: no current password, a rotation still in progress, a password not
set for the custodian the inventory names (rotate first), an output file that exists. The slip
is recorded before it is written, as a read-out is (``reads`` of the store file with kind
``slip``, a ``read`` row in the register, in a run named ``hisops-password slip DEPT``); unlike a
read-out it does not start the post-read rotation: the custodian is the person meant to hold the
password.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import password_register as register
from . import passwords as pw
from .inventory_model import department_group

GROUP = 4
CLASS_NAMES = (("upper", "大"), ("lower", "小"), ("digit", "数"))
TRIGGER_ZH = {
    pw.TRIGGER_INITIAL: "首次设置",
    pw.TRIGGER_MANUAL: "按申请更换",
    pw.TRIGGER_CUSTODIAN: "科室负责人变更",
    pw.TRIGGER_MAX_AGE: "定期更换",
    pw.TRIGGER_READ_OUT: "读取后更换",
}
STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "SimSun", serif;
       font-size: 12pt; color: #000; max-width: 170mm; margin: 0 auto; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; }
p.sub { text-align: center; margin: 0 0 6mm; }
table { border-collapse: collapse; width: 100%; margin: 0 0 5mm; }
th, td { border: 1px solid #000; padding: 2mm 3mm; text-align: left; vertical-align: top; }
th { width: 32%; font-weight: bold; background: #eee; }
.pw { font-family: "DejaVu Sans Mono", "Noto Sans Mono", "Courier New", monospace; font-size: 20pt;
      letter-spacing: 1mm; text-align: center; border: 2px solid #000; padding: 4mm; margin: 0 0 2mm; }
.chars td { text-align: center; padding: 1mm; font-size: 9pt; }
.chars td.c { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 14pt; }
ol { margin: 0 0 6mm; padding-left: 6mm; }
.sign td { height: 14mm; border: none; border-bottom: 1px solid #000; }
.sign th { border: none; background: none; width: 22%; white-space: nowrap; }
"""


class SlipError(pw.PasswordStoreError):
    """The slip cannot be made; nothing was written or recorded."""


def char_class(ch: str) -> str:
    return next((name for cls, name in CLASS_NAMES if ch in pw.CLASS_ALPHABETS[cls]), "符")


def inventory_department(
    sources: Sequence[str], code: str, vault_secrets: list[tuple[str, Any]], carriers: Sequence[str] = ()
) -> dict[str, Any]:
    """The department's ``hisops_department`` (and account) from the inventory: the one place that
    names its custodian, read from the hosts that carry the password (``carriers``; else every host
    of the department), which must agree. Raises ``SlipError`` naming the group, host or field."""
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    loader.set_vault_secrets(vault_secrets)
    inventory = InventoryManager(loader=loader, sources=list(sources))
    group = inventory.groups.get(department_group(code))
    hosts = sorted(group.get_hosts(), key=lambda h: h.name) if group else []
    if not hosts:
        raise SlipError("department %s: no host in group %s of the inventory" % (code, department_group(code)))
    hosts = [h for h in hosts if h.name in carriers] or hosts
    variables = VariableManager(loader=loader, inventory=inventory)
    found: dict[str, list[str]] = {}
    result: dict[str, Any] = {}
    for host in hosts:
        host_vars = variables.get_vars(host=host)
        data = host_vars.get("hisops_department")
        custodian = data.get("custodian") if isinstance(data, Mapping) else None
        if not isinstance(custodian, Mapping) or not custodian.get("staff_id") or not custodian.get("name"):
            raise SlipError("host %s: hisops_department.custodian (name, staff_id) is not set" % host.name)
        found.setdefault(str(custodian["staff_id"]), []).append(host.name)
        result = {
            "code": code,
            "name_zh": str(data.get("name_zh") or code),
            "custodian": {k: str(custodian.get(k) or "") for k in ("name", "staff_id", "certificate")},
            "account": pw.account_name(code, str(host_vars.get("hisops_password_account") or "")),
        }
    if len(found) > 1:
        raise SlipError(
            "department %s: the hosts name different custodians (%s): correct the inventory first"
            % (code, "; ".join("%s on %s" % (k, ", ".join(v)) for k, v in sorted(found.items())))
        )
    return result


def check_slip(record: pw.DepartmentPasswords, department: Mapping[str, Any]) -> dict[str, Any]:
    """The entry the slip hands over; ``SlipError`` when it must not be handed over now."""
    code, entry = record.department, record.current
    if entry is None:
        raise SlipError("department %s has no password yet: run the rotation first" % code)
    if record.pending:
        raise SlipError(
            "department %s: the rotation to version %d is still in progress (hosts done: %s): complete it "
            "first (run the rotation again), then print the slip"
            % (code, record.pending["version"], ", ".join(record.pending.get("hosts_done") or []) or "none")
        )
    staff_id = department["custodian"]["staff_id"]
    if entry.get("custodian") != staff_id:
        raise SlipError(
            "department %s: version %d was set for custodian %s, the inventory names %s: run the rotation "
            "(trigger custodian) first, then print the slip for the new custodian"
            % (code, entry["version"], entry.get("custodian"), staff_id)
        )
    return entry


def render(department: Mapping[str, Any], entry: Mapping[str, Any], printed_by: str, now: dt.datetime) -> str:
    """The slip's HTML (Chinese, self-contained)."""
    esc = html.escape
    password = str(entry["password"])
    groups = " ".join(password[i : i + GROUP] for i in range(0, len(password), GROUP))
    custodian = department["custodian"]
    created = pw.parse_iso(entry["created"]).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        ("科室", "%s（%s）" % (department["name_zh"], department["code"])),
        (
            "接收人（科室负责人）",
            "%s　工号 %s%s"
            % (
                custodian["name"],
                custodian["staff_id"],
                "　上岗证 %s" % custodian["certificate"] if custodian.get("certificate") else "",
            ),
        ),
        ("管理账户", department["account"]),
        ("适用计算机", "、".join(entry.get("hosts_done") or []) or "（无）"),
        (
            "密码版本",
            "第 %d 版，%s 设置（%s）"
            % (entry["version"], created, TRIGGER_ZH.get(str(entry.get("trigger")), entry.get("trigger", ""))),
        ),
        ("打印", "%s，打印人 %s" % (now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), printed_by)),
    ]
    table = "".join("<tr><th>%s</th><td>%s</td></tr>" % (esc(k), esc(v)) for k, v in rows)
    chars = "".join('<td class="c">%s</td>' % esc(c) for c in password)
    classes = "".join("<td>%s</td>" % char_class(c) for c in password)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<title>科室管理账户密码交接单 %s</title>\n<style>%s</style>\n</head>\n<body>\n"
        "<h1>科室管理账户密码交接单</h1>\n"
        '<p class="sub">依据《医院信息管理工作制度》七.2：科室指派专人管理微机；管理人员变动时由院部更换密码</p>\n'
        "<table>%s</table>\n"
        '<div class="pw">%s</div>\n'
        '<table class="chars"><tr>%s</tr><tr>%s</tr></table>\n'
        "<ol>\n<li>密码共 %d 个字符，分组间的空格只为便于阅读，不是密码的一部分。"
        "字符下方：大＝大写字母，小＝小写字母，数＝数字，符＝符号。</li>\n"
        "<li>本单只交科室负责人本人；不得拍照、复印、转发或贴在计算机旁。</li>\n"
        "<li>密码定期更换；负责人变更、或密码被信息科读取用于维修后，也会更换。更换后本单作废。</li>\n"
        "<li>负责人签收后妥善保管；不再需要时用碎纸机销毁。</li>\n</ol>\n"
        '<table class="sign"><tr><th>移交人（信息科）</th><td></td><th>日期</th><td></td></tr>'
        "<tr><th>接收人</th><td></td><th>日期</th><td></td></tr></table>\n"
        "</body>\n</html>\n"
    ) % (esc(department["name_zh"]), STYLE, table, esc(groups), chars, classes, len(password))


def write_private(path: Path, text: str) -> None:
    """Create ``path`` (mode 0600), never over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def slip(
    store: pw.VaultFileStore,
    department: Mapping[str, Any],
    out_path: Path,
    results_store: str | None,
) -> dict[str, Any]:
    """Check, record (store file and register), then write the slip; returns the entry without its password."""
    code = department["code"]
    if out_path.exists():
        raise SlipError("%s exists: the slip is never written over a file (remove it or choose another)" % out_path)
    by = register.who()
    now = dt.datetime.now(dt.UTC)
    with store.lock(code):
        record = store.load(code)
        entry = check_slip(record, department)
        record.reads.append({"at": pw.now_iso(now), "by": by, "version": entry["version"], "kind": "slip"})
        store.save(record)
    register.record_read(results_store, code, entry, by, "slip")
    write_private(out_path, render(department, entry, by, now))
    return pw.public_entry(entry) or {}
