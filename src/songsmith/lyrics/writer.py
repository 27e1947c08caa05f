"""The entry point the worker calls for LYRICS tasks and inspiration mode."""

from __future__ import annotations

from songsmith.config import Settings
from songsmith.lyrics.builtin import compose_lyrics, suggested_tags
from songsmith.lyrics.result import LyricsResult


def write_lyrics(
    prompt: str, seed: int, settings: Settings, *, max_chars: int = 3000
) -> LyricsResult:
    """Title, structured lyrics and suggested tags for `prompt`. Uses the configured LLM endpoint
    when there is one and its answer is valid, else the built-in lyricist; never raises for a
    writer's failure."""
    if settings.llm_base_url:
        from songsmith.lyrics.llm import write_with_llm

        tags = suggested_tags(prompt, seed)  # stand in when the LLM suggests none
        drafted = write_with_llm(prompt, seed, settings, tags, max_chars)
        if drafted is not None:
            return drafted
    song = compose_lyrics(prompt, seed, max_chars)
    return LyricsResult(title=song.title, text=song.text, tags=song.tags, writer="builtin")
