# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_department_password (HIM-7.2): department passwords, like Windows LAPS.

Everything secret stays inside this plugin: the password store is read and written on the
controller (``plugin_utils.passwords``), a Linux host gets only a SHA-512 crypt hash (through
``ansible.builtin.user``, whose ``password`` option is no_log) and is verified by comparing its
/etc/shadow hash on the controller (read with ``ansible.builtin.getent``, never returned).
Results carry versions and fingerprints only.

States (see the module's documentation):

- ``prepare`` (once, on the controller): decide per department whether to rotate (trigger),
  generate the new password and write it to the store as ``pending`` BEFORE any host changes;
- ``apply`` (per host): set the department account to the pending (else current) password and
  verify it on the host;
- ``finalize`` (once, on the controller): promote ``pending`` to ``current`` for departments whose
  every host verified it; record each department in the results store's register;
- ``audit`` (per host, read-only): the HIM-7.2 control record of the host.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ..module_utils import results
from ..modules.hisops_department_password import ARGUMENT_SPEC
from ..plugin_utils import password_register as register
from ..plugin_utils import passwords as pw
from ..plugin_utils.controller_action import begin_run
from ..plugin_utils.recording import RUN_UUID_ENV, recorder_store
from ..plugin_utils.store import StoreError, open_store

CONTROL_ID = "HIM-7.2-password-rotation"


class DepartmentError(Exception):
    """Bad input or a store problem: the task fails with this message, before anything changes."""


def department_of(data: Any, where: str) -> tuple[str, pw.Custodian]:
    """(code, custodian) of a ``hisops_department`` mapping; the message names the field."""
    if not isinstance(data, Mapping) or not data.get("code"):
        raise DepartmentError("%s: hisops_department.code is not set" % where)
    custodian = data.get("custodian")
    if not isinstance(custodian, Mapping) or not custodian.get("staff_id"):
        raise DepartmentError(
            "%s: hisops_department.custodian.staff_id is not set (department %s has no custodian)"
            % (where, data["code"])
        )
    try:
        code = pw.check_department(str(data["code"]))
    except pw.PasswordStoreError as exc:
        raise DepartmentError("%s: hisops_department.code: %s" % (where, exc)) from None
    return code, pw.Custodian(str(custodian["staff_id"]), str(custodian.get("name", "")))


WINDOWS_CHECK = r"""
param([string]$Account, [SecureString]$Secret)
$Ansible.Changed = $false
Add-Type -AssemblyName System.DirectoryServices.AccountManagement
$context = [System.DirectoryServices.AccountManagement.PrincipalContext]::new('Machine')
try {
    $user = [System.DirectoryServices.AccountManagement.UserPrincipal]::FindByIdentity($context, $Account)
    if (-not $user) { return $false }
    $context.ValidateCredentials($Account, [System.Net.NetworkCredential]::new('', $Secret).Password)
} finally { $context.Dispose() }
"""


def parse_now(text: str) -> dt.datetime:
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DepartmentError("now: %r is not an ISO date/time (e.g. 2026-11-27T10:00:00Z)" % text) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def control_record(status: str, severity: str, evidence: list[str], message: str) -> dict[str, Any]:
    return results.control_result(CONTROL_ID, status, severity, evidence, message=message)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True

    # -------------------------------------------------------------------------- plumbing
    def _store(self, args: dict[str, Any]) -> pw.VaultFileStore:
        vault = getattr(self._loader, "_vault", None)
        secrets_list = list(getattr(vault, "secrets", None) or [])
        try:
            vault_lib, vault_id, secret = pw.vault_for(secrets_list, args["vault_id"])
        except pw.PasswordStoreError as exc:
            raise DepartmentError(str(exc)) from None
        return pw.VaultFileStore(args["store_dir"], vault_lib, vault_id, secret)

    def _host_departments(self, hosts: list[str], task_vars: dict[str, Any]) -> dict[str, tuple[str, pw.Custodian]]:
        hostvars = task_vars.get("hostvars") or {}
        out = {}
        problems = []
        for host in hosts:
            try:
                data = hostvars[host].get("hisops_department") if host in hostvars else None
                out[host] = department_of(data, "host %s" % host)
            except DepartmentError as exc:
                problems.append(str(exc))
            except AnsibleError as exc:
                problems.append("host %s: hisops_department: %s" % (host, exc.message))
        if problems:
            raise DepartmentError("; ".join(problems))
        return out

    def _run_module(self, name: str, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        result = self._execute_module(module_name=name, module_args=args, task_vars=task_vars)
        result.pop("invocation", None)
        return result

    def _shadow_hash(self, account: str, task_vars: dict[str, Any]) -> str | None:
        """The account's /etc/shadow hash (None: no such account); never leaves this plugin."""
        result = self._run_module(
            "ansible.builtin.getent", {"database": "shadow", "key": account, "fail_key": False}, task_vars
        )
        if result.get("failed"):
            raise DepartmentError("cannot read the shadow entry of %s: %s" % (account, result.get("msg", "")))
        entry = ((result.get("ansible_facts") or {}).get("getent_shadow") or {}).get(account)
        return entry[0] if entry else None

    # -------------------------------------------------------------------------- states
    def _prepare(self, args: dict[str, Any], task_vars: dict[str, Any], store: pw.VaultFileStore) -> dict[str, Any]:
        policy = pw.PasswordPolicy.from_mapping(args["policy"])
        now = parse_now(args["now"])
        if args["record"] and not self._play_context.check_mode and not os.environ.get(RUN_UUID_ENV):
            raise DepartmentError(
                "this run is not recorded (callback hisops.him.hisops_recorder): a rotation must be in the "
                "register; enable the recorder (ansible.cfg callbacks_enabled) and run again"
            )
        host_departments = self._host_departments(args["hosts"], task_vars)
        departments = dict(host_departments.values())
        unknown = sorted(set(args["rotate"]) - set(departments))
        if unknown:
            raise DepartmentError(
                "rotate: unknown department(s) %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(departments)))
            )
        # every department's file is read (and must decrypt) before anything is written
        records = {code: store.load(code) for code in sorted(departments)}
        switches = set((task_vars.get("groups") or {}).get("switches") or [])
        with_switches = {code for host, (code, _c) in host_departments.items() if host in switches}
        plan: dict[str, Any] = {}
        rows = []
        for code, record in records.items():
            trigger = pw.rotation_trigger(record, departments[code], now, policy, manual=code in args["rotate"])
            item: dict[str, Any] = {"trigger": trigger or "", "current": pw.public_entry(record.current)}
            if trigger and trigger != pw.TRIGGER_PENDING:
                item["action"] = "rotate"
                if not self._play_context.check_mode:
                    with store.lock(code):
                        record = store.load(code)
                        # a department with switches gets a password every switch accepts
                        limits = args["switch_limits"] if code in with_switches else {}
                        new = pw.generate(policy.for_device(limits))
                        entry = pw.begin_rotation(record, new, trigger, departments[code], register.who(), now)
                        store.save(record)
                    rows.append(register.rotation_row(code, "started", entry))
                    item["pending"] = pw.public_entry(entry)
            elif trigger == pw.TRIGGER_PENDING:
                item["action"] = "resume"
                item["pending"] = pw.public_entry(record.pending)
            else:
                item["action"] = "none"
            plan[code] = item
        if args["record"] and not self._play_context.check_mode:
            self._register(rows)
        changed = any(i["action"] == "rotate" for i in plan.values())
        rotating = sorted(c for c, i in plan.items() if i["action"] != "none")
        return {
            "changed": changed,
            "departments": plan,
            "msg": "department(s) to rotate: %s" % ", ".join("%s (%s)" % (c, plan[c]["trigger"]) for c in rotating)
            if rotating
            else "no department password is due",
        }

    def _target(self, record: pw.DepartmentPasswords) -> dict[str, Any] | None:
        return record.pending or record.current

    def _windows_carries(self, account: str, password: str, task_vars: dict[str, Any]) -> bool:
        """Whether the local account logs on with ``password`` (the password only as a SecureString)."""
        result = self._run_module(
            "ansible.windows.win_powershell",
            {
                "script": WINDOWS_CHECK,
                "parameters": {"Account": account},
                "sensitive_parameters": [{"name": "Secret", "value": password}],
            },
            task_vars,
        )
        if result.get("failed"):
            raise DepartmentError("cannot check the password of %s: %s" % (account, result.get("msg", "")))
        return (result.get("output") or [False])[-1] is True

    def _apply_windows(
        self, account: str, entry: dict[str, Any], groups: list[str], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        if self._windows_carries(account, entry["password"], task_vars):
            return {"changed": False, "verified": True, "msg": "%s carries version %d" % (account, entry["version"])}
        if self._play_context.check_mode:
            return {"changed": True, "msg": "%s would be set to version %d" % (account, entry["version"])}
        result = self._run_module(
            "ansible.windows.win_user",
            {
                "name": account,
                "password": entry["password"],
                "update_password": "always",
                "groups": groups,
                "groups_action": "add",
                "password_never_expires": True,
                "state": "present",
            },
            task_vars,
        )
        if result.get("failed"):
            raise DepartmentError("password of %s could not be set: %s" % (account, result.get("msg", "")))
        if not self._windows_carries(account, entry["password"], task_vars):
            raise DepartmentError(
                "password of %s was set but the logon check fails for version %d" % (account, entry["version"])
            )
        return {
            "changed": True,
            "verified": True,
            "msg": "%s set to version %d, verified" % (account, entry["version"]),
        }

    def _apply(self, args: dict[str, Any], task_vars: dict[str, Any], store: pw.VaultFileStore) -> dict[str, Any]:
        host = task_vars.get("inventory_hostname", "")
        code, _custodian = department_of(args["department"], "host %s" % host)
        account = pw.account_name(code, args["account"])
        record = store.load(code)
        entry = self._target(record)
        out: dict[str, Any] = {"department": code, "account": account, "verified": False, "version": 0}
        if entry is None:
            if self._play_context.check_mode:
                return out | {"changed": True, "msg": "department %s has no password yet: one would be set" % code}
            raise DepartmentError("department %s has no password in the store: run the prepare step first" % code)
        out["version"] = entry["version"]
        out["fingerprint"] = entry.get("fingerprint", "")
        if args["platform"] == "windows":
            return out | self._apply_windows(account, entry, args["account_groups"], task_vars)
        return out | self._apply_linux(account, entry, args["account_groups"], task_vars)

    def _apply_linux(
        self, account: str, entry: dict[str, Any], groups: list[str], task_vars: dict[str, Any]
    ) -> dict[str, Any]:
        """Read the account's shadow hash first: one ``user`` run then makes sure of the account (its
        groups, its shell) and, unless the host already carries the password, sets it; a set password
        is read back and verified. Three round trips for a rotation (was four), two when nothing is due."""
        current_hash = self._shadow_hash(account, task_vars)
        carries = current_hash is not None and pw.hash_matches(entry["password"], current_hash)
        carried = {"verified": True, "msg": "%s carries version %d" % (account, entry["version"])}
        if self._play_context.check_mode:
            if carries:
                return carried | {"changed": False}
            return {"changed": True, "msg": "%s would be set to version %d" % (account, entry["version"])}
        ensure = {"name": account, "state": "present", "shell": "/bin/bash", "groups": groups, "append": True}
        if not carries:
            ensure |= {"password": pw.crypt_hash(entry["password"]), "update_password": "always"}
        result = self._run_module("ansible.builtin.user", ensure, task_vars)
        if result.get("failed"):
            what = "account %s could not be created or updated" if carries else "password of %s could not be set"
            raise DepartmentError("%s: %s" % (what % account, result.get("msg", "")))
        if carries:
            return carried | {"changed": bool(result.get("changed"))}
        if not pw.hash_matches(entry["password"], self._shadow_hash(account, task_vars) or ""):
            raise DepartmentError(
                "password of %s was set but the host does not verify version %d" % (account, entry["version"])
            )
        return {
            "changed": True,
            "verified": True,
            "msg": "%s set to version %d, verified" % (account, entry["version"]),
        }

    def _finalize(self, args: dict[str, Any], task_vars: dict[str, Any], store: pw.VaultFileStore) -> dict[str, Any]:
        hostvars = task_vars.get("hostvars") or {}
        scope = set(args["scope"] or args["hosts"])
        in_scope = {code for code, _c in self._host_departments(sorted(scope), task_vars).values()}
        by_department: dict[str, list[str]] = {}
        for host, (code, _c) in self._host_departments(args["hosts"], task_vars).items():
            if code in in_scope:
                by_department.setdefault(code, []).append(host)
        summary: dict[str, Any] = {}
        rows = []
        changed = False
        for code, hosts in sorted(by_department.items()):
            record = store.load(code)
            if not record.pending:
                # nothing to complete, but each host of this run must still carry the current
                # password: one that could not be checked (unreachable, failed) is never green
                current = int((record.current or {}).get("version") or 0)
                unchecked = self._unchecked(hosts, scope, [], hostvars, args["results_var"], current)
                summary[code] = {
                    "state": "current" if record.current else "none",
                    "hosts_pending": [],
                    "hosts_unchecked": unchecked,
                }
                continue
            version = record.pending["version"]
            done = [h for h in hosts if self._verified(self._host_result(hostvars, h, args["results_var"]), version)]
            if self._play_context.check_mode:
                pending_hosts = sorted(set(hosts) - set(done))
                summary[code] = {
                    "state": "pending",
                    "version": version,
                    "hosts_pending": pending_hosts,
                    "hosts_unchecked": self._unchecked(
                        hosts, scope, pending_hosts, hostvars, args["results_var"], version
                    ),
                }
                continue
            with store.lock(code):
                record = store.load(code)
                entry = record.pending
                completed = pw.complete_rotation(record, done, hosts)
                store.save(record)
            changed = True
            pending_hosts = sorted(set(hosts) - set(entry.get("hosts_done") or []))
            summary[code] = {
                "state": "completed" if completed else "pending",
                "version": version,
                "hosts_done": sorted(entry.get("hosts_done") or []),
                "hosts_pending": pending_hosts,
                "hosts_unchecked": self._unchecked(hosts, scope, pending_hosts, hostvars, args["results_var"], version),
            }
            rows.append(
                register.rotation_row(
                    code, "completed" if completed else "pending", entry, entry.get("hosts_done") or [], pending_hosts
                )
            )
        if args["record"] and not self._play_context.check_mode:
            self._register(rows)
        incomplete = {c: s["hosts_pending"] for c, s in summary.items() if s["hosts_pending"]}
        unchecked = {c: s["hosts_unchecked"] for c, s in summary.items() if s.get("hosts_unchecked")}
        result: dict[str, Any] = {"changed": changed, "departments": summary}
        problems = []
        if incomplete:
            problems.append(
                "rotation not complete (the next run retries with the same password): "
                + "; ".join("%s pending on %s" % (c, ", ".join(h)) for c, h in sorted(incomplete.items()))
            )
        if unchecked:
            problems.append(
                "department password not checked (host unreachable or its task failed; the next run checks again): "
                + "; ".join("%s on %s" % (c, ", ".join(h)) for c, h in sorted(unchecked.items()))
            )
        if problems:
            result["failed"] = True
            result["msg"] = "; ".join(problems)
        else:
            result["msg"] = "every department's hosts carry its current password"
        return result

    def _unchecked(
        self, hosts: list[str], scope: set[str], pending: list[str], hostvars: Any, results_var: str, version: int
    ) -> list[str]:
        """Hosts of this run whose password this run could not check (unreachable, failed), beyond
        those still pending: a rotation may complete (they verified it in an earlier run), but a run
        that could not check a host is never green."""
        return [
            h for h in hosts if h in scope and h not in pending and not self._checked(hostvars, h, results_var, version)
        ]

    def _checked(self, hostvars: Any, host: str, results_var: str, version: int) -> bool:
        """Whether this run checked that HOST carries VERSION (in check mode: checked it at all)."""
        result = self._host_result(hostvars, host, results_var)
        if not isinstance(result, Mapping) or result.get("failed") or result.get("unreachable"):
            return False
        if self._play_context.check_mode and result.get("changed"):
            return True  # would be set: reported as a change, not as unchecked
        return self._verified(result, version)

    @staticmethod
    def _host_result(hostvars: Any, host: str, results_var: str) -> Any:
        """What the host's apply step registered in this run (None when it did not run)."""
        return hostvars[host].get(results_var) if host in hostvars else None

    @staticmethod
    def _verified(result: Any, version: int) -> bool:
        """Whether an apply result says the host was verified to carry VERSION."""
        return (
            isinstance(result, Mapping) and bool(result.get("verified")) and int(result.get("version") or 0) == version
        )

    def _audit(self, args: dict[str, Any], task_vars: dict[str, Any], store: pw.VaultFileStore) -> dict[str, Any]:
        host = task_vars.get("inventory_hostname", "")
        catalog = task_vars.get("hisops_control_catalog") or {}
        severity = (catalog.get(CONTROL_ID) or {}).get("severity", "high")
        code, custodian = department_of(args["department"], "host %s" % host)
        account = pw.account_name(code, args["account"])
        policy = pw.PasswordPolicy.from_mapping(args["policy"])
        now = parse_now(args["now"])
        try:
            record = store.load(code)
        except pw.PasswordStoreError as exc:
            return {"hisops_controls": [control_record("error", severity, [str(exc)], "password store unreadable")]}
        evidence: list[str] = []
        findings: list[str] = []
        current = record.current
        if current is None:
            findings.append("department %s has no password in the store" % code)
        else:
            age = now - pw.parse_iso(current["created"])
            evidence.append(
                "department %s: version %d set %s (%d days ago) by trigger %s"
                % (code, current["version"], current["created"], age.days, current.get("trigger", ""))
            )
            if age > dt.timedelta(days=policy.max_age_days):
                findings.append("password older than %d days (%d days)" % (policy.max_age_days, age.days))
            if current.get("custodian") != custodian.staff_id:
                findings.append(
                    "custodian changed from %s to %s without rotation" % (current.get("custodian"), custodian.staff_id)
                )
            trigger = pw.rotation_trigger(record, custodian, now, policy)
            if trigger == pw.TRIGGER_READ_OUT:
                findings.append("password read out more than %d hours ago and not rotated" % policy.read_grace_hours)
        if record.pending:
            findings.append(
                "rotation to version %d pending (hosts done: %s)"
                % (record.pending["version"], ", ".join(record.pending.get("hosts_done") or []) or "none")
            )
        carried = self._carried(args["platform"], account, record, task_vars)
        if carried is None:
            findings.append("%s on %s carries no password the store holds" % (account, host))
        elif current is not None and carried["version"] != current["version"]:
            findings.append(
                "%s on %s carries version %d, not the current %d"
                % (account, host, carried["version"], current["version"])
            )
        else:
            evidence.append(
                "%s on %s carries version %d (verified by its shadow hash)" % (account, host, carried["version"])
            )
        status = "fail" if findings else "pass"
        message = "; ".join(findings) if findings else "department password current and carried by this host"
        return {"changed": False, "hisops_controls": [control_record(status, severity, evidence + findings, message)]}

    def _carried(
        self, platform: str, account: str, record: pw.DepartmentPasswords, task_vars: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Which stored entry the host's account carries (None: none of them)."""
        if platform == "windows":
            return next(
                (e for e in record.known_passwords() if self._windows_carries(account, e["password"], task_vars)), None
            )
        shadow = self._shadow_hash(account, task_vars)
        return next((e for e in record.known_passwords() if shadow and pw.hash_matches(e["password"], shadow)), None)

    def _register(self, rows: list[dict[str, Any]]) -> None:
        """Write the rows to the results store's register; a rotation is never unaudited."""
        if not rows:
            return
        run_uuid = os.environ.get(RUN_UUID_ENV, "")
        if not run_uuid:
            raise DepartmentError(
                "this run is not recorded (callback hisops.him.hisops_recorder): the rotation is in the password "
                "store but not in the register; enable the recorder and run again"
            )
        try:
            with open_store(recorder_store() or None) as store:
                register.write_rows(store, run_uuid, rows)
        except StoreError as exc:
            raise DepartmentError("rotation register not written: %s" % exc) from None

    # -------------------------------------------------------------------------- run
    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result, args = begin_run(self, tmp, task_vars, ARGUMENT_SPEC)
        if args is None:
            return result
        handlers = {"prepare": self._prepare, "apply": self._apply, "finalize": self._finalize, "audit": self._audit}
        try:
            store = self._store(args)
            result.update(handlers[args["state"]](args, task_vars, store))
        except (DepartmentError, pw.PasswordStoreError) as exc:
            result.update(failed=True, changed=False, msg=str(exc))
        return result
