"""Which language a lyric is written in: "en" or an espeak-ng language code.

Script first (Cyrillic, kana, Hangul... decide alone), then for Latin script the share of each
language's most common function words. Small, deterministic and dependency-free; a lyric needs
only to reach the right singer, and English is the default when nothing stands out.
"""

from __future__ import annotations

import re
import unicodedata

# Very common short words per language (function words, pronouns), chosen to overlap little.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and you my me your is are in of to it that this with i'm don't we be all love "
        "on for just like when what oh baby so can never know".split()
    ),
    "es": frozenset(
        "el la los las y que de en mi tu es un una yo por con para no te me se pero como "
        "corazón amor siempre quiero eres".split()
    ),
    "fr": frozenset(
        "le la les et je tu de des un une est pas que qui dans mon ton ma ta pour avec "
        "moi toi nous vous sur c'est j'ai mais".split()
    ),
    "de": frozenset(
        "der die das und ich du nicht ist ein eine mit mein dein wir ihr sie auf für den "
        "dem auch noch zu im bin bist".split()
    ),
    "it": frozenset(
        "il lo la gli le e che di un una non sono mi ti per con come ma questo amore io "
        "sei nel della cuore".split()
    ),
    "pt": frozenset(
        "o a os as e que de um uma não eu você meu minha com para por mais é do da em "
        "coração tudo sem".split()
    ),
    "nl": frozenset(
        "de het een en ik jij je niet is van dat met mijn zijn op voor maar ook wij we "
        "hij zij naar".split()
    ),
    "sv": frozenset(
        "och jag du det att är en ett inte på med min din vi som för har av till men".split()
    ),
    "pl": frozenset("i w na nie się że to jest jak ja ty mnie ci mi z do tak czy ale".split()),
    "tr": frozenset("ve bir bu ben sen ne için ile çok gibi değil da de mi ama".split()),
    "id": frozenset(
        "dan yang aku kamu di ini itu tidak dengan untuk cinta ke dari ada akan".split()
    ),
}
_LETTER = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_MIN_SHARE = 0.08  # below this share of function words, nothing stands out: keep English


def _script_language(text: str) -> str | None:
    counts: dict[str, int] = {}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if "HIRAGANA" in name or "KATAKANA" in name:
            key = "ja"
        elif name.startswith("CJK"):
            key = "cmn"
        elif name.startswith("HANGUL"):
            key = "ko"
        elif name.startswith("CYRILLIC"):
            key = "ru"
        elif name.startswith("GREEK"):
            key = "el"
        elif name.startswith("ARABIC"):
            key = "ar"
        elif name.startswith("HEBREW"):
            key = "he"
        elif name.startswith("DEVANAGARI"):
            key = "hi"
        elif name.startswith("THAI"):
            key = "th"
        else:
            key = "latin"
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return None
    if counts.get("ja", 0) and counts.get("ja", 0) + counts.get("cmn", 0) >= counts.get("latin", 0):
        return "ja"  # kanji with kana is Japanese
    best = max(sorted(counts), key=lambda k: counts[k])
    return None if best == "latin" else best


def detect_language(text: str) -> str:
    """ "en" or an espeak-ng language code ("es", "fr", "de", "ja", "cmn", "ru" ...)."""
    by_script = _script_language(text)
    if by_script is not None:
        return by_script
    words = [w.lower().replace("’", "'") for w in _LETTER.findall(_strip_markers(text))]
    if not words:
        return "en"
    scores = {
        lang: sum(1 for w in words if w in vocab) / len(words)
        for lang, vocab in _FUNCTION_WORDS.items()
    }
    best = max(sorted(scores), key=lambda k: (scores[k], k == "en"))
    if scores[best] < _MIN_SHARE or scores[best] <= scores["en"]:
        return "en"
    return best


def _strip_markers(text: str) -> str:
    return re.sub(r"\[[^\]]*\]", " ", text)
