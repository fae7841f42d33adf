"""Lab fixture for switch tests: the TEST starts its own emulated switches on free 127.0.0.1 ports
(``python -m lab.switches --spec FILE``), so the shared lab switches are never touched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from switchlab import Lab, emulated_switches


@pytest.fixture(scope="package")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with emulated_switches(tmp_path_factory.mktemp("switch-lab")) as started:
        yield started
