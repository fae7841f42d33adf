"""Cisco IOS / Ruijie stored secrets verified on the controller (module_utils/ciscohash.py, switchcfg).

The vectors are published ones: MD5-crypt from passlib's md5_crypt tests (FreeBSD's algorithm),
type 8 and type 9 from hashcat's example hashes (modes 9200 and 9300, secret "hashcat").
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.module_utils import ciscohash, switchcfg

pytestmark = pytest.mark.unit

MD5_CRYPT = [
    ("", "$1$dOHYPKoP$tnxS1T8Q6VVn3kpV8cN6o."),
    (" ", "$1$m/5ee7ol$bZn0kIBFipq39e.KDXX8I0"),
    ("test", "$1$ec6XvcoW$ghEtNK2U1MC5l.Dwgi3020"),
    ("Compl3X AlphaNu3meric", "$1$nX1e7EeI$ljQn72ZUgt6Wxd9hfvHdV0"),
    ("4lpHa N|_|M3r1K W/ Cur5Es: #$%(*)(*%#", "$1$jQS7o98J$V6iTcr71CGgwW2laf17pi1"),
    ("test", "$1$SuMrG47N$ymvzYjr7QcEQjaK5m1PGx1"),
    ("hashcat", "$1$28772684$iEwNOgGugqO9.bIz5sk8k/"),
]
TYPE8 = "$8$TnGX/fE4KGHOVU$pEhnEvxrvaynpi8j4f.EMHr6M.FzU8xnZnBr/tJdFWk"
TYPE9 = "$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6"


@pytest.mark.parametrize(("secret", "stored"), MD5_CRYPT)
def test_md5_crypt_published_vectors(secret: str, stored: str) -> None:
    salt = stored.split("$")[2].encode()
    assert ciscohash.md5_crypt(secret.encode(), salt) == stored
    assert ciscohash.verify(secret, "5 " + stored) is True
    assert ciscohash.verify(secret + "x", "5 " + stored) is False


@pytest.mark.parametrize(("kind", "stored"), [("8", TYPE8), ("9", TYPE9)])
def test_type8_and_type9_published_vectors(kind: str, stored: str) -> None:
    assert ciscohash.verify("hashcat", "%s %s" % (kind, stored)) is True
    assert ciscohash.verify("Hashcat", "%s %s" % (kind, stored)) is False
    # one changed character of the key or of the salt is another hash
    assert ciscohash.verify("hashcat", "%s %s" % (kind, stored[:-1] + ("A" if stored[-1] != "A" else "B"))) is False
    assert ciscohash.verify("hashcat", "%s %s" % (kind, stored[:3] + "x" + stored[4:])) is False


@pytest.mark.parametrize(
    "stored",
    [
        "7 0822455D0A16",  # reversible type 7: not a hash hisops verifies
        "4 tnhtc92DXBhelxjYk8LWJrPV36S2i4ntXrpb4RFmfqY",
        "5 $1$hs$AAAA",  # too short to be MD5-crypt
        "8 " + TYPE9,  # type and prefix disagree
        "9 " + TYPE9 + "x",
    ],
)
def test_formats_that_cannot_be_verified(stored: str) -> None:
    assert ciscohash.verify("hashcat", stored) is None


# ------------------------------------------------------------------ in the comparison ---
def type9(secret: str, salt: str = "2MJBozw/9R3UsU") -> str:
    return "username admin privilege 15 secret 9 %s\n" % ciscohash.type9(secret.encode(), salt.encode())


def md5(secret: str) -> str:
    return "username admin privilege 15 secret 5 %s\n" % ciscohash.md5_crypt(secret.encode(), b"Ab3./xyZ")


@pytest.mark.parametrize("vendor", ["cisco_ios", "ruijie_os"])
@pytest.mark.parametrize("stored", [type9, md5])
@pytest.mark.parametrize("spelling", ["secret {pw}", "secret 0 {pw}"])
def test_a_stored_hash_decides_without_any_record(vendor: str, stored: Any, spelling: str) -> None:
    """No secret-version record (a new control node, a lost backup folder): the hash decides."""
    versions = switchcfg.SecretVersions(b"k" * 32)
    intended = "username admin privilege 15 %s\n" % spelling
    same = switchcfg.compute(stored("Old-Pass 1"), intended.format(pw="Old-Pass 1"), vendor, versions=versions)
    assert same.commands == []
    changed = switchcfg.compute(stored("Old-Pass 1"), intended.format(pw="New-Pass 2"), vendor, versions=versions)
    assert changed.commands == [intended.format(pw="New-Pass 2").strip()]


def test_a_record_that_vouches_spares_the_hash_and_a_hash_of_another_secret_is_never_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vendor, intended = "cisco_ios", "username admin privilege 15 secret Pass-A\n"
    versions = switchcfg.SecretVersions(b"k" * 32)
    want = switchcfg.target(intended, vendor, versions=versions)
    # the switch kept its old secret although it took the command: nothing recorded, still a change
    kept = switchcfg.record_pushed(versions, want, type9("Pass-Z"), type9("Pass-Z"), vendor)
    assert kept.records == {}
    assert switchcfg.compute(type9("Pass-Z"), want, vendor, versions=kept).changed
    # it took it: recorded as verified; the next comparison computes no hash (scrypt: ~50 ms)
    took = switchcfg.record_pushed(versions, want, "", type9("Pass-A"), vendor)
    assert [r.get("verified") for r in took.records.values()] == [True]

    def no_hash(*_args: Any) -> None:
        raise AssertionError("a vouched-for hash was computed again")

    monkeypatch.setattr(switchcfg.ciscohash, "verify", no_hash)
    assert switchcfg.compute(type9("Pass-A"), want, vendor, versions=took).commands == []
    # nor after a later push of something else (a VLAN), which records the versions again
    again = switchcfg.record_pushed(took, want, type9("Pass-A"), type9("Pass-A") + "vlan 20\n", vendor)
    assert again.records == took.records
    # another intended secret: the record does not vouch, the hash is checked (and fails)
    monkeypatch.undo()
    want_b = switchcfg.target(intended.replace("Pass-A", "Pass-B"), vendor, versions=versions)
    assert switchcfg.compute(type9("Pass-A"), want_b, vendor, versions=took).commands == [
        "username admin privilege 15 secret Pass-B"
    ]


def test_a_secret_shown_as_intended_is_that_secret_without_any_record() -> None:
    """IOS shows an SNMP community in clear: the very line intended holds the very secret."""
    versions = switchcfg.SecretVersions(b"k" * 32)
    running = "snmp-server community Comm-A RO\n"
    assert switchcfg.compute(running, running, "cisco_ios", versions=versions).commands == []
    rotated = switchcfg.compute(running, "snmp-server community Comm-B RO\n", "cisco_ios", versions=versions)
    assert "snmp-server community Comm-B RO" in rotated.commands
