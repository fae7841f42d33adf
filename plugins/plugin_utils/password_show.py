"""``./hisops password show DEPT [--history]``: read a department's password, audited (HIM-7.2).

For an authorised person (whoever holds the vault password). The read-out is written to the
department's store file (``reads``: when, who, which version) and to the results store's register
(event ``read``, a run of its own) BEFORE the password is printed: no audit, no password. A
password read out is rotated by the next rotation run once ``read_grace_hours`` (default 24)
have passed (trigger ``read_out``), as Windows LAPS resets a password after it was used.
"""

from __future__ import annotations

import argparse
import socket
import sys
import uuid
from pathlib import Path
from typing import Any, TextIO

from ansible.errors import AnsibleError

from . import password_register as register
from . import passwords as pw
from .project import project_path
from .store import StoreError, open_store

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


def record_read(results_store: str | None, department: str, entry: dict[str, Any], by: str) -> str:
    """One run of its own with one ``read`` row in the register; returns the run's uuid."""
    run_uuid = str(uuid.uuid4())
    with open_store(results_store or None) as store:
        store.start_run(
            {
                "uuid": run_uuid,
                "mode": "enforce",
                "user_name": by,
                "controller": socket.gethostname(),
                "playbook": "hisops-password show %s" % department,
            }
        )
        register.write_rows(store, run_uuid, [register.rotation_row(department, "read", entry, by_user=by)])
        store.finish_run(run_uuid, "ok")
    return run_uuid


def show(store: pw.VaultFileStore, department: str, history: bool, results_store: str | None, out: TextIO) -> None:
    by = register.who()
    with store.lock(department):
        record = store.load(department)
        entry = record.current
        if entry is None:
            raise pw.PasswordStoreError("department %s has no password in %s" % (department, store.directory))
        record.reads.append({"at": pw.now_iso(), "by": by, "version": entry["version"]})
        store.save(record)
    record_read(results_store, department, entry, by)
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
    ap = argparse.ArgumentParser(prog="hisops password", description="Read a department's password (audited).")
    sub = ap.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("show", help="print the current password of DEPARTMENT and record the read-out")
    cmd.add_argument("department")
    cmd.add_argument("--history", action="store_true", help="also the previous passwords (up to 12)")
    cmd.add_argument("--store-dir", default=str(DEFAULT_STORE_DIR), help="password store (default passwords/)")
    cmd.add_argument(
        "--results", default=None, help="results store (default $HISOPS_STORE, else results/hisops.sqlite)"
    )
    cmd.add_argument("--vault-id", action="append", default=[], help="as ansible-playbook's --vault-id")
    cmd.add_argument("--vault-password-file", action="append", default=[], help="as ansible-playbook's")
    cmd.add_argument("--ask-vault-pass", action="store_true", help="ask for the vault password")
    cmd.add_argument("--encrypt-vault-id", default="", help="vault id of the store files (default: the first)")
    args = ap.parse_args(argv)
    try:
        secrets_list = vault_secrets(args.vault_id, args.vault_password_file, args.ask_vault_pass)
        vault, vault_id, secret = pw.vault_for(secrets_list, args.encrypt_vault_id)
        store = pw.VaultFileStore(project_path(args.store_dir), vault, vault_id, secret)
        show(store, args.department, args.history, args.results, out)
    except (pw.PasswordStoreError, StoreError, AnsibleError) as exc:
        print("hisops password: %s" % str(exc).splitlines()[0], file=sys.stderr)
        return 1
    return 0
