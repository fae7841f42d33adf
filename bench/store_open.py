#!/usr/bin/env python3
"""What opening the results store costs: the whole-file damage check against the clean-close marker.

Every run's recorder and every task of the run that opens the store (run coverage, audit trail,
department passwords) paid ``PRAGMA quick_check`` over the whole file on open: about 13 s of CPU on
the 3 GiB store of a year of daily runs of 1,000 hosts. Since the clean-close marker
(``plugin_utils.store.clean_marker``) the whole file is checked only when it may have been damaged
since its last check. This bench generates a store (``bench/report_scale.py``'s generator; or
``--store FILE``) and times, each the fastest of ``--repeat``, in this process (CPU s, wall s):

- the whole-file check: an open with no marker (the first open after an unclean close);
- an open that the marker vouches for (the next run's recorder after a clean close);
- an open in a task of a run (the recorder's check shared through the environment).

Usage: python -m bench.store_open [--hosts 1000] [--runs 365] [--repeat 3] [--keep DIR | --store FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.report_scale import generate  # it sets up Ansible's collection loader


def timed(fn: Callable[[], None], repeat: int) -> tuple[float, float]:
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        best = min(best, (time.process_time() - cpu, time.perf_counter() - wall))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--controls", type=int, default=40)
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="keep the generated store in this directory")
    parser.add_argument("--store", help="use this store (a copy of it is not made: it gets a marker)")
    args = parser.parse_args()
    from ansible_collections.hisops.him.plugins.plugin_utils.store import clean_marker, open_store

    work = Path(args.keep or tempfile.mkdtemp(prefix="hisops-store-open-"))
    work.mkdir(parents=True, exist_ok=True)
    path = Path(args.store) if args.store else work / "results.sqlite"
    try:
        if not args.store:
            print("generating %d hosts x %d controls x %d runs ..." % (args.hosts, args.controls, args.runs))
            generate(path, args.hosts, args.controls, args.runs)
        marker = Path(str(path) + clean_marker.MARKER_SUFFIX)
        print("store: %s, %.0f MiB; load average %s" % (path, path.stat().st_size / 2**20, os.getloadavg()))

        def whole() -> None:
            marker.unlink(missing_ok=True)
            clean_marker.VERIFIED.clear()
            open_store(str(path)).close()

        def vouched() -> None:
            open_store(str(path)).close()

        def task() -> None:
            os.environ[clean_marker.VERIFIED_ENV] = "0" + os.environ[clean_marker.VERIFIED_ENV]  # another pid
            marker.unlink(missing_ok=True)
            open_store(str(path)).close()

        rows = [("whole-file check (no marker)", timed(whole, args.repeat))]
        rows.append(("vouched for by the clean-close marker", timed(vouched, args.repeat)))
        clean_marker.share_with_tasks(str(path))
        rows.append(("a task of the run (the recorder's check shared)", timed(task, args.repeat)))
        for name, (cpu, wall) in rows:
            print("%-50s CPU %7.3f s  wall %7.3f s" % (name, cpu, wall))
        print("load average after: %s" % (os.getloadavg(),))
    finally:
        if not args.keep and not args.store:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
