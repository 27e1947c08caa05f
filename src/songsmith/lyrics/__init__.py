"""Lyrics: a built-in lyricist (no model weights) and an optional OpenAI-compatible LLM writer.

Entry point: `write_lyrics(prompt, seed, settings, *, max_chars=3000) -> LyricsResult`.
"""

from __future__ import annotations

from songsmith.lyrics.result import LyricsResult
from songsmith.lyrics.writer import write_lyrics

__all__ = ["LyricsResult", "write_lyrics"]
