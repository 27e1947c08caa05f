"""Cover art generated from the title and style tags: gradient, shapes and type, deterministic.

The palette follows the mood words of the tags (dark/sad lean cold and deep, happy/summer warm,
and so on); everything else is drawn from a random generator seeded by (title, tags, seed), so the
same clip always gets the same bytes and the two clips of a submit get different covers.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
import textwrap
from typing import Any

LARGE_PX = 1024
SMALL_PX = 400
_JPEG_QUALITY = 88

# Hue centres (0-1) for mood and genre words; the first match in the tags wins.
_MOOD_HUES: tuple[tuple[tuple[str, ...], float, float], ...] = (
    # words, hue, saturation
    (("dark", "sad", "melanch", "gloom", "night", "ambient", "lonely"), 0.66, 0.55),
    (("metal", "punk", "angry", "aggress", "rock", "trap"), 0.99, 0.75),
    (("happy", "summer", "sunny", "upbeat", "latin", "reggae", "disco", "funk"), 0.10, 0.80),
    (("love", "romantic", "r&b", "soul", "ballad"), 0.93, 0.60),
    (("synthwave", "retro", "80s", "edm", "electronic", "house", "techno"), 0.80, 0.85),
    (("chill", "lo-fi", "lofi", "calm", "jazz", "acoustic"), 0.50, 0.45),
    (("country", "folk", "blues", "western"), 0.08, 0.55),
    (("epic", "cinematic", "orchestral"), 0.58, 0.50),
)


def _palette(tags: str, rng: random.Random) -> list[tuple[int, int, int]]:
    lowered = tags.lower()
    hue, saturation = rng.random(), 0.6
    for words, mood_hue, mood_saturation in _MOOD_HUES:
        if any(word in lowered for word in words):
            hue, saturation = mood_hue + rng.uniform(-0.05, 0.05), mood_saturation
            break
    colours = []
    for shift, value in ((0.0, 0.3), (0.08, 0.72), (-0.1, 0.9), (0.45, 0.97)):
        r, g, b = colorsys.hsv_to_rgb((hue + shift) % 1.0, saturation, value)
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return colours


def _gradient(colours: list[tuple[int, int, int]], rng: random.Random) -> Any:
    import numpy as np
    from PIL import Image

    size = LARGE_PX
    angle = rng.uniform(0, 2 * np.pi)
    axis = np.linspace(-1.0, 1.0, size)
    x, y = np.meshgrid(axis, axis)
    t = (x * np.cos(angle) + y * np.sin(angle)) / np.sqrt(2) * 0.5 + 0.5
    t = np.clip(t + 0.15 * np.sin(3 * x + rng.uniform(0, 6)) * np.cos(2 * y), 0, 1)[..., None]
    low = np.array(colours[0], dtype=np.float64)
    high = np.array(colours[1], dtype=np.float64)
    pixels = low * (1 - t) + high * t
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def _shapes(image: Any, colours: list[tuple[int, int, int]], rng: random.Random) -> Any:
    from PIL import Image, ImageDraw, ImageFilter

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    size = image.size[0]
    style = rng.choice(("circles", "rings", "bars", "waves"))
    accent, light = colours[2], colours[3]
    for _ in range(rng.randint(4, 9)):
        colour = rng.choice((accent, light, colours[1]))
        alpha = rng.randint(40, 140)
        cx, cy = rng.uniform(0, size), rng.uniform(0, size * 0.75)
        radius = rng.uniform(size * 0.05, size * 0.35)
        box = (cx - radius, cy - radius, cx + radius, cy + radius)
        if style == "circles":
            draw.ellipse(box, fill=(*colour, alpha))
        elif style == "rings":
            draw.ellipse(box, outline=(*colour, alpha), width=rng.randint(4, 24))
        elif style == "bars":
            width = rng.uniform(size * 0.02, size * 0.08)
            height = rng.uniform(size * 0.2, size * 0.7)
            draw.rectangle((cx, size - height, cx + width, size), fill=(*colour, alpha))
        else:
            points = [
                (px, cy + radius * 0.3 * ((px / size * rng.uniform(4, 9)) % 2 - 1))
                for px in range(0, size + 32, 32)
            ]
            draw.line(points, fill=(*colour, alpha), width=rng.randint(3, 12), joint="curve")
    overlay = overlay.filter(ImageFilter.GaussianBlur(radius=2))
    return Image.alpha_composite(image.convert("RGBA"), overlay)


def _typography(image: Any, title: str, tags: str) -> Any:
    from PIL import Image, ImageDraw, ImageFont

    size = image.size[0]
    shade = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(shade).rectangle((0, int(size * 0.68), size, size), fill=(0, 0, 0, 110))
    image = Image.alpha_composite(image, shade)
    draw = ImageDraw.Draw(image)
    text = " ".join(title.split()) or "Untitled"
    lines = textwrap.wrap(text, width=18)[:3]
    font_px = 96 if len(lines) == 1 else 76
    font = ImageFont.load_default(size=font_px)
    y = size * 0.72
    for line in lines:
        width = draw.textlength(line, font=font)
        while width > size * 0.9 and font_px > 24:
            font_px -= 6
            font = ImageFont.load_default(size=font_px)
            width = draw.textlength(line, font=font)
        x = (size - width) / 2
        draw.text((x + 3, y + 3), line, font=font, fill=(0, 0, 0, 160))
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
        y += font_px * 1.1
    caption = ", ".join(t.strip() for t in tags.split(",") if t.strip())[:60]
    if caption and y < size * 0.95:
        small = ImageFont.load_default(size=34)
        width = draw.textlength(caption, font=small)
        draw.text(
            ((size - width) / 2, min(y + 8, size * 0.93)),
            caption,
            font=small,
            fill=(235, 235, 235, 220),
        )
    return image


def cover_images(title: str, tags: str, seed: int) -> tuple[bytes, bytes]:
    """(small ~400 px, large 1024 px) square JPEG covers. Same inputs, same bytes."""
    from PIL import Image

    digest = hashlib.sha256(f"{title}\x00{tags}\x00{seed}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    colours = _palette(tags, rng)
    image = _shapes(_gradient(colours, rng), colours, rng)
    image = _typography(image, title, tags).convert("RGB")
    large = io.BytesIO()
    image.save(large, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
    small = io.BytesIO()
    image.resize((SMALL_PX, SMALL_PX), Image.Resampling.LANCZOS).save(
        small, format="JPEG", quality=_JPEG_QUALITY, optimize=True
    )
    return small.getvalue(), large.getvalue()
