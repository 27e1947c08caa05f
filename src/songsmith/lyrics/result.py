"""What a lyrics writer hands back (the wire's lyrics object is built from it, suno-wire.md 4.3)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LyricsResult:
    title: str
    text: str  # sections under [Verse] / [Chorus] / [Bridge] ... markers, one lyric line per line
    tags: str  # suggested style: "genre, mood, voice vocals"
    writer: str  # "builtin" or "llm"
