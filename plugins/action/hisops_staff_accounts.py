# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_staff_accounts (HIM-8.1.1, rulebook 八.1(1)): staff accounts.

The first passwords stay inside this plugin: ``prepare`` (once, on the controller) generates one
per listed person into the department's staff password store (``plugin_utils.staff_passwords``)
BEFORE any host changes; ``enforce`` (per host) first runs the module read-only, and only when it
must create or enable accounts sends their SHA-512 crypt hashes (never the passwords) to the module.
The module returns what changed (``hisops_staff_events``); the recorder writes it to the results
store's staff account register (``plugin_utils.staff_register``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ..module_utils.staff_accounts import listed_people
from ..modules.hisops_staff_accounts import ARGUMENT_SPEC, CONTROL_ID
from ..plugin_utils import passwords as pw
from ..plugin_utils.controller_action import begin_run
from ..plugin_utils.password_register import who
from ..plugin_utils.staff_passwords import StaffPasswordStore

MODULE = "hisops.him.hisops_staff_accounts"
# options the module on the host needs; the others are the controller's
HOST_OPTIONS = (
    "department",
    "admin_account",
    "allowed_accounts",
    "shell",
    "nologin_shell",
    "min_uid",
    "max_uid",
    "today",
)


class StaffError(Exception):
    """Bad input or a store problem: the task fails with this message."""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    def _store(self, args: dict[str, Any]) -> StaffPasswordStore:
        if not args["store_dir"]:
            raise StaffError("store_dir: the password store directory is not set (hisops_password_store_dir)")
        vault = getattr(self._loader, "_vault", None)
        try:
            vault_lib, vault_id, secret = pw.vault_for(list(getattr(vault, "secrets", None) or []), args["vault_id"])
        except pw.PasswordStoreError as exc:
            raise StaffError(str(exc)) from None
        return StaffPasswordStore(args["store_dir"], vault_lib, vault_id, secret)

    def _departments(self, hosts: list[str], task_vars: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Each department (code -> hisops_department) of ``hosts``."""
        hostvars = task_vars.get("hostvars") or {}
        out: dict[str, dict[str, Any]] = {}
        for host in hosts:
            try:
                dept = hostvars[host].get("hisops_department") if host in hostvars else None
            except AnsibleError as exc:
                raise StaffError("host %s: hisops_department: %s" % (host, exc.message)) from None
            if not isinstance(dept, Mapping) or not dept.get("code"):
                raise StaffError("host %s: hisops_department.code is not set" % host)
            out.setdefault(str(dept["code"]), dict(dept))
        return out

    def _prepare(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        store = self._store(args)
        policy = pw.PasswordPolicy.from_mapping(args["policy"])
        now = dt.datetime.now(dt.UTC)
        summary: dict[str, Any] = {}
        changed = False
        for code, dept in sorted(self._departments(args["hosts"], task_vars).items()):
            people = listed_people(dept) or []
            record = store.load(code)
            missing = [p.login for p in people if record.password(p.login, p.staff_id) is None]
            summary[code] = {"generated": missing, "kept": [p.login for p in people if p.login not in missing]}
            if not missing or self._play_context.check_mode:
                changed = changed or bool(missing)
                continue
            with store.lock(code):
                record = store.load(code)
                for person in people:
                    record.ensure(person.login, person.staff_id, policy, who(), now)
                store.save(record)
            changed = True
        total = sum(len(s["generated"]) for s in summary.values())
        verb = "would get" if self._play_context.check_mode else "got"
        msg = "%d staff account(s) %s a first password" % (total, verb)
        return {"changed": changed, "departments": summary, "msg": msg}

    def _module(self, args: dict[str, Any], task_vars: dict[str, Any], **extra: Any) -> dict[str, Any]:
        module_args = {k: args[k] for k in HOST_OPTIONS} | extra
        result = self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)
        result.pop("invocation", None)
        return result

    def _enforce(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        found = self._module(args, task_vars, state="enforce" if self._play_context.check_mode else "audit")
        if found.get("failed") or self._play_context.check_mode:
            return found
        if not found.get("create_group") and not any((found.get("accounts") or {}).values()):
            return found  # nothing to change: the read-only result is this host's record
        hashes = self._hashes(args, found.get("need_password") or [])
        return self._module(args, task_vars, state="enforce", first_passwords=hashes)

    def _hashes(self, args: dict[str, Any], logins: list[str]) -> dict[str, str]:
        """Crypt hashes of the first passwords of ``logins`` (fails when one is not in the store)."""
        if not logins:
            return {}
        dept = args["department"]
        staff_ids = {p.login: p.staff_id for p in listed_people(dept) or []}
        record = self._store(args).load(str(dept["code"]))
        hashes = {}
        for login in logins:
            password = record.password(login, staff_ids.get(login, ""))
            if password is None:
                raise StaffError(
                    "no first password for %s in the staff password store of %s: run the prepare step first "
                    "(playbooks/staff_accounts.yml does)" % (login, dept["code"])
                )
            hashes[login] = pw.crypt_hash(password)
        return hashes

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result, args = begin_run(self, tmp, task_vars, ARGUMENT_SPEC)
        if args is None:
            return result
        catalog = task_vars.get("hisops_control_catalog") or {}
        severity = (catalog.get(CONTROL_ID) or {}).get("severity", "high")
        try:
            if args["state"] == "prepare":
                result.update(self._prepare(args, task_vars))
            elif args["state"] == "enforce":
                result.update(self._enforce(args, task_vars))
            else:
                result.update(self._module(args, task_vars, state="audit"))
        except (StaffError, pw.PasswordStoreError) as exc:
            return result | {"failed": True, "changed": False, "msg": str(exc)}
        for record in result.get("hisops_controls") or []:
            record["severity"] = severity
        return result
