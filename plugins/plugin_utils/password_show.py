"""``./hisops password show DEPT [--history]``: read a department's password, audited (HIM-7.2).

For an authorised person (whoever holds the vault password). The read-out is written to the
department's store file (``reads``: when, who, which version) and to the results store's register
(event ``read``, a run of its own) BEFORE the password is printed: no audit, no password. A
password read out is rotated by the next rotation run once ``read_grace_hours`` (default 24)
have passed (trigger ``read_out``), as Windows LAPS resets a password after it was used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from ansible.errors import AnsibleError

from . import password_register as register
from . import passwords as pw
from .project import project_path
from .store import StoreError

DEFAULT_STORE_DIR = Path("passwords")  # in the project directory (plugin_utils.project)


def vault_secrets(vault_ids: list[str], password_files: list[str], ask: bool) -> list[tuple[str, Any]]:
    """The vault secrets as ansible-playbook reads them (ansible.cfg's vault_identity_list, --vault-id
    ID@FILE or ID@prompt, --vault-password-file, --ask-vault-pass)."""
    from ansible import constants as C
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import PromptVaultSecret, get_file_vault_secret

    loader = DataLoader()
    identities = [*(vault_ids or list(C.DEFAULT_VAULT_IDENTITY_LIST)), *("default@" + f for f in password_files)]
    if ask:
        identities.insert(0, "default@prompt")
    out: list[tuple[str, Any]] = []
    for identity in identities:
        vault_id, _sep, source = identity.rpartition("@")
        vault_id = vault_id or "default"
        if source == "prompt":
            secret: Any = PromptVaultSecret(vault_id=vault_id, prompt_formats=["Vault password (%s): " % vault_id])
        else:
            secret = get_file_vault_secret(filename=source, vault_id=vault_id, loader=loader)
        secret.load()
        out.append((vault_id, secret))
    return out


def show(store: pw.VaultFileStore, department: str, history: bool, results_store: str | None, out: TextIO) -> None:
    by = register.who()
    with store.lock(department):
        record = store.load(department)
        entry = record.current
        if entry is None:
            raise pw.PasswordStoreError("department %s has no password in %s" % (department, store.directory))
        record.reads.append({"at": pw.now_iso(), "by": by, "version": entry["version"]})
        store.save(record)
    register.record_read(results_store, department, entry, by, "show")
    out.write(
        "department %s, version %d (set %s, trigger %s)\n"
        % (department, entry["version"], entry["created"], entry.get("trigger", ""))
    )
    out.write("%s\n" % entry["password"])
    if record.pending:
        out.write(
            "a rotation to version %d is in progress on: %s\n"
            % (record.pending["version"], ", ".join(record.pending.get("hosts_done") or []) or "no host yet")
        )
    if history:
        for old in record.history:
            out.write("previous version %d (set %s): %s\n" % (old["version"], old["created"], old["password"]))


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("department")
    common.add_argument("--store-dir", default=str(DEFAULT_STORE_DIR), help="password store (default passwords/)")
    common.add_argument(
        "--results", default=None, help="results store (default $HISOPS_STORE, else results/hisops.sqlite)"
    )
    common.add_argument("--vault-id", action="append", default=[], help="as ansible-playbook's --vault-id")
    common.add_argument("--vault-password-file", action="append", default=[], help="as ansible-playbook's")
    common.add_argument("--ask-vault-pass", action="store_true", help="ask for the vault password")
    common.add_argument("--encrypt-vault-id", default="", help="vault id of the store files (default: the first)")
    ap = argparse.ArgumentParser(prog="hisops password", description="Read a department's password (audited).")
    sub = ap.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser(
        "show", parents=[common], help="print the current password of DEPARTMENT and record the read-out"
    )
    cmd.add_argument("--history", action="store_true", help="also the previous passwords (up to 12)")
    cmd = sub.add_parser(
        "slip", parents=[common], help="write the printable handover slip (HTML, Chinese) for the custodian"
    )
    cmd.add_argument("--out", required=True, help="the HTML file to create (never over an existing file)")
    cmd.add_argument(
        "-i", "--inventory", action="append", default=[], help="inventory naming the custodian (default: ansible.cfg's)"
    )
    args = ap.parse_args(argv)
    try:
        secrets_list = vault_secrets(args.vault_id, args.vault_password_file, args.ask_vault_pass)
        vault, vault_id, secret = pw.vault_for(secrets_list, args.encrypt_vault_id)
        store = pw.VaultFileStore(project_path(args.store_dir), vault, vault_id, secret)
        if args.command == "show":
            show(store, args.department, args.history, args.results, out)
        else:
            print_slip(store, secrets_list, args, out)
    except (pw.PasswordStoreError, StoreError, AnsibleError, OSError) as exc:
        print("hisops password: %s" % str(exc).splitlines()[0], file=sys.stderr)
        return 1
    return 0


def print_slip(
    store: pw.VaultFileStore, secrets_list: list[tuple[str, Any]], args: argparse.Namespace, out: TextIO
) -> None:
    from ansible import constants as C

    from .password_slip import inventory_department, slip

    sources = args.inventory or [str(project_path(s)) for s in C.DEFAULT_HOST_LIST]
    code = pw.check_department(args.department)
    carriers = (store.load(code).current or {}).get("hosts_done") or []  # checked again under the lock
    department = inventory_department(sources, code, secrets_list, carriers)
    entry = slip(store, department, Path(args.out), args.results)
    out.write(
        "handover slip of department %s, version %d, for %s (%s) written to %s: it holds the password; "
        "print it, hand it over against signature, then delete the file\n"
        % (
            args.department,
            entry["version"],
            department["custodian"]["name"],
            department["custodian"]["staff_id"],
            args.out,
        )
    )
