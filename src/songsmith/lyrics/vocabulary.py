"""The singable vocabulary: lexicon words checked against the CMU dictionary and wordfreq.

Built once per process at first use (the CMU dictionary load is the cost) and cached; a worker
keeps it across jobs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from songsmith.lyrics.lexicon import (
    GENERAL_ADJECTIVES,
    GENERAL_NOUNS,
    GENERAL_VERBS,
    THEMES,
)

NOUN, VERB, ADJECTIVE = "n", "v", "a"
# Zipf 3 is about once per million words: common enough that a listener knows the word.
MIN_ZIPF = 3.0


@dataclass
class Vocabulary:
    pos: dict[str, set[str]] = field(default_factory=dict)  # word -> {"n", "v", "a"}
    rhyme_keys: dict[str, frozenset[str]] = field(default_factory=dict)  # word -> rhyming parts
    by_rhyme: dict[str, set[str]] = field(default_factory=dict)  # rhyming part -> words
    phones: dict[str, frozenset[str]] = field(default_factory=dict)

    def has(self, word: str) -> bool:
        return word in self.pos

    def words(self, pos: str) -> list[str]:
        return sorted(w for w, tags in self.pos.items() if pos in tags)

    def rhyme_partners(self, word: str) -> set[str]:
        """Words of the vocabulary that rhyme with `word` and do not merely sound the same."""
        partners: set[str] = set()
        for key in self.rhyme_keys.get(word, ()):
            partners |= self.by_rhyme.get(key, set())
        own = self.phones.get(word, frozenset())
        return {p for p in partners if p != word and not (self.phones[p] & own)}


def rhyme_keys_of(word: str) -> frozenset[str]:
    """The CMU rhyming parts (last stressed vowel onwards) of every pronunciation of `word`."""
    import pronouncing

    return frozenset(pronouncing.rhyming_part(p) for p in pronouncing.phones_for_word(word))


def words_rhyme(first: str, second: str) -> bool:
    """True when two different words share a CMU rhyming part (the test of a rhymed pair)."""
    a, b = first.lower().strip(".,!?;:'\""), second.lower().strip(".,!?;:'\"")
    if a == b:
        return False
    return bool(rhyme_keys_of(a) & rhyme_keys_of(b))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    import pronouncing
    from wordfreq import zipf_frequency

    tagged: dict[str, set[str]] = defaultdict(set)
    for theme in THEMES:
        for w in theme.nouns:
            tagged[w].add(NOUN)
        for w in theme.verbs:
            tagged[w].add(VERB)
        for w in theme.adjectives:
            tagged[w].add(ADJECTIVE)
    for w in GENERAL_NOUNS:
        tagged[w].add(NOUN)
    for w in GENERAL_VERBS:
        tagged[w].add(VERB)
    for w in GENERAL_ADJECTIVES:
        tagged[w].add(ADJECTIVE)

    vocab = Vocabulary()
    by_rhyme: dict[str, set[str]] = defaultdict(set)
    for word, tags in tagged.items():
        phones = pronouncing.phones_for_word(word)
        if not phones or zipf_frequency(word, "en") < MIN_ZIPF:
            continue
        # The first pronunciation is the common one; others would let "live" rhyme with "drive".
        keys = frozenset({pronouncing.rhyming_part(phones[0])})
        vocab.pos[word] = tags
        vocab.rhyme_keys[word] = keys
        vocab.phones[word] = frozenset(phones)
        for key in keys:
            by_rhyme[key].add(word)
    vocab.by_rhyme = dict(by_rhyme)
    return vocab
