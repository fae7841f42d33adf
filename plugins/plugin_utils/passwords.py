"""Department passwords (HIM-7.2, rulebook 七.2 and 八.1(1)): policy, generator, triggers, store.

Controller-side only. Like Windows LAPS, for a hospital department: each department has one
administrative account on its computers (and, where configured, its switches) whose password
hisops generates, keeps and rotates. Nothing here ever prints, logs or returns a password:
callers get versions and fingerprints.

The password store
------------------
One file per department, ``<store_dir>/<department>.vault``, an Ansible Vault document (the
vault id and secrets of ``vault_identity_list``, the same mechanism as the inventory's vault
files) holding JSON::

    {"format": 1, "department": "outpatient", "revision": 7, "key": "<hex: fingerprint key>",
     "current": ENTRY | null,       # what every host of the department carries
     "pending": ENTRY | null,       # a rotation in progress: generated, stored, being applied
     "history": [ENTRY, ...],       # the previous passwords, newest first, at most 12
     "reads": [{"at": ..., "by": ..., "version": N}, ...]}  # retrievals (``./hisops password show``)

    ENTRY = {"password": ..., "version": N, "created": ISO time, "trigger": ...,
             "custodian": staff id, "custodian_name": ..., "by": who, "hosts_done": [...]}

Nothing is ever lost, whatever fails and when:

1. a rotation first writes the new password as ``pending`` (atomically: write a temporary file,
   fsync it, rename it over the old one, fsync the directory) BEFORE any host is changed;
2. each host is then set to the pending password and verified; a host that fails keeps the
   current one, which the store still holds;
3. only when every host of the department is verified does ``pending`` become ``current``
   (the old current goes to ``history``). Until then each run applies the SAME pending
   password again (no new one is generated) and records which hosts carry it.

A store file that does not decrypt or parse is refused and never overwritten: the technician
restores it (docs/passwords.md). Another secret back-end (HashiCorp Vault, OpenBao) plugs in
through ``PasswordBackend`` (see ``docs/passwords.md``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

FORMAT = 1
HISTORY_KEEP = 12
READS_KEEP = 50
SUFFIX = ".vault"
_DEPT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

CLASS_ALPHABETS: dict[str, str] = {
    "lower": string.ascii_lowercase,
    "upper": string.ascii_uppercase,
    "digit": string.digits,
    "symbol": "!#%+-.:=@^_~",
}
# Characters read wrongly off a handover slip or a phone call.
LOOK_ALIKES = "Il1|O0oS5Z2B8"

# Triggers, in the order they are checked.
TRIGGER_PENDING = "pending"  # a rotation in progress is completed (no new password)
TRIGGER_INITIAL = "initial"  # no password yet
TRIGGER_MANUAL = "manual"  # an audited request for this department
TRIGGER_CUSTODIAN = "custodian"  # the person in charge changed (七.2)
TRIGGER_MAX_AGE = "max_age"  # older than the policy's maximum age
TRIGGER_READ_OUT = "read_out"  # read out by a person longer ago than the grace period
TRIGGERS = (TRIGGER_PENDING, TRIGGER_INITIAL, TRIGGER_MANUAL, TRIGGER_CUSTODIAN, TRIGGER_MAX_AGE, TRIGGER_READ_OUT)


class PasswordStoreError(Exception):
    """A problem with the password store or the data, as one line a technician can act on."""


# ---------------------------------------------------------------------------- policy
@dataclass(frozen=True)
class PasswordPolicy:
    """What a generated password looks like (``hisops_password_policy``)."""

    length: int = 20
    classes: tuple[str, ...] = ("lower", "upper", "digit", "symbol")
    min_each: int = 1
    exclude: str = LOOK_ALIKES
    symbols: str = CLASS_ALPHABETS["symbol"]
    max_age_days: int = 90
    read_grace_hours: int = 24

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, name: str = "hisops_password_policy") -> PasswordPolicy:
        """The policy from inventory data; raises ``PasswordStoreError`` naming every wrong field."""
        data = dict(data or {})
        known = set(cls.__dataclass_fields__)
        problems = [
            "%s.%s: unknown key (known: %s)" % (name, k, ", ".join(sorted(known))) for k in data if k not in known
        ]
        values: dict[str, Any] = {}
        for key in ("length", "min_each", "max_age_days", "read_grace_hours"):
            if key in data:
                try:
                    values[key] = int(data[key])
                except (TypeError, ValueError):
                    problems.append("%s.%s: %r is not a whole number" % (name, key, data[key]))
        for key in ("exclude", "symbols"):
            if key in data:
                values[key] = str(data[key] or "")
        if "classes" in data:
            classes = data["classes"]
            if isinstance(classes, str) or not isinstance(classes, Sequence):
                problems.append("%s.classes: must be a list of %s" % (name, ", ".join(CLASS_ALPHABETS)))
            else:
                values["classes"] = tuple(str(c) for c in classes)
        policy = cls(**values)
        problems += policy.problems(name)
        if problems:
            raise PasswordStoreError("; ".join(problems))
        return policy

    def alphabet(self, cls_name: str) -> str:
        chars = self.symbols if cls_name == "symbol" else CLASS_ALPHABETS[cls_name]
        return "".join(c for c in chars if c not in self.exclude)

    def problems(self, name: str = "hisops_password_policy") -> list[str]:
        out = []
        unknown = [c for c in self.classes if c not in CLASS_ALPHABETS]
        if unknown:
            out.append("%s.classes: unknown %s (known: %s)" % (name, ", ".join(unknown), ", ".join(CLASS_ALPHABETS)))
        if not self.classes:
            out.append("%s.classes: at least one character class" % name)
        if self.min_each < 1:
            out.append("%s.min_each: at least 1" % name)
        if not 8 <= self.length <= 128:
            out.append("%s.length: %d is outside 8..128" % (name, self.length))
        if self.max_age_days < 1:
            out.append("%s.max_age_days: at least 1" % name)
        if self.read_grace_hours < 0:
            out.append("%s.read_grace_hours: 0 or more" % name)
        bad_symbols = [c for c in self.symbols if c.isspace() or c in "\"'\\`$?" or not c.isprintable()]
        if bad_symbols:
            out.append("%s.symbols: %r cannot be typed safely in shells and switch CLIs" % (name, "".join(bad_symbols)))
        if unknown or not self.classes:
            return out
        empty = [c for c in self.classes if not self.alphabet(c)]
        if empty:
            out.append("%s.exclude: leaves no character of class %s" % (name, ", ".join(empty)))
        needed = len(self.classes) * self.min_each
        if needed > self.length:
            out.append(
                "%s.length: %d cannot hold %d character(s) of each of %d classes"
                % (name, self.length, self.min_each, len(self.classes))
            )
        return out

    def for_device(self, limits: Mapping[str, Any] | None) -> PasswordPolicy:
        """The policy within a device's limits (``max_length``, ``symbols``: e.g. a switch's CLI)."""
        if not limits:
            return self
        policy = self
        if limits.get("max_length"):
            policy = replace(policy, length=min(policy.length, int(limits["max_length"])))
        if "symbols" in limits:
            policy = replace(policy, symbols="".join(c for c in policy.symbols if c in str(limits["symbols"])))
        return policy


def generate(policy: PasswordPolicy, rng: secrets.SystemRandom | None = None) -> str:
    """A new password from the operating system's CSPRNG, satisfying ``policy``."""
    problems = policy.problems()
    if problems:
        raise PasswordStoreError("; ".join(problems))
    rng = rng or secrets.SystemRandom()
    chars = [rng.choice(policy.alphabet(c)) for c in policy.classes for _each in range(policy.min_each)]
    pool = "".join(policy.alphabet(c) for c in policy.classes)
    chars += [rng.choice(pool) for _rest in range(policy.length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def satisfies(password: str, policy: PasswordPolicy) -> bool:
    """Whether ``password`` meets ``policy`` (length, classes, no excluded character)."""
    pool = "".join(policy.alphabet(c) for c in policy.classes)
    return (
        len(password) == policy.length
        and all(ch in pool for ch in password)
        and all(sum(ch in policy.alphabet(c) for ch in password) >= policy.min_each for c in policy.classes)
    )


# ---------------------------------------------------------------------------- records
def now_iso(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def public_entry(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An entry without its password (what may be shown, returned or recorded)."""
    if entry is None:
        return None
    return {k: v for k, v in entry.items() if k != "password"}


@dataclass
class DepartmentPasswords:
    """The decrypted content of one department's store file."""

    department: str
    key: str = field(default_factory=lambda: secrets.token_hex(32))
    revision: int = 0
    current: dict[str, Any] | None = None
    pending: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)

    def fingerprint(self, password: str) -> str:
        """A keyed fingerprint of a password (HMAC-SHA256 under the file's own key): safe to record."""
        return hmac.new(bytes.fromhex(self.key), password.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def next_version(self) -> int:
        versions = [e["version"] for e in [self.current, self.pending, *self.history] if e]
        return max(versions, default=0) + 1

    def known_passwords(self) -> list[dict[str, Any]]:
        """Every entry the store holds (pending, current, history): a host carries one of them."""
        return [e for e in [self.pending, self.current, *self.history] if e]

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "department": self.department,
                "revision": self.revision,
                "key": self.key,
                "current": self.current,
                "pending": self.pending,
                "history": self.history,
                "reads": self.reads,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> DepartmentPasswords:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PasswordStoreError(
                "%s decrypts but is not a password file (%s); it was not changed" % (where, exc)
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("history"), list):
            raise PasswordStoreError(
                "%s is not a hisops password file of format %d; it was not changed" % (where, FORMAT)
            )
        entries = [data.get("current"), data.get("pending"), *data["history"]]
        for entry in entries:
            if entry is not None and (
                not isinstance(entry, dict) or not entry.get("password") or "version" not in entry
            ):
                raise PasswordStoreError("%s holds a damaged entry; it was not changed" % where)
        return cls(
            department=str(data["department"]),
            key=str(data["key"]),
            revision=int(data["revision"]),
            current=data.get("current"),
            pending=data.get("pending"),
            history=list(data["history"]),
            reads=list(data.get("reads") or []),
        )


# ---------------------------------------------------------------------------- triggers
@dataclass(frozen=True)
class Custodian:
    staff_id: str
    name: str = ""


def rotation_trigger(
    record: DepartmentPasswords,
    custodian: Custodian,
    now: dt.datetime,
    policy: PasswordPolicy,
    manual: bool = False,
) -> str | None:
    """Why this department's password must rotate now (one of ``TRIGGERS``), or None."""
    if record.pending:
        return TRIGGER_PENDING
    if record.current is None:
        return TRIGGER_INITIAL
    if manual:
        return TRIGGER_MANUAL
    if record.current.get("custodian") != custodian.staff_id:
        return TRIGGER_CUSTODIAN
    if now - parse_iso(record.current["created"]) > dt.timedelta(days=policy.max_age_days):
        return TRIGGER_MAX_AGE
    # a handover slip (kind "slip") gives the password to the custodian, who holds it: no read-out
    reads = [
        r for r in record.reads if r.get("version") == record.current["version"] and r.get("kind", "read") == "read"
    ]
    if reads and now - parse_iso(reads[0]["at"]) > dt.timedelta(hours=policy.read_grace_hours):
        return TRIGGER_READ_OUT
    return None


def begin_rotation(
    record: DepartmentPasswords,
    password: str,
    trigger: str,
    custodian: Custodian,
    by: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """Put a new password into ``pending`` (the caller saves the record before any host changes)."""
    if record.pending:
        raise PasswordStoreError("department %s already has a rotation in progress" % record.department)
    record.pending = {
        "password": password,
        "version": record.next_version(),
        "fingerprint": record.fingerprint(password),
        "created": now_iso(now),
        "trigger": trigger,
        "custodian": custodian.staff_id,
        "custodian_name": custodian.name,
        "previous_custodian": (record.current or {}).get("custodian", ""),
        "by": by,
        "hosts_done": [],
    }
    return record.pending


def complete_rotation(record: DepartmentPasswords, hosts_done: Sequence[str], hosts: Sequence[str]) -> bool:
    """Record which hosts carry the pending password; promote it when all ``hosts`` do."""
    if not record.pending:
        return False
    done = sorted(set(record.pending.get("hosts_done") or []) | set(hosts_done))
    record.pending["hosts_done"] = done
    if set(hosts) - set(done):
        return False
    if record.current:
        record.history.insert(0, record.current)
        del record.history[HISTORY_KEEP:]
    record.current = record.pending
    record.pending = None
    return True


def hosts_carrying(record: DepartmentPasswords) -> dict[str, int]:
    """Version each host is known to carry (pending for the hosts already switched)."""
    if not record.pending:
        return {}
    return {h: record.pending["version"] for h in record.pending.get("hosts_done") or []}


# ---------------------------------------------------------------------------- the store
class PasswordBackend(Protocol):
    """Where department passwords live. ``VaultFileStore`` is the built-in one; a site adapter
    (HashiCorp Vault / OpenBao KV v2 through ``hvac``, docs/passwords.md) implements the same
    four calls, with ``save`` as a check-and-set on ``revision``."""

    def load(self, department: str) -> DepartmentPasswords: ...

    def save(self, record: DepartmentPasswords) -> None: ...

    def lock(self, department: str) -> contextlib.AbstractContextManager[None]: ...

    def departments(self) -> list[str]: ...


def account_name(department: str, configured: str = "") -> str:
    """The department account: ``hisops_password_account`` when set, else ``<code>_admin``."""
    return configured or "%s_admin" % department


def check_department(code: str) -> str:
    if not isinstance(code, str) or not _DEPT.match(code):
        raise PasswordStoreError("department code %r: lower-case letters, digits, '-' and '_' only" % (code,))
    return code


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file, whole."""
    tmp = path.with_name(".%s.tmp-%d" % (path.name, os.getpid()))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
    remove_stale_temporaries(path)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files of ``path`` that a writer killed mid-write left behind (its
    process is gone): they are never read, the file beside them is whole."""
    prefix = ".%s.tmp-" % path.name
    for tmp in path.parent.glob(prefix + "*"):
        pid = tmp.name[len(prefix) :]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                tmp.unlink()


class VaultFileStore:
    """One Ansible Vault-encrypted file per department in ``directory``."""

    # what a file holds (``department``, ``revision``, ``to_json``, ``from_json``): another store
    # of the same machinery holds another record (plugin_utils.staff_passwords)
    record_class: Any = DepartmentPasswords

    def __init__(self, directory: str | os.PathLike[str], vault: Any, vault_id: str, secret: Any) -> None:
        """``vault``: an ``ansible.parsing.vault.VaultLib`` holding the secrets that decrypt;
        ``vault_id``/``secret``: the id and ``VaultSecret`` new files are encrypted with."""
        self.directory = Path(directory)
        self.vault = vault
        self.vault_id = vault_id
        self.secret = secret

    def path(self, department: str) -> Path:
        return self.directory / (check_department(department) + SUFFIX)

    def departments(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name[: -len(SUFFIX)] for p in self.directory.glob("*" + SUFFIX) if not p.name.startswith("."))

    def load(self, department: str) -> DepartmentPasswords:
        """The department's record; a new empty one when it has no file yet."""
        path = self.path(department)
        text = self.read_text(path)
        if text is None:
            return self.record_class(department)
        record = self.record_class.from_json(text, str(path))
        if record.department != department:
            raise PasswordStoreError("password file %s belongs to department %s" % (path, record.department))
        return record

    def read_text(self, path: Path) -> str | None:
        """The decrypted text of a store file (None: no file); refuses a file that is not
        vault-encrypted or does not decrypt."""
        from ansible.errors import AnsibleError
        from ansible.parsing.vault import is_encrypted

        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PasswordStoreError("password file %s cannot be read: %s" % (path, exc.strerror)) from None
        if not is_encrypted(raw):
            raise PasswordStoreError(
                "password file %s is not vault-encrypted: refused (it was not changed; restore it from a backup)" % path
            )
        try:
            return self.vault.decrypt(raw).decode("utf-8")
        except (AnsibleError, ValueError) as exc:  # AnsibleVaultError, AnsibleVaultFormatError, ...
            raise PasswordStoreError(
                "password file %s does not decrypt with the configured vault secrets (wrong vault password, or a "
                "damaged file): %s; it was not changed" % (path, str(exc).splitlines()[0])
            ) from None

    def save(self, record: DepartmentPasswords) -> None:
        """Write the record atomically, after checking nobody else changed the file since it was read.

        A file that exists but does not load (damaged, not encrypted, another vault password) is
        never overwritten: ``load`` raises first."""
        record.reads = record.reads[-READS_KEEP:]
        self.save_revision(record, self.load(record.department).revision)

    def save_revision(self, record: Any, on_disk: int) -> None:
        """Write ``record`` (``department``, ``revision``, ``to_json``) with its revision
        incremented, if the file on disk is still at ``record.revision``."""
        path = self.path(record.department)
        if on_disk != record.revision:
            raise PasswordStoreError(
                "password file %s changed since it was read (revision %d, expected %d): run again"
                % (path, on_disk, record.revision)
            )
        new = replace(record, revision=record.revision + 1)
        ciphertext = self.vault.encrypt(new.to_json(), secret=self.secret, vault_id=self.vault_id)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            atomic_write(path, ciphertext)
        except OSError as exc:
            raise PasswordStoreError(
                "password file %s could not be written (%s): nothing was changed on any host"
                % (path, exc.strerror or exc)
            ) from None
        record.revision = new.revision

    @contextlib.contextmanager
    def lock(self, department: str) -> Iterator[None]:
        """One rotation of a department at a time (an advisory lock beside its file)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock_path = self.directory / (".%s.lock" % check_department(department))
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise PasswordStoreError("password store %s is not writable: %s" % (self.directory, exc.strerror)) from None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PasswordStoreError(
                    "department %s is being rotated by another run: try later" % department
                ) from None
            yield
        finally:
            os.close(fd)


def vault_for(secrets_list: Sequence[tuple[str, Any]], vault_id: str = "") -> tuple[Any, str, Any]:
    """A VaultLib over ``secrets_list`` and the (id, secret) new files are encrypted with.

    ``vault_id`` empty: the first id of ``vault_identity_list`` (ansible.cfg)."""
    from ansible.parsing.vault import VaultLib

    usable = [(vid, s) for vid, s in secrets_list if getattr(s, "bytes", None)]
    if not usable:
        raise PasswordStoreError("no vault secret is configured (vault_identity_list in ansible.cfg, --vault-id)")
    if vault_id:
        match = [(vid, s) for vid, s in usable if vid == vault_id]
        if not match:
            raise PasswordStoreError(
                "hisops_password_vault_id: vault id %r is not configured (have: %s)"
                % (vault_id, ", ".join(v for v, _secret in usable))
            )
        chosen = match[0]
    else:
        chosen = usable[0]
    return VaultLib(list(secrets_list)), chosen[0], chosen[1]


# ---------------------------------------------------------------------------- crypt hashes
# SHA-512 crypt ($6$, the glibc/libxcrypt scheme of /etc/shadow), written out so that the
# controller needs neither the ``crypt`` module (gone in Python 3.13) nor passlib. A random
# password of 20 characters from the policy's ~80 symbols is beyond any offline guessing, so
# the default 5000 rounds (the scheme's own default) are enough.
HASH_ROUNDS = 5000
ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SHA512 = re.compile(r"^\$6\$(?:rounds=(\d+)\$)?([^$]{0,16})\$([./0-9A-Za-z]{86})$")
_PERMUTATION = (
    (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4), (47, 5, 26), (6, 27, 48),
    (28, 49, 7), (50, 8, 29), (9, 30, 51), (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13),
    (56, 14, 35), (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19), (62, 20, 41),
)  # fmt: skip


def _b64(b2: int, b1: int, b0: int, n: int) -> str:
    w = (b2 << 16) | (b1 << 8) | b0
    out = []
    for _char in range(n):
        out.append(ITOA64[w & 0x3F])
        w >>= 6
    return "".join(out)


def _repeat(digest: bytes, length: int) -> bytes:
    return (digest * (length // len(digest) + 1))[:length]


def sha512_crypt_digest(password: bytes, salt: bytes, rounds: int) -> str:
    """The 86-character hash part of SHA-512 crypt (Drepper's specification)."""
    sha = hashlib.sha512
    alt = sha(password + salt + password).digest()
    a = sha(password + salt)
    a.update(_repeat(alt, len(password)))
    i = len(password)
    while i:
        a.update(alt if i & 1 else password)
        i >>= 1
    digest = a.digest()
    p_bytes = _repeat(sha(password * len(password)).digest(), len(password))
    s_bytes = _repeat(sha(salt * (16 + digest[0])).digest(), len(salt))
    for r in range(rounds):
        c = sha(p_bytes if r & 1 else digest)
        if r % 3:
            c.update(s_bytes)
        if r % 7:
            c.update(p_bytes)
        c.update(digest if r & 1 else p_bytes)
        digest = c.digest()
    return "".join(_b64(digest[a], digest[b], digest[c], 4) for a, b, c in _PERMUTATION) + _b64(0, 0, digest[63], 2)


def crypt_hash(password: str, salt: str | None = None, rounds: int = HASH_ROUNDS) -> str:
    """A SHA-512 crypt hash (``$6$``) for /etc/shadow, with a fresh random salt unless given."""
    salt = (salt or "".join(secrets.choice(ITOA64) for _char in range(16)))[:16]
    rounds = min(max(rounds, 1000), 999_999_999)
    head = "$6$" if rounds == HASH_ROUNDS else "$6$rounds=%d$" % rounds
    return "%s%s$%s" % (head, salt, sha512_crypt_digest(password.encode("utf-8"), salt.encode("utf-8"), rounds))


def hash_matches(password: str, shadow_hash: str) -> bool:
    """Whether ``shadow_hash`` (a ``$6$`` entry of /etc/shadow) is the hash of ``password``."""
    match = _SHA512.match(shadow_hash or "")
    if not match:
        return False
    rounds = int(match.group(1) or HASH_ROUNDS)
    rounds = min(max(rounds, 1000), 999_999_999)
    expected = sha512_crypt_digest(password.encode("utf-8"), match.group(2).encode("utf-8"), rounds)
    return hmac.compare_digest(expected, match.group(3))
