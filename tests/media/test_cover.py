from __future__ import annotations

import io

from PIL import Image

from songsmith.media.cover import cover_images


def test_covers_are_square_jpegs_in_two_sizes() -> None:
    small, large = cover_images("Midnight Rain", "dark synthwave, male vocals", 7)
    for data, side in ((small, 400), (large, 1024)):
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG"
        assert image.size == (side, side)
    pixels = Image.open(io.BytesIO(large)).convert("L")
    lo, hi = pixels.getextrema()
    assert hi - lo > 100  # drawn, not a flat fill (title text is white on a shade)


def test_covers_are_deterministic_and_vary_with_inputs() -> None:
    first = cover_images("Sunny Days", "happy pop", 3)
    assert first == cover_images("Sunny Days", "happy pop", 3)
    assert first[1] != cover_images("Sunny Days", "happy pop", 4)[1]
    assert first[1] != cover_images("Rainy Days", "happy pop", 3)[1]


def test_covers_survive_odd_titles() -> None:
    for title in ("", "x" * 300, "Ünïcødé ♪ 夜"):
        small, large = cover_images(title, "", 0)
        assert Image.open(io.BytesIO(small)).size == (400, 400)
        assert Image.open(io.BytesIO(large)).size == (1024, 1024)
