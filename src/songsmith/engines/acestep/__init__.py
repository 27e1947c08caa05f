"""ACE-Step 1.5 engine (optional extra `songsmith[acestep]`).

Importing this package never imports torch (the API process reads `capabilities` from it);
the pipeline is loaded by `AceStepEngine.load()` inside a worker that has the extra installed.
"""

from __future__ import annotations

from songsmith.engines.acestep.capabilities import AceStepCapabilities, capabilities_for
from songsmith.engines.acestep.checkpoint import PRESETS, CheckpointInfo
from songsmith.engines.acestep.engine import AceStepEngine

__all__ = ["PRESETS", "AceStepCapabilities", "AceStepEngine", "CheckpointInfo", "capabilities_for"]
