# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Verify a clear-text secret against the hash a Cisco IOS / Ruijie switch stores (standard library only).

``username NAME ... secret <type> <hash>``: IOS never shows a secret again, only its hash. Where the
algorithm is known, hisops checks the intended secret against that hash, so a changed secret is
always pushed and an unchanged one never is:

* type 5: MD5-crypt ``$1$<salt>$<22 chars>`` (the FreeBSD algorithm: 1,000 rounds of MD5, crypt's
  own base64 order);
* type 8: PBKDF2-HMAC-SHA256 ``$8$<14-char salt>$<43 chars>``, 20,000 iterations, the salt used as
  its ASCII text, the 32-byte key in Cisco's base64 (the standard encoding with the alphabet
  ``./0-9A-Za-z``, no padding);
* type 9: scrypt ``$9$<14-char salt>$<43 chars>``, N=16384, r=1, p=1, same salt and encoding.

Anything else (type 4, type 7, an unknown format) is "cannot verify": the caller falls back to
the secret versions it recorded.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re

# crypt(3)'s alphabet; Cisco type 8/9 use it too, with the standard base64 bit order
CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STD64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TO_CISCO = str.maketrans(_STD64, CRYPT64)

# "<type> <hash>" as IOS shows it after "secret"
STORED = re.compile(
    r"^(?:(?P<type>5) (?P<hash>\$1\$[./0-9A-Za-z]{1,8}\$[./0-9A-Za-z]{22})"
    r"|(?P<type8>[89]) (?P<hash8>\$(?P=type8)\$[./0-9A-Za-z]{14}\$[./0-9A-Za-z]{43}))$"
)


def cisco64(data: bytes) -> str:
    """Cisco type 8/9 encoding: standard base64 in the crypt alphabet, without padding."""
    return base64.b64encode(data).decode("ascii").rstrip("=").translate(_TO_CISCO)


def _crypt64(value: int, chars: int) -> str:
    """crypt(3)'s base64: ``chars`` characters, least significant 6 bits first."""
    return "".join(CRYPT64[(value >> (6 * i)) & 0x3F] for i in range(chars))


def md5_crypt(secret: bytes, salt: bytes) -> str:
    """``$1$<salt>$<hash>`` (Poul-Henning Kamp's FreeBSD MD5-crypt; salt at most 8 characters)."""
    salt = salt[:8]
    alternate = hashlib.md5(secret + salt + secret).digest()
    ctx = hashlib.md5(secret + b"$1$" + salt)
    for i in range(len(secret), 0, -16):
        ctx.update(alternate[: min(16, i)])
    i = len(secret)
    while i:  # the bits of the length pick a NUL byte or the secret's first byte
        ctx.update(b"\0" if i & 1 else secret[:1])
        i >>= 1
    digest = ctx.digest()
    for i in range(1000):
        step = hashlib.md5(secret if i & 1 else digest)
        if i % 3:
            step.update(salt)
        if i % 7:
            step.update(secret)
        step.update(digest if i & 1 else secret)
        digest = step.digest()
    groups = ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5))
    encoded = "".join(_crypt64((digest[a] << 16) | (digest[b] << 8) | digest[c], 4) for a, b, c in groups)
    encoded += _crypt64(digest[11], 2)
    return "$1$%s$%s" % (salt.decode("ascii"), encoded)


def type8(secret: bytes, salt: bytes) -> str:
    return "$8$%s$%s" % (salt.decode("ascii"), cisco64(hashlib.pbkdf2_hmac("sha256", secret, salt, 20000)))


def type9(secret: bytes, salt: bytes) -> str:
    key = hashlib.scrypt(secret, salt=salt, n=16384, r=1, p=1, dklen=32)
    return "$9$%s$%s" % (salt.decode("ascii"), cisco64(key))


ALGORITHMS = {"5": md5_crypt, "8": type8, "9": type9}


def verifiable(stored: str) -> bool:
    """Whether ``stored`` ("<type> <hash>" after ``secret``) is a hash hisops can check a secret against."""
    return STORED.match(stored) is not None


@functools.lru_cache(maxsize=1024)
def verify(secret: str, stored: str) -> bool | None:
    """Whether ``secret`` is the one behind ``stored`` ("5 $1$...", "8 $8$...", "9 $9$...").

    None: the format is not one hisops can verify. Results are cached per process: one run
    compares the same stored hash before the push, after it and after a roll back (scrypt
    costs about 50 ms).
    """
    m = STORED.match(stored)
    if m is None:
        return None
    kind, stored_hash = (m.group("type"), m.group("hash")) if m.group("type") else (m.group("type8"), m.group("hash8"))
    salt = stored_hash.split("$")[2].encode("ascii")
    return hmac.compare_digest(ALGORITHMS[kind](secret.encode("utf-8"), salt), stored_hash)
