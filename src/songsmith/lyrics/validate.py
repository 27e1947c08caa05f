"""Checks that lyrics (from any writer) have the shape the singer and the wire expect."""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"^\s*\[([A-Za-z][A-Za-z0-9 \-]{0,29})\]\s*$")
MAX_LINE_CHARS = 120
MAX_LINES = 120


@dataclass(frozen=True)
class Section:
    label: str  # marker text without brackets
    lines: tuple[str, ...]  # non-blank lyric lines


def parse_sections(text: str) -> list[Section]:
    """Sections in order; lines before the first marker form a section labelled ""."""
    sections: list[Section] = []
    label: str | None = None
    lines: list[str] = []
    for raw in text.splitlines():
        marker = MARKER.match(raw)
        if marker:
            if label is not None or lines:
                sections.append(Section(label or "", tuple(lines)))
            label, lines = marker.group(1).strip(), []
        elif raw.strip():
            lines.append(raw.strip())
    if label is not None or lines:
        sections.append(Section(label or "", tuple(lines)))
    return sections


def lyrics_problems(text: str, max_chars: int = 3000) -> list[str]:
    """What is wrong with `text` as structured lyrics; an empty list means it is fit to sing."""
    problems: list[str] = []
    if not text.strip():
        return ["empty"]
    if len(text) > max_chars:
        problems.append(f"{len(text)} characters, over {max_chars}")
    sections = parse_sections(text)
    if not sections or sections[0].label == "":
        problems.append("does not start with a [Section] marker")
    if len([s for s in sections if s.label]) < 2:
        problems.append("fewer than two sections")
    for s in sections:
        if not s.lines:
            problems.append(f"empty section [{s.label}]")
    all_lines = [line for s in sections for line in s.lines]
    if len(all_lines) > MAX_LINES:
        problems.append(f"{len(all_lines)} lines, over {MAX_LINES}")
    if any(len(line) > MAX_LINE_CHARS for line in all_lines):
        problems.append(f"a line over {MAX_LINE_CHARS} characters")
    if any("[" in line or "]" in line for line in all_lines):
        problems.append("a malformed section marker")
    return problems
