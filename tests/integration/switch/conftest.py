"""Lab fixture for switch tests: the TEST starts its own emulated switches on free 127.0.0.1 ports
(``python -m lab.switches --spec FILE``), so the shared lab switches are never touched."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from switchlab import ROOT, SWITCHES, UNREACHABLE, Lab, free_port, wait_port


@pytest.fixture(scope="package")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("switch-lab")
    ports = {name: free_port() for name in SWITCHES}
    spec = [{"name": n, "port": p, "model": SWITCHES[n]} for n, p in ports.items()]
    (tmp / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    log = open(tmp / "switches.log", "wb")  # noqa: SIM115 - closed after the process ends
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab.switches", "--spec", str(tmp / "spec.json")],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for port in ports.values():
            wait_port(port)
        ports[UNREACHABLE] = free_port()  # nothing listens there
        yield Lab(tmp, ports)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
