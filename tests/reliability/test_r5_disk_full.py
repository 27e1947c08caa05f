"""R5, full disk: a clip whose outputs do not fit fails cleanly with a clear message, leaves no
partial or orphan file, and the same (not restarted) worker context succeeds once space is back.
The full disk is simulated at the filesystem edge (scenarios.TinyDiskBlobStore)."""

from __future__ import annotations

from pathlib import Path

from scenarios import r5_disk_full
from songsmith_worker_helpers import make_settings


def test_full_disk_fails_the_clip_cleanly_and_recovers_without_restart(tmp_path: Path) -> None:
    result = r5_disk_full(make_settings(tmp_path))
    assert result.clean, result.line()
    assert result.failure == 1 and result.success == 1
    assert result.extra["full_error_type"] == "storage_full"
    message = result.extra["full_message"]
    assert "ran out of storage space" in message and "No space left on device" in message
    assert result.extra["temp_files"] == 0
