"""R4 with real processes: worker A is SIGSTOPped mid-render past its lease, worker B finishes
the job, A is resumed: A's result is rejected, one result per task, A's blobs are not referenced
and not left on disk. The soak script runs 100 pauses."""

from __future__ import annotations

from pathlib import Path

from scenarios import r4_pause_resume
from songsmith_worker_helpers import make_settings


def test_r4_paused_worker_result_rejected(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, lease_s=2.0, heartbeat_s=0.4, reaper_interval_s=0.25)
    result = r4_pause_resume(settings, rounds=1, pausers=1)
    assert result.clean, result.line()
    assert result.success == 1 and result.extra["stale_results_accepted"] == 0, result.line()
