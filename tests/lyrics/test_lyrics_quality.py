"""The built-in lyricist against the quality bars of issue 5, measured independently of its code:
rhymes with the CMU dictionary, syllables with the singer's G2P, words with wordfreq."""

from __future__ import annotations

import re

import pronouncing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wordfreq import zipf_frequency

from songsmith.lyrics.builtin import ComposedLyrics, compose_lyrics
from songsmith.phonetics import count_syllables

# (prompt, words that must appear in the lyrics)
PROMPTS: list[tuple[str, set[str]]] = [
    ("a sad song about rain in Tokyo", {"rain", "tokyo", "sad"}),
    ("upbeat country song about my dog and the open road", {"dog", "open", "road"}),
    ("write a synthwave track about a robot falling in love", {"robot", "falling", "love"}),
    ("a lullaby for my grandmother's garden", {"lullaby", "grandmother", "garden"}),
    ("rock anthem about freedom and fire", {"freedom", "fire"}),
    ("a jazz tune about coffee on a Monday morning", {"coffee", "monday", "morning"}),
    ("epic battle of soldiers under a red moon", {"battle", "soldiers", "red", "moon"}),
    ("summer love at the beach", {"summer", "love", "beach"}),
]
SEEDS = (1, 7)
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")


def _rhymes(first: str, second: str) -> bool:
    if first == second:
        return False
    parts = [
        {pronouncing.rhyming_part(p) for p in pronouncing.phones_for_word(w)}
        for w in (first, second)
    ]
    return bool(parts[0] & parts[1])


def _last_word(line: str) -> str:
    return str(_WORD.findall(line)[-1]).lower()


@pytest.fixture(scope="module")
def songs() -> dict[tuple[str, int], ComposedLyrics]:
    return {(p, s): compose_lyrics(p, s) for p, _ in PROMPTS for s in SEEDS}


@pytest.mark.parametrize(("prompt", "expected"), PROMPTS)
@pytest.mark.parametrize("seed", SEEDS)
def test_song_meets_quality_bars(
    songs: dict[tuple[str, int], ComposedLyrics], prompt: str, expected: set[str], seed: int
) -> None:
    song = songs[(prompt, seed)]
    text = song.text

    # rhyme rate of the paired line endings, from the text's own last words
    pairs = [(s.lines[a].text, s.lines[b].text) for s in song.sections for a, b in s.rhyme_pairs]
    assert len(pairs) >= 8
    rhymed = sum(_rhymes(_last_word(a), _last_word(b)) for a, b in pairs)
    assert rhymed / len(pairs) >= 0.8, pairs

    # the prompt's content words appear
    sung = {w.lower() for w in _WORD.findall(text)}
    sung |= {w.split("'")[0] for w in sung}
    assert expected <= sung, expected - sung

    # syllables (the singer's own count) within +-2 of each line's target
    for section in song.sections:
        for line in section.lines:
            assert abs(count_syllables(line.text) - line.target) <= 2, (line.text, line.target)

    # form: chorus at least twice with the same words, a bridge, verses
    labels = re.findall(r"^\[([^\]]+)\]$", text, flags=re.MULTILINE)
    assert labels.count("Chorus") >= 2
    assert "Bridge" in labels and "Verse 1" in labels
    chorus_bodies = {block for block in text.split("\n\n") if block.startswith("[Chorus]")}
    assert len(chorus_bodies) == 1
    assert len(text) <= 3000

    # no repeated filler lines: a line is written once, except where a whole section repeats
    distinct_sections = {s.label: s for s in song.sections}.values()
    lines = [line.text.lower() for s in distinct_sections for line in s.lines]
    assert len(lines) == len(set(lines))

    # no nonsense words: every word is a common English word or one the prompt gave
    prompt_words = {w.lower() for w in _WORD.findall(prompt)}
    for word in sung:
        assert word in prompt_words or zipf_frequency(word, "en") >= 3.0, word

    # tags: genre, mood, voice; a title
    genre, mood, voice = (part.strip() for part in song.tags.split(","))
    assert genre and mood and voice in ("female vocals", "male vocals")
    assert song.title.strip() and len(song.title) <= 80


def test_same_seed_same_song_and_seeds_differ() -> None:
    prompt = "a road trip with my best friend"
    assert compose_lyrics(prompt, 3).text == compose_lyrics(prompt, 3).text
    texts = {compose_lyrics(prompt, seed).text for seed in range(5)}
    assert len(texts) == 5


def test_tags_follow_what_the_prompt_names() -> None:
    jazz = compose_lyrics("a melancholic jazz song about the city, male vocals", 1)
    assert jazz.tags == "jazz, melancholic, male vocals"
    ocean = compose_lyrics("waves on the ocean", 1)  # no genre named: the theme's suggestion
    assert ocean.tags.startswith("reggae, ")


def test_short_limit_keeps_a_repeating_chorus() -> None:
    song = compose_lyrics("a birthday party for my sister", 2, max_chars=500)
    assert len(song.text) <= 500
    assert song.text.count("[Chorus]") >= 2


def test_prompt_with_no_subject_still_gets_a_song() -> None:
    song = compose_lyrics("a pop song", 4)
    assert song.content_words == ()
    assert song.text.count("[Chorus]") >= 2 and song.title


@settings(max_examples=25, deadline=None, database=None)
@given(prompt=st.text(max_size=200), seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_any_prompt_gives_a_structured_song(prompt: str, seed: int) -> None:
    song = compose_lyrics(prompt, seed, max_chars=1500)
    assert len(song.text) <= 1500
    assert song.text.count("[Chorus]") >= 2
    assert song.title and len(song.title) <= 80
    assert all(line.text.strip() for s in song.sections for line in s.lines)
