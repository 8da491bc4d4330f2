"""Which characters no installed font can print (they would come out as empty boxes)."""
import subprocess
import unicodedata
from functools import lru_cache

# The families the PDF stylesheets name, in their fallback order (templates/pdf/_base.css).
FAMILIES = ("Noto Sans", "Noto Serif", "Noto Sans Thai", "Noto Sans Khmer", "Noto Sans Lao",
            "Noto Sans Myanmar", "DejaVu Sans")


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTCollection, TTFont

    codepoints: set[int] = set()
    for family in FAMILIES:
        found = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True,
                               check=False).stdout.strip()
        if not found:
            continue
        fonts = TTCollection(found).fonts if found.endswith(".ttc") else [TTFont(found, lazy=True)]
        for font in fonts:
            codepoints.update(font.getBestCmap() or {})
    return frozenset(codepoints)


def missing_glyphs(text: str) -> set[str]:
    """The characters of ``text`` that no font of the PDF stack covers (spaces and marks aside)."""
    covered = _covered()
    return {char for char in text if ord(char) not in covered and not char.isspace()
            and unicodedata.category(char) not in ("Cf", "Cc")}
