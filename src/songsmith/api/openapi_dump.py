"""Print the app's OpenAPI schema (the checked-in `openapi.json` is made with this)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def render() -> str:
    from songsmith.api.app import create_app
    from songsmith.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(data_dir=Path(tmp)))
        schema = app.openapi()
        app.state.songsmith.store.close()
        app.state.songsmith.queue.close()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
