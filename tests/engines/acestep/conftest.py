"""ACE-Step engine tests. Those needing torch + diffusers skip with a reason without them
(the main environment has no torch); `.ci/acestep` runs them all in `.venv-acestep`."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            # torch's own Oobleck VAE construction warns that weight_norm is deprecated;
            # not ours to fix, every other warning stays an error
            item.add_marker(pytest.mark.filterwarnings("ignore:.*weight_norm.*:FutureWarning"))
