"""Workers: processes that claim jobs and run them (see loop.py), their supervisor and reaper."""

from __future__ import annotations

from songsmith.services.worker.loop import Worker, run_worker
from songsmith.services.worker.reaper import run_reaper_loop, run_reaper_once
from songsmith.services.worker.supervisor import Supervisor

__all__ = ["Supervisor", "Worker", "run_reaper_loop", "run_reaper_once", "run_worker"]
