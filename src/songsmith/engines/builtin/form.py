"""Form: lyrics -> the song's sections, their lines and their lengths in bars.

Sections come from the lyric markers ([Verse 2], [chorus], (Bridge), "Chorus:" ...); without markers
verse/chorus is inferred from repeated lines. Intro, outro and interludes are added by genre, and
the form is capped at the job's maximum duration (dropped sections are recorded in `notes`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from songsmith.engines.builtin.plan import SongPlan

CountSyllables = Callable[[str], int]

# marker word -> canonical section kind
_KINDS: dict[str, str] = {
    "intro": "intro",
    "verse": "verse",
    "pre-chorus": "pre-chorus",
    "prechorus": "pre-chorus",
    "pre chorus": "pre-chorus",
    "chorus": "chorus",
    "refrain": "chorus",
    "post-chorus": "hook",
    "post chorus": "hook",
    "bridge": "bridge",
    "hook": "hook",
    "drop": "drop",
    "break": "break",
    "breakdown": "break",
    "instrumental": "instrumental",
    "interlude": "instrumental",
    "solo": "instrumental",
    "guitar solo": "instrumental",
    "outro": "outro",
    "coda": "outro",
}
_MARKER_RE = re.compile(
    r"^\s*(?:[\[(]\s*)?("
    + "|".join(sorted((re.escape(k) for k in _KINDS), key=len, reverse=True))
    + r")(?:\s*\d+)?(?:\s*[:\-–][^\])]*)?\s*(?:[\])]\s*)?:?\s*$",
    re.IGNORECASE,
)
_ANY_BRACKET_RE = re.compile(r"^\s*\[[^\]]*\]\s*$")

# bars of a section that has no sung lines, per kind (intro/outro come from the genre)
_EMPTY_BARS = {
    "instrumental": 8,
    "break": 4,
    "drop": 8,
    "bridge": 8,
    "chorus": 8,
    "verse": 8,
    "hook": 4,
    "pre-chorus": 4,
}
TAIL_S = 1.5  # release and reverb after the last bar


@dataclass
class FormSection:
    kind: str  # intro, verse, pre-chorus, chorus, bridge, hook, drop, break, instrumental, outro
    label: str  # the marker as written ("[Verse 2]"), or "[Verse]" when inferred/added
    lines: list[str] = field(default_factory=list)  # sung lines
    line_bars: list[int] = field(default_factory=list)  # bars per line (2 or 4)
    bars: int = 0
    start_bar: int = 0
    occurrence: int = 0  # 0 for the first chorus, 1 for the second ...

    @property
    def sung(self) -> bool:
        return bool(self.lines)


@dataclass
class Form:
    sections: list[FormSection]
    notes: list[str] = field(default_factory=list)

    @property
    def total_bars(self) -> int:
        return sum(s.bars for s in self.sections)

    def duration_s(self, plan: SongPlan) -> float:
        return self.total_bars * plan.beats_per_bar * plan.seconds_per_beat + TAIL_S


def melody_grid(plan: SongPlan) -> int:
    """Melody slots per quarter beat: eighths; sixteenths when slow, quarters when very fast."""
    if plan.bpm >= 150:
        return 1
    return 4 if plan.bpm < 85 else 2


def parse_sections(lyrics: str) -> list[tuple[str, str, list[str]]]:
    """(kind, label, lines) in the order written. Lines before any marker form a verse."""
    sections: list[tuple[str, str, list[str]]] = []
    kind, label = "", ""
    lines: list[str] = []
    for raw in (lyrics or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _MARKER_RE.match(line)
        if match:
            if kind or lines:
                sections.append((kind or "verse", label or "[Verse]", lines))
            word = re.sub(r"\s+", " ", match.group(1).lower())
            kind, label, lines = _KINDS[word], _label(line), []
            continue
        if _ANY_BRACKET_RE.match(line):
            continue  # unknown stage direction such as [Fade out] or [End]
        lines.append(line)
    if kind or lines:
        sections.append((kind or "verse", label or "[Verse]", lines))
    return sections


def has_markers(lyrics: str) -> bool:
    return any(_MARKER_RE.match(raw.strip()) for raw in (lyrics or "").splitlines() if raw.strip())


def infer_sections(lyrics: str) -> list[tuple[str, str, list[str]]]:
    """Verse/chorus from repetition: a stanza whose lines mostly recur elsewhere is a chorus."""
    stanzas: list[list[str]] = []
    current: list[str] = []
    for raw in (lyrics or "").splitlines():
        line = raw.strip()
        if not line or _ANY_BRACKET_RE.match(line):
            if current:
                stanzas.append(current)
            current = []
            continue
        current.append(line)
    if current:
        stanzas.append(current)
    if len(stanzas) == 1 and len(stanzas[0]) > 8:
        only = stanzas[0]
        stanzas = [only[i : i + 4] for i in range(0, len(only), 4)]
    counts: dict[str, int] = {}
    for stanza in stanzas:
        for line in {_norm(x) for x in stanza}:
            counts[line] = counts.get(line, 0) + 1
    result: list[tuple[str, str, list[str]]] = []
    for stanza in stanzas:
        repeated = sum(1 for x in stanza if counts[_norm(x)] > 1)
        within = len(stanza) - len({_norm(x) for x in stanza})
        if repeated * 2 >= len(stanza) or within * 2 >= len(stanza):
            result.append(("chorus", "[Chorus]", stanza))
        else:
            result.append(("verse", "[Verse]", stanza))
    return result


def build_form(
    lyrics: str,
    plan: SongPlan,
    *,
    max_duration_s: float,
    instrumental: bool,
    rng: np.random.Generator,
    count_syllables: CountSyllables,
) -> Form:
    """The sections of the song, with bar counts, capped at `max_duration_s`."""
    text = "" if instrumental else (lyrics or "")
    if not text.strip():
        form = _instrumental_form(plan, max_duration_s, rng)
    else:
        raw = parse_sections(text) if has_markers(text) else infer_sections(text)
        form = Form(
            [_section(kind, label, lines, plan, count_syllables) for kind, label, lines in raw]
        )
        if not any(s.sung for s in form.sections):
            form = _instrumental_form(plan, max_duration_s, rng)
        else:
            _add_intro_outro(form, plan)
    _number_occurrences(form)
    _cap(form, plan, max_duration_s)
    _place(form)
    return form


def bar_seconds(plan: SongPlan) -> float:
    return plan.beats_per_bar * plan.seconds_per_beat


def _section(
    kind: str, label: str, lines: list[str], plan: SongPlan, count: CountSyllables
) -> FormSection:
    section = FormSection(kind=kind, label=label)
    for line in lines:
        syllables = count(line)
        if syllables == 0:
            continue  # punctuation-only line: nothing to sing
        section.lines.append(line)
        section.line_bars.append(_bars_for_line(syllables, plan))
    if section.lines:
        section.bars = sum(section.line_bars)
    elif kind in ("intro", "outro"):
        section.bars = max(2, plan.family.intro_bars if kind == "intro" else plan.family.outro_bars)
    else:
        section.bars = _EMPTY_BARS.get(kind, 8)
    return section


def _bars_for_line(syllables: int, plan: SongPlan) -> int:
    if plan.family.name == "blues" and plan.time_signature == (4, 4):
        return 4  # three four-bar lines make the twelve-bar verse
    slots_per_bar = plan.beats_per_bar * melody_grid(plan)
    for bars in (2, 4):
        # a quarter of the slots stay free: room to put the stressed syllables on beats
        if syllables <= bars * slots_per_bar * 0.75:
            return bars
    return 4  # longer lines go onto a finer grid in melody.py


def _add_intro_outro(form: Form, plan: SongPlan) -> None:
    family = plan.family
    if form.sections[0].kind != "intro":
        form.sections.insert(0, FormSection("intro", "[Intro]", bars=family.intro_bars))
    if form.sections[-1].kind != "outro":
        form.sections.append(FormSection("outro", "[Outro]", bars=family.outro_bars))
    if family.interlude_bars:
        expanded: list[FormSection] = []
        for i, section in enumerate(form.sections):
            expanded.append(section)
            following = form.sections[i + 1] if i + 1 < len(form.sections) else None
            if section.kind == "chorus" and following is not None and following.kind == "verse":
                expanded.append(
                    FormSection("instrumental", "[Instrumental]", bars=family.interlude_bars)
                )
        form.sections = expanded


def _instrumental_form(plan: SongPlan, max_duration_s: float, rng: np.random.Generator) -> Form:
    family = plan.family
    target = min(max_duration_s, float(rng.uniform(95.0, 140.0)))
    bar_s = bar_seconds(plan)
    body = int(max(4, round((target - TAIL_S) / bar_s))) - family.intro_bars - family.outro_bars
    body = max(8, body)
    order = ["verse", "chorus", "verse", "chorus", "bridge", "chorus", "chorus"]
    phrase = 4 if body < 48 else 8
    sections = [FormSection("intro", "[Intro]", bars=family.intro_bars)]
    used = 0
    for kind in order:
        if used + phrase > body:
            break
        sections.append(FormSection(kind, f"[{kind.title()}]", bars=phrase))
        used += phrase
    sections.append(FormSection("outro", "[Outro]", bars=family.outro_bars))
    return Form(sections)


def _number_occurrences(form: Form) -> None:
    seen: dict[str, int] = {}
    for section in form.sections:
        section.occurrence = seen.get(section.kind, 0)
        seen[section.kind] = section.occurrence + 1


def _cap(form: Form, plan: SongPlan, max_duration_s: float) -> None:
    if form.duration_s(plan) <= max_duration_s:
        return
    budget_bars = int((max_duration_s - TAIL_S) / bar_seconds(plan))
    last = form.sections[-1]
    outro = last if last.kind == "outro" and not last.sung else None  # a sung outro is lyrics
    if outro is not None:
        outro.bars = min(outro.bars, 2)
    reserve = outro.bars if outro is not None else 0
    kept: list[FormSection] = []
    dropped: list[str] = []
    used = 0
    for section in (s for s in form.sections if s is not outro):
        room = budget_bars - reserve - used
        if not dropped and section.bars <= room:
            kept.append(section)
            used += section.bars
        elif not dropped and section.sung and room >= min(section.line_bars):
            # keep the lines that still fit: one very long section is cut, not lost
            n = 0
            while n < len(section.lines) and sum(section.line_bars[: n + 1]) <= room:
                n += 1
            dropped.append(f"{section.label} from line {n + 1}")
            section.lines, section.line_bars = section.lines[:n], section.line_bars[:n]
            section.bars = sum(section.line_bars)
            kept.append(section)
            used += section.bars
        else:
            dropped.append(section.label)
    if not any(s.sung for s in kept):
        first = next((s for s in form.sections if s.sung), None)
        if first is not None:  # always sing something, even under an absurdly short cap
            first.lines, first.line_bars = first.lines[:1], first.line_bars[:1]
            first.bars = first.line_bars[0]
            kept = [first]
    form.sections = kept + ([outro] if outro is not None else [])
    if dropped:
        form.notes.append(f"lyrics capped at {max_duration_s:.0f} s: dropped {', '.join(dropped)}")


def _place(form: Form) -> None:
    bar = 0
    for section in form.sections:
        section.start_bar = bar
        bar += section.bars


def _label(line: str) -> str:
    inner = line.strip().strip(":").strip()
    inner = inner.strip("[]()").strip()
    return f"[{inner}]"


def _norm(line: str) -> str:
    return re.sub(r"[^\w\s']", "", line.lower()).strip()
