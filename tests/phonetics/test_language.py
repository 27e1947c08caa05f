from __future__ import annotations

import pytest

from songsmith.phonetics import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[Verse]\nWalking down the street tonight\nI know you love me", "en"),
        ("Bailando bajo la luna, mi corazón es tuyo", "es"),
        ("Je t'aime mon amour, c'est pour toi", "fr"),
        ("Ich liebe dich, du bist mein Herz und nicht allein", "de"),
        ("Non sono solo, il mio cuore è con te", "it"),
        ("Eu te amo, você é o meu coração", "pt"),
        ("Я люблю тебя", "ru"),
        ("私はあなたを愛しています", "ja"),
        ("我爱你", "cmn"),
        ("사랑해요", "ko"),
        ("", "en"),
        ("12345 !!!", "en"),
        ("Neon lights", "en"),
    ],
)
def test_detects_the_language_of_a_lyric(text: str, expected: str) -> None:
    assert detect_language(text) == expected
