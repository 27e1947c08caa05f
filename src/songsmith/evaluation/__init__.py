"""The built-in engine measured as quality.md says.

`songsmith eval` and `python -m songsmith.evaluation` call:

run_evaluation(out, *, limit=None) -> list[dict]   # renders the fixed set, prints the table
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from collections.abc import Callable


def run_evaluation(
    out: TextIO,
    *,
    limit: int | None = None,
    offset: int = 0,
    pitch: bool = True,
    whole_set_checks: bool = True,
    max_duration_s: float | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Render the request set (or `limit` of it from `offset`), print the table to `out`, return
    the rows: one dict per song, a "set-checks" dict, then a last dict labelled "summary"."""
    from songsmith.evaluation.runner import run_evaluation as run

    return run(
        out,
        limit=limit,
        offset=offset,
        pitch=pitch,
        whole_set_checks=whole_set_checks,
        max_duration_s=max_duration_s,
        on_row=on_row,
    )


__all__ = ["run_evaluation"]
