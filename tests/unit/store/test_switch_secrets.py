"""Switch secret versions in the results store (plugin_utils/switch_secrets.py, migration switch_secret_versions)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.module_utils import switchcfg, switchrun
from ansible_collections.hisops.him.plugins.plugin_utils import migrations, switch_secrets
from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, open_store

pytestmark = pytest.mark.unit

SECRET = "Rotated-Pa55-q7"


def pushed(secret: str) -> list[dict[str, object]]:
    """What a switch module returns after a push that set a local user's secret to ``secret``."""
    versions = switchcfg.SecretVersions(b"k" * 32)
    intended = "username netadmin privilege 15 secret %s\n" % secret
    want = switchcfg.target(intended, "cisco_ios", versions=versions)
    stored = "username netadmin privilege 15 secret 9 %s\n" % switchcfg.ciscohash.type9(
        secret.encode(), b"AbCdEfGhIjKlMn"
    )
    after = switchcfg.record_pushed(versions, want, "", stored, "cisco_ios")
    return switchrun.pushed_versions({}, after.records)


def test_a_push_returns_which_version_never_the_secret() -> None:
    (item,) = pushed(SECRET)
    assert item["secret"] == "username netadmin privilege 15 secret <hashed>"
    assert item["verified"] is True and len(str(item["version"])) == 24
    assert SECRET not in repr(item)
    # an unchanged record is not pushed again
    records = {"username netadmin privilege 15 secret <hashed>": {"version": "ab" * 12, "stored": "cd" * 12}}
    assert switchrun.pushed_versions(records, records) == []


def test_the_migration_creates_its_own_table(tmp_path: Path) -> None:
    mig = next(m for m in migrations.MIGRATIONS if switch_secrets.TABLE in " ".join(m.statements))
    assert (
        mig.version <= migrations.MIGRATIONS[-1].version and "CREATE TABLE switch_secret_versions" in mig.statements[0]
    )
    with open_store(tmp_path / "s.sqlite") as store:
        assert switch_secrets.TABLE in store.tables()
        assert switch_secrets.history(store) == []


def test_rows_are_written_and_read_back_per_switch_and_secret(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with open_store(path) as store:
        for run, secret in (("run-1", "Old-Pa55"), ("run-2", SECRET)):
            store.start_run({"uuid": run, "mode": "enforce"})
            result = {"failed": False, "changed": True, switch_secrets.RESULT_KEY: pushed(secret)}
            rows = switch_secrets.rows("sw-mz-01", result, "2026-11-2%sT10:00:00.000000Z" % run[-1])
            store.write(Batch(run, extra={switch_secrets.TABLE: rows}))
        # a failed result records nothing (the push was rolled back)
        assert switch_secrets.rows("sw-mz-01", {"failed": True, switch_secrets.RESULT_KEY: pushed("x")}, "t") == []
    with open_store(path) as store:
        history = switch_secrets.history(store, "sw-mz-01")
        assert [r["run_uuid"] for r in history] == ["run-1", "run-2"]
        ((key, row),) = switch_secrets.current(store).items()
        assert key == ("sw-mz-01", "username netadmin privilege 15 secret <hashed>")
        assert row["run_uuid"] == "run-2" and row["version"] == pushed(SECRET)[0]["version"] and row["verified"] == 1
        assert switch_secrets.history(store, "sw-other") == []
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("s.sqlite*"))
    assert SECRET.encode() not in stored and b"Old-Pa55" not in stored


@pytest.mark.parametrize(
    "item",
    [
        {"secret": "username netadmin privilege 15 secret Clear-Text", "version": "ab" * 12},  # not masked
        {"secret": "snmp-server community <hashed> RO", "version": "not a fingerprint"},
        "username netadmin privilege 15 secret <hashed>",
    ],
)
def test_a_row_that_could_hold_a_secret_is_dropped(item: object) -> None:
    assert switch_secrets.rows("sw-mz-01", {switch_secrets.RESULT_KEY: [item]}, "t") == []
