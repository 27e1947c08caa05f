"""Reliability tests share the worker tests' helpers and fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "worker"))

from songsmith_worker_helpers import make_settings

__all__ = ["make_settings"]
