"""The optional LLM writer: any OpenAI-compatible `/v1/chat/completions` endpoint.

Its answer is only a draft: it is parsed leniently and validated, and anything wrong (network,
status, timeout, shape, structure) makes it return None so the caller falls back to the built-in
lyricist. It never raises.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from songsmith.config import Settings
from songsmith.lyrics.result import LyricsResult
from songsmith.lyrics.validate import MARKER, lyrics_problems

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 80
MAX_TAGS_CHARS = 200
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
_HEADER = re.compile(r"^\s*(title|tags|style)\s*:\s*(.*)$", re.IGNORECASE)

SYSTEM_PROMPT = (
    "You are a professional songwriter. Write original song lyrics about the user's description. "
    "Answer with one JSON object and nothing else: "
    '{"title": "<song title>", "tags": "<genre, mood, male or female vocals>", '
    '"lyrics": "<lyrics>"}. The lyrics use section markers on their own lines: [Verse 1], '
    "[Chorus], [Verse 2], [Chorus], [Bridge], [Chorus]; every section has 2 to 8 lines; lines "
    "rhyme and are singable; the chorus repeats; at most {max_chars} characters in total."
)


def chat_completions_url(base_url: str) -> str:
    """Accept a server root, a `/v1` base or the full endpoint."""
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


def _message_content(payload: Any) -> str:
    content = payload["choices"][0]["message"]["content"]
    if not isinstance(content, str):
        raise TypeError("message content is not a string")
    return content


def parse_draft(content: str) -> tuple[str, str, str]:
    """(title, tags, lyrics) from a JSON answer, or "Title:"/"Tags:" lines before the lyrics."""
    text = _FENCE.sub("", content.strip())
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            data = json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("lyrics"), str):
            title, tags = data.get("title", ""), data.get("tags", "")
            return (
                title if isinstance(title, str) else "",
                tags if isinstance(tags, str) else "",
                data["lyrics"],
            )
    title = tags = ""
    lyrics_lines: list[str] = []
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header and not lyrics_lines:
            key, value = header.group(1).lower(), header.group(2).strip().strip('"')
            if key == "title":
                title = value
            else:
                tags = value
            continue
        if lyrics_lines or MARKER.match(line):  # chatter before the first marker is dropped
            lyrics_lines.append(line)
    return title, tags, "\n".join(lyrics_lines)


def _tidy(lyrics: str) -> str:
    lines = [line.rstrip() for line in lyrics.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if MARKER.match(line) and out and out[-1] != "":
            out.append("")  # a blank line before each marker
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    return "\n".join(out).strip()


def write_with_llm(
    prompt: str, seed: int, settings: Settings, fallback_tags: str, max_chars: int = 3000
) -> LyricsResult | None:
    """Lyrics from the configured endpoint, or None when it fails or answers unusable text."""
    import httpx

    headers = {"Content-Type": "application/json"}
    if settings.llm_api_key:
        headers["Authorization"] = f"Bearer {settings.llm_api_key}"
    body = {
        "model": settings.llm_model or "default",
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT.replace("{max_chars}", str(max_chars))},
            {"role": "user", "content": prompt},
        ],
        "temperature": 0.8,
        "seed": seed,
        "max_tokens": 1500,
    }
    url = chat_completions_url(settings.llm_base_url)
    try:
        with httpx.Client(timeout=settings.llm_timeout_s) as client:
            response = client.post(url, json=body, headers=headers)
        response.raise_for_status()
        title, tags, lyrics = parse_draft(_message_content(response.json()))
    except Exception as exc:  # any failure of the remote writer means: use the built-in one
        log.warning(
            "LLM lyrics writer failed (%s: %s); using the built-in lyricist",
            type(exc).__name__,
            exc,
        )
        return None
    lyrics = _tidy(lyrics)
    problems = lyrics_problems(lyrics, max_chars)
    if problems:
        log.warning("LLM lyrics rejected (%s); using the built-in lyricist", "; ".join(problems))
        return None
    title = " ".join(title.split())[:MAX_TITLE_CHARS].strip()
    if not title:
        first = next(line for line in lyrics.splitlines() if line and not MARKER.match(line))
        title = first[:MAX_TITLE_CHARS]
    tags = " ".join(tags.split())[:MAX_TAGS_CHARS].strip() or fallback_tags
    return LyricsResult(title=title, text=lyrics, tags=tags, writer="llm")
