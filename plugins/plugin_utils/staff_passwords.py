"""First passwords of the staff accounts (HIM-8.1.1, rulebook 八.1(1)), kept for the custodian.

Controller-side only. Each department's staff accounts start with a random password that must be
changed at first login; the password is generated with the department passwords' generator
(``passwords.generate``, the operating system's CSPRNG, ``hisops_password_policy``) and kept in a
vault-encrypted file per department, ``<store_dir>/staff/<department>.vault``, written with the
same machinery as the department passwords (``passwords.VaultFileStore``: atomic write, revision
check, advisory lock, refused when it does not decrypt), so that the department's custodian can
hand it over (``ansible-vault view``). Nothing here prints, logs or returns a password.

File content (JSON inside the vault)::

    {"format": 1, "kind": "staff", "department": "outpatient", "revision": 3, "key": "<hex>",
     "accounts": {"mz0102": {"password": ..., "staff_id": "MZ0102", "created": ISO time,
                             "by": who, "fingerprint": ...}}}

A login's first password is generated once and used on every workstation of the department where
the account is created or enabled again; a login given to another staff id gets a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import passwords as pw

FORMAT = 1
KIND = "staff"
SUBDIR = "staff"


@dataclass
class StaffPasswords:
    """The decrypted content of one department's staff password file."""

    department: str
    key: str = field(default_factory=lambda: secrets.token_hex(32))
    revision: int = 0
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def fingerprint(self, password: str) -> str:
        return hmac.new(bytes.fromhex(self.key), password.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def ensure(self, login: str, staff_id: str, policy: pw.PasswordPolicy, by: str, now: dt.datetime) -> bool:
        """Give ``login`` a first password unless it has one for the same person; True when generated."""
        entry = self.accounts.get(login)
        if entry and entry.get("staff_id") == staff_id:
            return False
        password = pw.generate(policy)
        self.accounts[login] = {
            "password": password,
            "staff_id": staff_id,
            "created": pw.now_iso(now),
            "by": by,
            "fingerprint": self.fingerprint(password),
        }
        return True

    def password(self, login: str, staff_id: str) -> str | None:
        entry = self.accounts.get(login)
        return entry["password"] if entry and entry.get("staff_id") == staff_id else None

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "kind": KIND,
            "department": self.department,
            "revision": self.revision,
            "key": self.key,
            "accounts": self.accounts,
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, where: str) -> StaffPasswords:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise pw.PasswordStoreError(
                "%s decrypts but is not a staff password file (%s); it was not changed" % (where, exc)
            ) from None
        accounts = data.get("accounts") if isinstance(data, dict) else None
        if not isinstance(accounts, dict) or data.get("format") != FORMAT or data.get("kind") != KIND:
            raise pw.PasswordStoreError(
                "%s is not a hisops staff password file of format %d; it was not changed" % (where, FORMAT)
            )
        if any(not isinstance(e, dict) or not e.get("password") or not e.get("staff_id") for e in accounts.values()):
            raise pw.PasswordStoreError("%s holds a damaged entry; it was not changed" % where)
        return cls(str(data["department"]), str(data["key"]), int(data["revision"]), accounts)


class StaffPasswordStore(pw.VaultFileStore):
    """One vault-encrypted file per department in ``<store_dir>/staff``."""

    def __init__(self, store_dir: str | Path, vault: Any, vault_id: str, secret: Any) -> None:
        super().__init__(Path(store_dir) / SUBDIR, vault, vault_id, secret)

    record_class = StaffPasswords

    def save(self, record: StaffPasswords) -> None:  # type: ignore[override]
        self.save_revision(record, self.load(record.department).revision)
