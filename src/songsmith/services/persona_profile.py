"""A persona's profile: what a root clip's voice and style are, for `artist_consistency` songs.

Read from the clip's metadata (written by the engine) and, when given, its score (exact
instrument programs). Pure: no store or blob access, so the caller decides where data comes from.
"""

from __future__ import annotations

from typing import Any

from songsmith.blobs.typing import BlobStore
from songsmith.domain.models import ApiKey, Clip, Persona
from songsmith.engines.score import Score
from songsmith.store.typing import Store

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


def build_persona(
    store: Store,
    blobs: BlobStore,
    key: ApiKey,
    *,
    root_clip_id: str,
    clip_ids: list[str],
    name: str,
    description: str = "",
    is_public: bool = False,
) -> tuple[Persona, Clip, list[Clip]]:
    """Validate, profile and store a persona: (persona, its root clip, its clips).

    The root must be a complete, generated clip of this key; every listed clip must be this
    key's (an id of another key answers exactly like an unknown one: `clip_not_exist`).
    """
    import json
    import uuid
    from datetime import UTC, datetime

    from songsmith.domain.errors import ClipNotExist
    from songsmith.services.fetch import complete_clip, own_clip

    root = complete_clip(store, key.id, root_clip_id)
    clips = [own_clip(store, key.id, clip_id) for clip_id in clip_ids]
    if root.metadata.get("type") == "upload":
        raise ClipNotExist(f"Clip {root_clip_id!r} is an upload; a persona needs a generated clip.")
    score = None
    if "score" in root.artifacts:
        score = Score.from_dict(json.loads(b"".join(blobs.read(root.artifacts["score"]))))
    persona = Persona(
        id=str(uuid.uuid4()),
        key_id=key.id,
        name=name,
        description=description,
        root_clip_id=root.id,
        clip_ids=[c.id for c in clips] or [root.id],
        is_public=is_public,
        created_at=datetime.now(UTC),
        profile=profile_from_clip(root, score),
    )
    persona.profile["persona_id"] = persona.id
    store.create_persona(persona)
    return persona, root, clips or [root]
