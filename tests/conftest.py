"""Shared fixtures. Area-specific fixtures live in each test folder's conftest.py."""

from __future__ import annotations

import os

# onnxruntime and BLAS threads: deterministic output and no oversubscription on 2-core CI.
os.environ.setdefault("OMP_NUM_THREADS", "1")
