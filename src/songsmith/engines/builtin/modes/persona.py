"""Persona (artist_consistency): a new song in a persona's voice, tempo range and instruments.

The profile (`services/persona_profile.profile_from_clip`) names the root clip's voice, tempo,
genre family, instruments and key; the request's own tags and lyrics are sung in that frame.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from songsmith.engines.builtin.plan import stage_rng
from songsmith.engines.typing import GenerationJob, ProgressCallback, Song

TEMPO_SPREAD = 0.05  # a persona's songs stay within +-5% of its tempo
_EXPLICIT_BPM = re.compile(r"\d{2,3}(?:\.\d+)?\s?(?:bpm|beats per minute)", re.IGNORECASE)


def persona_tags(profile: dict[str, Any], tags: str, seed: int) -> str:
    """Tags that put the persona's genre first (the composer takes the first genre named),
    name its instruments, and pin a tempo near its own unless the request names one."""
    from songsmith.engines.builtin.genres import NAMED_INSTRUMENTS

    words: list[str] = []
    genre = profile.get("genre")
    if isinstance(genre, str) and genre:
        words.append(genre)
    phrase_of_program: dict[int, str] = {}
    for phrase, (_, program) in NAMED_INSTRUMENTS.items():
        phrase_of_program.setdefault(program, phrase)
    for program in profile.get("programs") or []:
        if isinstance(program, int) and program in phrase_of_program:
            words.append(phrase_of_program[program])
    if tags.strip():
        words.append(tags.strip())
    bpm = profile.get("bpm")
    if isinstance(bpm, int | float) and bpm > 0 and not _EXPLICIT_BPM.search(tags):
        spread = float(stage_rng(seed, "persona").uniform(-TEMPO_SPREAD, TEMPO_SPREAD))
        words.append(f"{round(float(bpm) * (1.0 + spread))} bpm")
    return ", ".join(dict.fromkeys(words))


def persona_song(job: GenerationJob, progress: ProgressCallback | None = None) -> Song:
    from songsmith.engines.builtin.engine import BuiltinEngine

    profile = dict(job.persona or {})
    gender = job.vocal_gender or profile.get("vocal_gender")
    styled = replace(
        job,
        tags=persona_tags(profile, job.tags, job.seed),
        vocal_gender=gender if gender in ("f", "m") else None,
        persona=None,  # its style is in the tags now; the composer must not add it twice
    )
    song = BuiltinEngine(job.preset).generate(styled, progress or (lambda _d, _t: None))
    song.metadata["persona_id"] = profile.get("persona_id")
    song.metadata["persona_tags"] = styled.tags
    return song
