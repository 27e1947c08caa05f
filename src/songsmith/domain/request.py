"""The generation request as the domain sees it, its mode, and the checks that need no I/O.

The wire layer (api/suno/schemas.py) checks JSON types; this module checks meaning: which mode a
request asks for (suno-wire.md section 3, precedence), which fields that mode needs, and the
per-`mv` limits. Everything here raises `SongsmithError`s that the API maps to 400s.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from songsmith.domain.errors import InvalidRequest
from songsmith.domain.model_versions import ModelVersion
from songsmith.domain.statuses import Mode

# `task` values a client may send, mapped to modes. Anything else is an invalid request.
TASK_MODES: dict[str, Mode] = {
    "extend": Mode.EXTEND,
    "upload_extend": Mode.UPLOAD_EXTEND,
    "infill": Mode.INFILL,
    "cover": Mode.COVER,
    "artist_consistency": Mode.ARTIST_CONSISTENCY,
    "underpainting": Mode.UNDERPAINTING,
    "overpainting": Mode.OVERPAINTING,
    "gen_stem": Mode.GEN_STEM,
}

_SECTION_MARKER = re.compile(r"^\s*\[[^\]]*\]\s*$")
TITLE_MAX = 120


@dataclass
class GenerationRequest:
    """A `POST /suno/submit/music` body after type checks; `raw` keeps it as received."""

    raw: dict[str, Any]
    gpt_description_prompt: str | None = None
    prompt: str | None = None
    tags: str | None = None
    negative_tags: str | None = None
    title: str | None = None
    mv: str | None = None
    make_instrumental: bool | None = None
    task: str | None = None
    task_id: str | None = None
    continue_clip_id: str | None = None
    continue_at: float | None = None
    infill_start_s: float | None = None
    infill_end_s: float | None = None
    cover_clip_id: str | None = None
    persona_id: str | None = None
    artist_clip_id: str | None = None
    underpainting_clip_id: str | None = None
    underpainting_start_s: float | None = None
    underpainting_end_s: float | None = None
    overpainting_clip_id: str | None = None
    overpainting_start_s: float | None = None
    overpainting_end_s: float | None = None
    override_fields: list[str] | None = None
    stem_type_group_name: str | None = None
    stem_task: str | None = None
    vocal_gender: str | None = None
    notify_hook: str | None = None
    seed: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def referenced_clip_ids(self) -> list[tuple[str, str]]:
        """(field name, clip id) for every clip this request builds on."""
        names = (
            "continue_clip_id",
            "cover_clip_id",
            "artist_clip_id",
            "underpainting_clip_id",
            "overpainting_clip_id",
        )
        return [(n, v) for n in names if (v := getattr(self, n))]


def parse_seconds(value: object, field_name: str) -> float | None:
    """Seconds as int, float or numeric string (continue_at and windows); None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidRequest(f"Field {field_name!r} must be a number of seconds.")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise InvalidRequest(
                f"Field {field_name!r} must be a number of seconds, got {value[:40]!r}."
            ) from None
    else:
        raise InvalidRequest(f"Field {field_name!r} must be a number of seconds.")
    if not math.isfinite(number) or number < 0:
        raise InvalidRequest(f"Field {field_name!r} must be a finite number >= 0.")
    return number


def _filled(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def resolve_mode(req: GenerationRequest) -> Mode:
    """The mode a request asks for; first match wins (suno-wire.md section 3)."""
    if _filled(req.task):
        assert req.task is not None
        mode = TASK_MODES.get(req.task.strip())
        if mode is None:
            raise InvalidRequest(
                f"Field 'task' has unknown value {req.task[:40]!r}; "
                f"known: {', '.join(sorted(TASK_MODES))}."
            )
        return mode
    if _filled(req.gpt_description_prompt):
        return Mode.INSPIRATION
    if req.make_instrumental or not _filled(req.prompt):
        return Mode.INSTRUMENTAL
    return Mode.CUSTOM


def _require(req: GenerationRequest, *names: str, mode: Mode) -> None:
    for name in names:
        value = getattr(req, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidRequest(f"Field {name!r} is required for mode {mode.value!r}.")


def validate_for_mode(req: GenerationRequest, mode: Mode, mv: ModelVersion) -> None:
    """Required fields per mode and the `mv` limits; raises `InvalidRequest`."""
    if mode is Mode.INSTRUMENTAL:
        _require(req, "tags", mode=mode)
    elif mode is Mode.CUSTOM:
        if not (_filled(req.tags) or _filled(req.prompt)):
            raise InvalidRequest("Field 'prompt' or 'tags' is required for mode 'custom'.")
    elif mode is Mode.INSPIRATION:
        _require(req, "gpt_description_prompt", mode=mode)
    elif mode in (Mode.EXTEND, Mode.UPLOAD_EXTEND, Mode.GEN_STEM):
        _require(req, "continue_clip_id", mode=mode)
    elif mode is Mode.INFILL:
        _require(req, "continue_clip_id", "infill_start_s", "infill_end_s", mode=mode)
    elif mode is Mode.COVER:
        _require(req, "cover_clip_id", mode=mode)
    elif mode is Mode.ARTIST_CONSISTENCY:
        _require(req, "persona_id", "artist_clip_id", mode=mode)
    elif mode is Mode.UNDERPAINTING:
        _require(req, "underpainting_clip_id", mode=mode)
    elif mode is Mode.OVERPAINTING:
        _require(req, "overpainting_clip_id", "prompt", mode=mode)

    for prefix in ("infill", "underpainting", "overpainting"):
        start = getattr(req, f"{prefix}_start_s")
        end = getattr(req, f"{prefix}_end_s")
        if start is not None and end is not None and end <= start:
            raise InvalidRequest(f"Field '{prefix}_end_s' must be greater than '{prefix}_start_s'.")

    if req.prompt is not None and len(req.prompt) > mv.prompt_limit:
        raise InvalidRequest(
            f"Field 'prompt' is {len(req.prompt)} characters; {mv.mv} allows {mv.prompt_limit}."
        )
    if req.gpt_description_prompt is not None and len(req.gpt_description_prompt) > mv.prompt_limit:
        raise InvalidRequest(
            f"Field 'gpt_description_prompt' is longer than the {mv.prompt_limit} characters "
            f"{mv.mv} allows."
        )
    for name in ("tags", "negative_tags"):
        value = getattr(req, name)
        if value is not None and len(value) > mv.tags_limit:
            raise InvalidRequest(
                f"Field {name!r} is {len(value)} characters; {mv.mv} allows {mv.tags_limit}."
            )
    if req.title is not None and len(req.title) > TITLE_MAX:
        raise InvalidRequest(f"Field 'title' is longer than {TITLE_MAX} characters.")
    if req.vocal_gender is not None and req.vocal_gender not in ("f", "m", ""):
        raise InvalidRequest("Field 'vocal_gender' must be 'f' or 'm'.")
    if req.notify_hook and not is_http_url(req.notify_hook):
        raise InvalidRequest("Field 'notify_hook' must be an absolute http(s) URL.")
    if req.seed is not None and not 0 <= req.seed < 2**31:
        raise InvalidRequest("Field 'seed' must be an integer from 0 to 2147483647.")


def is_http_url(value: str) -> bool:
    """Shape only; the SSRF guard checks the address when the callback is delivered."""
    try:
        parts = urlsplit(value.strip())
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def derive_title(req: GenerationRequest, mode: Mode) -> str:
    """The request's title, else the lyrics' first sung line, else the style; "" if none."""
    if _filled(req.title):
        assert req.title is not None
        return req.title.strip()
    if mode is not Mode.INSPIRATION and req.prompt:
        for line in req.prompt.splitlines():
            if line.strip() and not _SECTION_MARKER.match(line):
                return line.strip()[:60]
    if req.tags and req.tags.strip():
        words = [w.strip() for w in req.tags.replace(",", " ").split() if w.strip()]
        return " ".join(words[:4]).title()[:60]
    return ""


def vocal_gender_of(req: GenerationRequest) -> str | None:
    """`vocal_gender` at the top level wins over `metadata.vocal_gender`."""
    if req.vocal_gender in ("f", "m"):
        return req.vocal_gender
    nested = req.metadata.get("vocal_gender")
    return nested if nested in ("f", "m") else None
