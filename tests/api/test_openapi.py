"""The checked-in `openapi.json` is the served schema; a drift fails here.

After a deliberate API change: `uv run python -m songsmith.api.openapi_dump > openapi.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

from api.helpers import Api

CHECKED_IN = Path(__file__).resolve().parents[2] / "openapi.json"


def test_served_schema_matches_checked_in_file(api: Api) -> None:
    with api.client() as client:
        served = client.get("/openapi.json").json()
    assert served == json.loads(CHECKED_IN.read_text()), (
        "openapi.json drifted: regenerate with `uv run python -m songsmith.api.openapi_dump "
        "> openapi.json` and review the diff"
    )


def test_schema_never_documents_422(api: Api) -> None:
    with api.client() as client:
        text = client.get("/openapi.json").text
    assert '"422"' not in text and "HTTPValidationError" not in text
    served = json.loads(text)
    for path, item in served["paths"].items():
        if path.startswith("/suno/"):
            for operation in item.values():
                assert "400" in operation["responses"] and "401" in operation["responses"]
