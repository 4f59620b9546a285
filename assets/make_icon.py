"""Draws the app icon (a page with text lines and a chat bubble) into icon.png/.ico/.icns.

Run from anywhere: python assets/make_icon.py (needs Pillow). The outputs are committed.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
S = 1024  # drawn large, then scaled down with antialiasing


def draw() -> Image.Image:
    img = Image.new("RGBA", (S, S), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    # background tile: vertical blue gradient in a rounded square
    tile = Image.new("RGBA", (S, S))
    td = ImageDraw.Draw(tile)
    for y in range(S):
        t = y / S
        colour = (int(70 - 30 * t), int(120 - 40 * t), int(250 - 30 * t), 255)
        td.line([(0, y), (S, y)], fill=colour)
    mask = Image.new("L", (S, S), 0)
    ImageDraw.Draw(mask).rounded_rectangle([40, 40, S - 40, S - 40], radius=210, fill=255)
    img.paste(tile, (0, 0), mask)
    # the page
    d.rounded_rectangle([230, 170, 690, 800], radius=48, fill=(255, 255, 255, 255))
    for i, width in enumerate((340, 300, 340, 220, 280)):
        y = 280 + i * 92
        d.rounded_rectangle([300, y, 300 + width, y + 34], radius=17, fill=(170, 190, 235, 255))
    # the chat bubble, answering from the page
    d.ellipse([520, 500, 880, 800], fill=(255, 184, 48, 255))
    d.polygon([(600, 760), (560, 880), (700, 790)], fill=(255, 184, 48, 255))
    for i in range(3):
        cx = 620 + i * 80
        d.ellipse([cx - 24, 626, cx + 24, 674], fill=(255, 255, 255, 255))
    return img


def main() -> None:
    big = draw()
    big.resize((512, 512), Image.LANCZOS).save(HERE / "icon.png")
    big.save(
        HERE / "icon.ico",
        sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)],
    )
    big.save(HERE / "icon.icns")


if __name__ == "__main__":
    main()
