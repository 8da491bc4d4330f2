"""Names as people write them: NFC, in their tradition's order, searchable in any form."""
import unicodedata

from ..reference import member


def nfc(text: str | None) -> str:
    """Unicode-normalise (NFC) and trim; nothing else is changed."""
    return unicodedata.normalize("NFC", (text or "").strip())


def certificate_name(full_name: str, family_name: str = "", given_names: str = "",
                     name_order: str = "given_first", honorific: str = "") -> str:
    """The name as it will be printed: the parts in the person's order, or the passport name."""
    family, given = nfc(family_name), nfc(given_names)
    if name_order == "single" or not (family and given):
        name = nfc(full_name)
    elif name_order == "family_first":
        name = f"{family} {given}"
    else:
        name = f"{given} {family}"
    honorific = nfc(honorific)
    return f"{honorific} {name}" if honorific else name


def search_key(*names: str) -> str:
    """Every name form, case- and accent-folded, for searching ("nguyen thi ha" finds Nguyễn Thị Hà)."""
    return " ".join(fold(name) for name in names if name)


def fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def default_certificate_language(country: str) -> str:
    """The national language of an ASEAN country; English elsewhere."""
    found = member(country)
    return found.language if found else "en"


_SCRIPTS = [(0x0E00, 0x0E7F, "th"), (0x0E80, 0x0EFF, "lo"), (0x1780, 0x17FF, "km"), (0x1000, 0x109F, "my")]


def script_language(text: str) -> str:
    """The language to tag native-script text with (for fonts and screen readers)."""
    for char in text:
        for low, high, language in _SCRIPTS:
            if low <= ord(char) <= high:
                return language
    return "und"
