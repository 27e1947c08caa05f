"""Prompt reading, validation and syllable counting: the pieces the lyricist is built from."""

from __future__ import annotations

from songsmith.lyrics.prompt import content_words, read_prompt
from songsmith.lyrics.syllables import _cmu_count
from songsmith.lyrics.validate import lyrics_problems, parse_sections
from songsmith.lyrics.vocabulary import vocabulary, words_rhyme


def test_content_words_drop_stopwords_meta_and_style_words() -> None:
    words = content_words(
        "Write an upbeat hip hop song about my grandmother's kitchen, male vocals"
    )
    assert words == ("grandmother", "kitchen")


def test_prompt_reading_finds_themes_genre_mood_and_voice() -> None:
    reading = read_prompt("a sad r&b song about the ocean sung by a woman")
    assert reading.genre == "r&b"
    assert reading.mood == "sad"
    assert reading.voice == "female"
    assert reading.themes[0].name == "ocean"
    assert read_prompt("a song about my girlfriend").voice == ""  # a subject, not a singer


def test_vocabulary_is_common_words_with_real_rhymes() -> None:
    vocab = vocabulary()
    assert vocab.has("night") and not vocab.has("zyzzyva")
    assert "light" in vocab.rhyme_partners("night")
    assert all(words_rhyme("night", p) for p in vocab.rhyme_partners("night"))
    assert not words_rhyme("night", "night")


def test_validation_names_what_is_wrong() -> None:
    good = "[Verse]\nline one\nline two\n\n[Chorus]\nhook line"
    assert lyrics_problems(good) == []
    assert [s.label for s in parse_sections(good)] == ["Verse", "Chorus"]
    assert lyrics_problems("") == ["empty"]
    assert "does not start with a [Section] marker" in lyrics_problems("hello\n[Chorus]\nla")
    assert "empty section [Verse]" in lyrics_problems("[Verse]\n[Chorus]\nla")
    assert any("over 50" in p for p in lyrics_problems(good * 3, max_chars=50))


def test_cmu_fallback_counts_syllables() -> None:
    assert _cmu_count("Walking in the rain") == 5
    assert _cmu_count("Zorblax") == 2  # out of dictionary: vowel groups


def test_other_languages_and_noise_stay_out_of_english_lyrics() -> None:
    assert content_words("una canción sobre el mar y la luna") == ()
    assert content_words("xxxxxxxxxxxx qwrtzp") == ()
    assert content_words("a song about Zorblax and Alice") == ("zorblax", "alice")  # names stay
