"""Splitting one word's phoneme units into syllables around their vowel nuclei.

Shared by the English (misaki alphabet) and the espeak-ng routes: each works on a list of phoneme
units (one character for misaki, one espeak phoneme otherwise) plus a predicate saying which units
are vowels. Consonants between two nuclei go to the next syllable's onset when they form a legal
onset cluster (maximal onset), else to the previous syllable's coda.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

STRESS_MARKS = frozenset("ˈˌ',%=")  # misaki (ˈˌ) and espeak-ng (' , % =) stress marks


def split_units(
    units: Sequence[str],
    is_vowel: Callable[[str], bool],
    is_onset_cluster: Callable[[Sequence[str]], bool],
    join_nucleus: Callable[[str, str], bool] = lambda a, b: False,
) -> list[list[str]]:
    """Units grouped into syllables; marks (stress) stay with the unit that follows them."""
    nucleus_spans: list[tuple[int, int]] = []  # [start, end) unit indexes of each nucleus
    i = 0
    while i < len(units):
        if is_vowel(units[i]):
            j = i + 1
            while j < len(units) and is_vowel(units[j]) and join_nucleus(units[j - 1], units[j]):
                j += 1
            nucleus_spans.append((i, j))
            i = j
        else:
            i += 1
    if not nucleus_spans:
        return [list(units)] if units else []
    cuts = [0]
    for (_, prev_end), (next_start, _) in itertools.pairwise(nucleus_spans):
        between = [k for k in range(prev_end, next_start) if units[k] not in STRESS_MARKS]
        onset_start = next_start
        # Grow the onset leftwards while it stays a legal cluster (at least one consonant).
        for size in range(1, len(between) + 1):
            cluster = [units[k] for k in between[-size:]]
            if size == 1 or is_onset_cluster(cluster):
                onset_start = between[-size]
            else:
                break
        # A stress mark right before the onset belongs to the new syllable.
        while onset_start > prev_end and units[onset_start - 1] in STRESS_MARKS:
            onset_start -= 1
        cuts.append(onset_start)
    cuts.append(len(units))
    return [list(units[a:b]) for a, b in itertools.pairwise(cuts) if b > a]


def spell_chunks(text: str, parts: int) -> list[str]:
    """Best-effort split of a written word into `parts` chunks around its vowel letters."""
    if parts <= 1 or len(text) < parts:
        return [text] + [""] * (parts - 1) if parts > 1 else [text]
    vowels = "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ"
    groups: list[int] = []  # start index of each vowel-letter group
    prev_vowel = False
    for k, ch in enumerate(text.lower()):
        vowel = ch in vowels
        if vowel and not prev_vowel:
            groups.append(k)
        prev_vowel = vowel
    if len(groups) < parts:
        step = len(text) / parts
        bounds = [round(step * k) for k in range(parts + 1)]
    else:
        # Keep the first `parts` groups; cut one letter before each later group's vowel.
        bounds = [0]
        for start in groups[1:parts]:
            gap_start = bounds[-1] + 1
            cut = max(gap_start, start - 1)
            bounds.append(min(cut, len(text)))
        bounds.append(len(text))
    return [text[a:b] for a, b in itertools.pairwise(bounds)]
