"""Soak the embedded mode at the full counts of docs reliability-security.md (R1-R5).

    .venv/bin/python scripts/soak_embedded.py [--only r1,r4] [--r1-kills 100] [--r4-pauses 100]
        [--r5-kills 200] [--server-kills 10] [--r2-behind 20] [--workdir /tmp/soak]

Each scenario runs real worker processes (`python -m songsmith.services.worker`) with the testing
engine on a fresh SQLite file and blob folder, and prints tasks accepted / lost / stuck /
double-completed / orphan files (all must be 0) and the time taken. Exit status 1 if any is not.
The scenarios themselves live in tests/reliability/scenarios.py (CI runs them at small counts).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from songsmith.config import Settings

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "reliability"), str(ROOT / "tests" / "services" / "worker")]

# Faster than production (lease 60 s) so a killed attempt is retried quickly, yet long enough
# that a loaded 2-core machine does not miss heartbeats.
SOAK_SETTINGS = {"lease_s": 4.0, "heartbeat_s": 0.5, "reaper_interval_s": 0.25}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="r1,r1s,r2,r3,r4,r5,r5disk")
    parser.add_argument("--r1-kills", type=int, default=100)
    parser.add_argument("--server-kills", type=int, default=10)
    parser.add_argument("--r2-behind", type=int, default=20)
    parser.add_argument("--r4-pauses", type=int, default=100)
    parser.add_argument("--r4-parallel", type=int, default=2, help="workers paused per round")
    parser.add_argument("--r5-kills", type=int, default=200)
    parser.add_argument("--workdir", default="")
    args = parser.parse_args()

    import scenarios
    from songsmith_worker_helpers import make_settings

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="songsmith-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))

    def settings_for(name: str, **extra: float) -> Settings:
        folder = workdir / name
        shutil.rmtree(folder, ignore_errors=True)
        settings: Settings = make_settings(folder, **{**SOAK_SETTINGS, **extra})
        return settings

    runs: list[tuple[str, Callable[[], scenarios.Audit]]] = [
        ("r1", lambda: scenarios.r1_worker_kills(settings_for("r1"), args.r1_kills, log=say)),
        ("r1s", lambda: scenarios.r1_server_kills(settings_for("r1s"), args.server_kills, log=say)),
        ("r2", lambda: scenarios.r2_poison(settings_for("r2"), args.r2_behind)),
        ("r3", lambda: scenarios.r3_hang(settings_for("r3", job_timeout_s=3.0))),
        (
            "r4",
            lambda: scenarios.r4_pause_resume(
                settings_for("r4"),
                rounds=-(-args.r4_pauses // args.r4_parallel),
                pausers=args.r4_parallel,
                log=say,
            ),
        ),
        ("r5", lambda: scenarios.r5_write_kills(workdir / "r5", args.r5_kills, log=say)),
        ("r5disk", lambda: scenarios.r5_disk_full(settings_for("r5disk"))),
    ]
    say(f"soak workdir {workdir}")
    failed = False
    total = time.monotonic()
    for name, run in runs:
        if name not in only:
            continue
        say(f"{name}: running ...")
        started = time.monotonic()
        try:
            result = run()
        except Exception as exc:  # report and go on: one scenario must not hide the others
            say(f"{name}: ERROR {type(exc).__name__}: {exc}")
            failed = True
            continue
        verdict = "PASS" if result.clean else "FAIL"
        failed |= not result.clean
        say(f"{name}: {verdict} {result.line()} time_s={time.monotonic() - started:.0f}")
    say(f"soak total time_s={time.monotonic() - total:.0f} {'FAIL' if failed else 'PASS'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
