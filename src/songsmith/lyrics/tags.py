"""Suggested style tags (genre, mood, voice) for lyrics, from the prompt or its themes."""

from __future__ import annotations

import random

from songsmith.lyrics.prompt import PromptReading

_FALLBACK_GENRES = ("pop", "indie pop", "folk", "rock")
_FALLBACK_MOODS = ("heartfelt", "hopeful", "bittersweet")


def suggest_tags(reading: PromptReading, rng: random.Random) -> str:
    """ "genre, mood, voice vocals": what the prompt names wins, then its strongest theme."""
    lead = reading.themes[0] if reading.themes else None
    genre = reading.genre or (lead.genre if lead else rng.choice(_FALLBACK_GENRES))
    mood = reading.mood or (lead.mood if lead else rng.choice(_FALLBACK_MOODS))
    voice = reading.voice or rng.choice(("female", "male"))
    return f"{genre}, {mood}, {voice} vocals"
