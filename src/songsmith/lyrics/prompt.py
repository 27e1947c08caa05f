"""Reading a description prompt: its content words, the themes they touch, and its style hints."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from songsmith.lyrics.lexicon import (
    GENRE_WORDS,
    META_WORDS,
    MOOD_WORDS,
    STOPWORDS,
    THEMES,
    Theme,
)

_TOKEN = re.compile(r"[^\W\d_][\w'&-]*")
_MULTIWORD_GENRES = {
    "hip hop": "hip hop",
    "hip-hop": "hip hop",
    "r&b": "r&b",
    "r and b": "r&b",
    "lo-fi": "lo-fi",
    "lo fi": "lo-fi",
    "drum and bass": "electronic",
    "k-pop": "pop",
}
# Only an explicit request picks the voice: "a song about my girl" says nothing about the singer.
_VOICE = re.compile(
    r"\b(?:(male|man|boy|female|woman|girl|lady)\s+(?:vocals?|voice|singer|vocalist)"
    r"|sung\s+by\s+an?\s+(man|boy|woman|girl|lady)|(baritone|tenor|soprano|alto))\b"
)
_FEMALE_WORDS = frozenset("female woman girl lady soprano alto".split())
MAX_CONTENT_WORDS = 6


@dataclass(frozen=True)
class PromptReading:
    content_words: tuple[str, ...]  # in prompt order, lower case, at most MAX_CONTENT_WORDS
    themes: tuple[Theme, ...]  # matched themes, strongest first
    genre: str  # "" when the prompt names none
    mood: str  # "" when the prompt names none
    voice: str  # "male", "female" or ""


def _tokens(prompt: str) -> list[str]:
    return [t.strip("'-").lower() for t in _TOKEN.findall(prompt) if t.strip("'-")]


def _stems(word: str) -> list[str]:
    """The word and its likely base forms (plural, -ing, -ed), for theme matching."""
    forms = [word]
    for suffix, repl in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ing", ""),
        ("ing", "e"),
        ("ed", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            forms.append(word[: -len(suffix)] + repl)
    return forms


def content_words(prompt: str) -> tuple[str, ...]:
    """The prompt's subject words: no stopwords, meta words, genre or mood-only style words."""
    seen: list[str] = []
    language = _language(prompt)
    text = prompt.lower()
    for phrase in _MULTIWORD_GENRES:
        text = text.replace(phrase, " ")
    for token in _tokens(text):
        if len(token) < 2 or token in STOPWORDS or token in META_WORDS:
            continue
        if token in GENRE_WORDS and token not in _KEEP_GENRE_WORDS:
            continue
        if "'" in token:  # possessives and contractions: keep the stem word
            token = token.split("'")[0]
            if len(token) < 2 or token in STOPWORDS:
                continue
        if token not in seen and _singable(token, prompt, language):
            seen.append(token)
    return tuple(seen[:MAX_CONTENT_WORDS])


def _language(prompt: str) -> str:
    """The prompt's language, when most of its words are commoner there than in English
    (a short English prompt can be detected as another language)."""
    try:
        from wordfreq import zipf_frequency

        from songsmith.phonetics import detect_language

        language = detect_language(prompt) or "en"
        if language == "en":
            return language
        words = _tokens(prompt)
        foreign = sum(zipf_frequency(w, language) > zipf_frequency(w, "en") for w in words)
        return language if foreign * 2 > len(words) else "en"
    except Exception:  # detection is a refinement; English is the safe reading
        return "en"


def _singable(word: str, prompt: str, language: str) -> bool:
    """An English word the singer knows, or a name the user capitalised ("Tokyo", "Alice").

    The built-in lyricist writes English, so words of another language (commoner there than in
    English, by wordfreq) and keyboard noise stay out of the lyrics."""
    from wordfreq import zipf_frequency

    if len(word) > 20 or not word.isascii():
        return False
    english = zipf_frequency(word, "en")
    if language != "en":
        try:
            if zipf_frequency(word, language) > english:
                return False
        except LookupError:  # a language wordfreq does not know: trust only common English
            if english < 4.0:
                return False
    if english >= 2.5:
        return True
    return bool(re.search(rf"\b{re.escape(word.capitalize())}\b", prompt))


# Genre names that are also ordinary subject words ("a song about my country", "soul").
_KEEP_GENRE_WORDS = frozenset({"soul", "house"})


def _match_themes(words: tuple[str, ...]) -> tuple[Theme, ...]:
    scored: list[tuple[int, int, Theme]] = []
    for order, theme in enumerate(THEMES):
        own = set(theme.nouns) | set(theme.verbs) | set(theme.adjectives)
        score = 0
        for w in words:
            forms = _stems(w)
            if any(f in theme.triggers for f in forms):
                score += 2
            elif any(f in own for f in forms):
                score += 1
        if score:
            scored.append((-score, order, theme))
    scored.sort(key=lambda s: (s[0], s[1]))
    # A theme touched by one stray word ("drifting" in a song about space) stays out.
    strongest = -scored[0][0] if scored else 0
    return tuple(t for score, _, t in scored[:3] if -score * 2 >= strongest)


@lru_cache(maxsize=256)
def read_prompt(prompt: str) -> PromptReading:
    text = prompt.lower()
    tokens = _tokens(text)
    genre = ""
    for phrase, tag in _MULTIWORD_GENRES.items():
        if phrase in text:
            genre = tag
            break
    if not genre:
        for token in tokens:
            if token in GENRE_WORDS:
                genre = GENRE_WORDS[token]
                break
    mood = next((MOOD_WORDS[t] for t in tokens if t in MOOD_WORDS), "")
    voice = ""
    found = _VOICE.search(text)
    if found:
        word = next(g for g in found.groups() if g)
        voice = "female" if word in _FEMALE_WORDS else "male"
    words = content_words(prompt)
    return PromptReading(words, _match_themes(words), genre, mood, voice)
