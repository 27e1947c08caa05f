"""A persona's profile: what a root clip's voice and style are, for `artist_consistency` songs.

Read from the clip's metadata (written by the engine) and, when given, its score (exact
instrument programs). Pure: no store or blob access, so the caller decides where data comes from.
"""

from __future__ import annotations

from typing import Any

from songsmith.domain.models import Clip
from songsmith.engines.score import Score

_VOCAL_GROUPS = frozenset({"vocals", "backing_vocals"})


def profile_from_clip(clip: Clip, score: Score | None = None) -> dict[str, Any]:
    """{"vocal_gender", "bpm", "genre", "instruments", "programs", "key", "time_signature",
    "tags", "style", "root_clip_id"}; fields the clip does not know are None (or empty)."""
    meta = clip.metadata or {}
    gender = meta.get("vocal_gender")
    bpm = meta.get("bpm")
    if score is not None:
        bpm = score.bpm
        tracks = [t for t in score.tracks if t.notes and t.group not in _VOCAL_GROUPS]
        instruments = sorted({t.name for t in tracks if not t.is_drum})
        programs = sorted({t.program for t in tracks if not t.is_drum})
        lead = [n.pitch for t in score.tracks if t.group == "vocals" for n in t.notes]
        if gender not in ("f", "m") and lead:
            gender = "m" if sorted(lead)[len(lead) // 2] < 57 else "f"  # ranges meet near A3
    else:
        named = meta.get("instruments") or []
        instruments = sorted(
            str(n)
            for n in named
            if isinstance(n, str) and n not in ("lead_vocal", "backing_vocals")
        )
    genre = meta.get("genre") if isinstance(meta.get("genre"), str) else None
    if score is None:
        programs = _programs_of(instruments, genre)
    tags = str(meta.get("tags") or "")
    return {
        "root_clip_id": clip.id,
        "vocal_gender": gender if gender in ("f", "m") else None,
        "bpm": float(bpm) if isinstance(bpm, int | float) else None,
        "genre": genre,
        "instruments": instruments,
        "programs": programs,
        "key": meta.get("key") if isinstance(meta.get("key"), str) else None,
        "time_signature": meta.get("time_signature"),
        "tags": tags,
        # what the composer adds to a persona song's tags: the genre first, so its family wins
        "style": ", ".join(w for w in (genre, tags) if w),
    }


def _programs_of(names: list[str], genre: str | None) -> list[int]:
    """General MIDI programs of the built-in engine's track names (unknown names are skipped);
    a name several families use ("bass") means what the clip's own family plays."""
    from songsmith.engines.builtin.genres import FAMILIES, NAMED_INSTRUMENTS

    by_name: dict[str, int] = {}
    own_first = sorted(FAMILIES, key=lambda family: family.name != genre)
    for family in own_first:
        for part in family.parts:
            by_name.setdefault(part.name, part.program)
    for name, program in NAMED_INSTRUMENTS.values():
        by_name.setdefault(name, program)
    return sorted({by_name[n] for n in names if n in by_name})
