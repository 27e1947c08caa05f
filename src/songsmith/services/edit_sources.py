"""Submit-side checks of the edit modes' source clips, and what a follow-up inherits from them.

Everything a client can get wrong about a source is a 400 now (suno-wire.md section 6): an id of
another key answers like an unknown id (`clip_not_exist`), a source still generating is
`clip_not_ready`, a `continue_at` past the source's end or a window outside it is
`invalid_request`.
"""

from __future__ import annotations

from typing import Any

from songsmith.domain.errors import InvalidRequest
from songsmith.domain.models import Clip
from songsmith.domain.request import GenerationRequest
from songsmith.domain.statuses import Mode
from songsmith.store.typing import Store

SOURCE_FIELD: dict[Mode, str] = {
    Mode.EXTEND: "continue_clip_id",
    Mode.UPLOAD_EXTEND: "continue_clip_id",
    Mode.INFILL: "continue_clip_id",
    Mode.COVER: "cover_clip_id",
    Mode.ARTIST_CONSISTENCY: "artist_clip_id",
    Mode.UNDERPAINTING: "underpainting_clip_id",
    Mode.OVERPAINTING: "overpainting_clip_id",
}
WINDOW_PREFIX: dict[Mode, str] = {
    Mode.INFILL: "infill",
    Mode.UNDERPAINTING: "underpainting",
    Mode.OVERPAINTING: "overpainting",
}
EDIT_MODES = frozenset(SOURCE_FIELD)
MIN_WINDOW_S = 1.0
END_TOLERANCE_S = 0.05  # a join "at the end" may round a little past it
INHERITED_FIELDS = ("tags", "negative_tags", "title")


def clip_duration(clip: Clip) -> float:
    value = clip.duration if clip.duration is not None else clip.metadata.get("duration")
    return float(value) if isinstance(value, int | float) else 0.0


def check_edit_source(store: Store, key_id: str, req: GenerationRequest, mode: Mode) -> Clip | None:
    """The source clip of an edit request, complete and of this key, with the request's times
    checked against it; None for modes without a source."""
    from songsmith.services.fetch import complete_clip

    name = SOURCE_FIELD.get(mode)
    if name is None:
        return None
    source = complete_clip(store, key_id, str(getattr(req, name)))
    duration = clip_duration(source)
    if mode in (Mode.EXTEND, Mode.UPLOAD_EXTEND) and req.continue_at is not None:
        if req.continue_at > duration + END_TOLERANCE_S:
            raise InvalidRequest(
                f"Field 'continue_at' ({req.continue_at:g} s) is beyond the end of clip "
                f"{source.id!r} ({duration:.2f} s)."
            )
    prefix = WINDOW_PREFIX.get(mode)
    if prefix is not None:
        start = getattr(req, f"{prefix}_start_s")
        end = getattr(req, f"{prefix}_end_s")
        start = 0.0 if start is None else float(start)
        end = duration if end is None else float(end)
        if end > duration + END_TOLERANCE_S:
            raise InvalidRequest(
                f"Field '{prefix}_end_s' ({end:g} s) is beyond the end of clip {source.id!r} "
                f"({duration:.2f} s)."
            )
        if end - start < MIN_WINDOW_S:
            raise InvalidRequest(
                f"The window '{prefix}_start_s'..'{prefix}_end_s' must span at least "
                f"{MIN_WINDOW_S:g} s of the clip."
            )
    return source


def inherited_request(req: GenerationRequest, source: Clip | None) -> dict[str, Any]:
    """Request fields a follow-up takes from its source: with `override_fields`, every field
    not named there; without it, every field the request leaves out."""
    if source is None:
        return {}
    named = set(req.override_fields) if req.override_fields is not None else None
    inherited: dict[str, Any] = {}
    for name in INHERITED_FIELDS:
        present = getattr(req, name) not in (None, "")
        keep_request = name in named if named is not None else present
        if keep_request:
            continue
        value = source.title if name == "title" else source.metadata.get(name)
        if isinstance(value, str) and value:
            inherited[name] = value
    return inherited
