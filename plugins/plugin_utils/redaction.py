"""Secrets never reach the results store: masking for free text and for control records.

Defence in depth: modules must never return a secret, and Ansible censors ``no_log`` results
before a callback sees them; what slips through anyway is masked here before it is stored.
"""

from __future__ import annotations

import re
from typing import Any

MAX_TEXT = 4000
MASK = "********"
# What a module must never return, masked if one does anyway.
SECRET_PATTERNS = (
    # key=value / key: value (config files, URLs' query strings, module messages)
    re.compile(r"(?i)\b(\w*(?:password|passwd|pwd|secret|token|api[_-]?key|community|psk)\w*)(\s*[:=]\s*)(\S+)"),
    # network device configuration: `username x password 0 y`, `enable secret 5 y`, `password cipher y`,
    # `snmp-agent community read simple y` (the mode words before the value are skipped)
    re.compile(
        r"(?i)\b(password|secret|community|key-string|pre-shared-key|cipher|irreversible-cipher)\b"
        r"(\s+(?:(?:\d{1,2}|read|write|simple|cipher|hash|irreversible-cipher)\s+)*+)(?![=:]|\*{8})(\S+)"
    ),
)
URL_CREDENTIALS = re.compile(r"(?i)(postgres(?:ql)?|mysql|https?)://([^:/@\s]+):([^@\s]+)@")
# Control records (evidence, changes, messages of hisops modules) name files, services and
# packages: `/etc/pam.d/gdm-password`, `password required pam_unix.so` are evidence, not
# secrets. Their secrets can only come from known secret FIELDS (`db_password: x`, a field
# name standing alone, not a word inside a path or a name) or URL credentials; no_log values
# never reach a record (AnsibleModule removes them, Ansible censors no_log tasks).
SECRET_FIELD = re.compile(
    r"(?i)(?<![\w./-])(\w*(?:password|passwd|pwd|secret|token|api[_-]?key|community|psk)\w*)(\s*[:=]\s*)(?!\*{8})(\S+)"
)


def _mask_urls(text: str) -> str:
    return URL_CREDENTIALS.sub(lambda m: "%s://%s:%s@" % (m.group(1), m.group(2), MASK), text)


def redact(text: str) -> str:
    """Mask password-looking values in free text (evidence, messages, diff summaries)."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    return _mask_urls(text)


def redact_record(text: str) -> str:
    """Mask secrets in a control record's text by where they come from (see SECRET_FIELD)."""
    return _mask_urls(SECRET_FIELD.sub(lambda m: m.group(1) + m.group(2) + MASK, text))


def shorten(text: Any, limit: int = MAX_TEXT, record: bool = False) -> str:
    """Redacted text (``record``: a control record's) cut to ``limit`` characters."""
    text = (redact_record if record else redact)(str(text or ""))
    return text if len(text) <= limit else text[:limit] + " ..."
