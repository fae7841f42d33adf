# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup of a department's password to apply (pending, else current) from the password store."""

from __future__ import annotations

DOCUMENTATION = r"""
name: hisops_department_password
short_description: The password a department's devices must carry now (HIM-7.2), from the password store
description:
  - Returns, for each department code, the password of its pending rotation, else its current one,
    from the department's Ansible Vault file in O(store_dir) (see M(hisops.him.hisops_department_password)).
  - For devices that need the password itself in their configuration (a switch's local user, pushed
    by the switch engine of the role C(hisops.him.switch_config)).
    Use it only in arguments a module marks C(no_log) (the switch engine's C(secrets)), never in a
    C(debug) or a fact.
  - With O(field=version), returns the version number instead (no secret).
version_added: "0.1.0"
options:
  _terms:
    description: Department codes.
    required: true
    type: list
    elements: str
  store_dir:
    description: Directory of the password store.
    type: path
    required: true
  vault_id:
    description: Vault id of the store files; empty means the first id of C(vault_identity_list).
    type: str
    default: ""
  field:
    description: C(password) or C(version).
    type: str
    default: password
    choices: [password, version]
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: HIM-7.2 | department user on the switch
  ansible.builtin.include_role:
    name: hisops.him.switch_config
    tasks_from: config
  vars:
    store: "{{ hisops_password_store_dir }}"
    hisops_switch_local_users:
      - name: outpatient_admin
        password: "{{ lookup('hisops.him.hisops_department_password', 'outpatient', store_dir=store) }}"
        privilege: 15
"""

RETURN = r"""
_raw:
  description: One password (or version) per department code.
  type: list
  elements: str
"""

from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ..plugin_utils import passwords as pw


class LookupModule(LookupBase):
    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[Any]:
        self.set_options(var_options=variables, direct=kwargs)
        vault = getattr(self._loader, "_vault", None)
        try:
            vault_lib, vault_id, secret = pw.vault_for(
                list(getattr(vault, "secrets", None) or []), self.get_option("vault_id")
            )
            store = pw.VaultFileStore(self.get_option("store_dir"), vault_lib, vault_id, secret)
            out = []
            for code in terms:
                record = store.load(str(code))
                entry = record.pending or record.current
                if entry is None:
                    raise AnsibleLookupError(
                        "department %s has no password in the store: run the prepare step first" % code
                    )
                out.append(entry["version"] if self.get_option("field") == "version" else entry["password"])
        except pw.PasswordStoreError as exc:
            raise AnsibleLookupError(str(exc)) from None
        return out
