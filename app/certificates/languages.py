"""Which languages a course's documents print in, and digits in a language's own numerals.

One setting of the course's certificate settings (``language_mode``) decides it for the
certificates and, the same way, for the agenda PDF and the worksheet PDFs:

- ``english_and_participant`` (the default): each document as it always was — certificates
  in English and the participant's language, the agenda in the working language and the
  reader's, worksheets in the reader's language;
- ``participant``: only the participant's (or, without one, the reader's) language;
- ``pair``: the two languages the organiser chose, for everyone.

A language that would repeat is printed once (an English speaker's certificate has one column).
"""
from functools import lru_cache

import icu

from ..i18n.languages import LANGUAGES, normalise

MODES = ("english_and_participant", "participant", "pair")
DEFAULT_MODE = MODES[0]


def fixed_pair(settings) -> tuple[str, ...]:
    """The organiser's two languages (once if equal); empty unless both are set."""
    pair = [normalise(getattr(settings, name, "")) for name in ("fixed_language1",
                                                                "fixed_language2")]
    return tuple(dict.fromkeys(pair)) if all(pair) else ()


def mode_of(settings) -> str:
    mode = getattr(settings, "language_mode", None)
    if mode == "pair" and not fixed_pair(settings):
        return DEFAULT_MODE  # a pair half chosen prints as the default does
    return mode if mode in MODES else DEFAULT_MODE


def certificate_languages(settings, participant: str | None) -> tuple[str, ...]:
    """A certificate's languages, in order, for a participant whose language is ``participant``."""
    participant = normalise(participant) or "en"
    mode = mode_of(settings)
    if mode == "participant":
        return (participant,)
    if mode == "pair":
        return fixed_pair(settings)
    return tuple(dict.fromkeys(("en", participant)))


def document_languages(course, usual, person: str | None = None) -> list[str]:
    """The languages of one of ``course``'s PDFs: ``usual`` (what the document prints in the
    default mode), the reader's only, or the fixed pair. ``person`` is the participant's
    language when a participant's own document is asked for; ``usual[-1]`` is the reader's."""
    settings = course.certificate_settings if course is not None else None
    mode = mode_of(settings)
    if mode == "participant":
        return [normalise(person) or usual[-1]]
    if mode == "pair":
        return list(fixed_pair(settings))
    return list(dict.fromkeys(usual))


@lru_cache(maxsize=None)
def writes_latin(language: str) -> bool:
    """Whether ``language`` is written in the Latin script (ICU's likely script for it)."""
    locale = icu.Locale(language)
    locale.addLikelySubtags()
    return locale.getScript() == "Latn"


@lru_cache(maxsize=None)
def _digits(language: str) -> dict[int, str] | None:
    """ASCII digits → the language's native digits, from ICU's numbering system for it (None
    where that is the Latin one, or not decimal)."""
    system = icu.NumberingSystem.createInstance(icu.Locale(f"{language}@numbers=native"))
    digits = system.getDescription()
    if system.getName() == "latn" or system.isAlgorithmic() or system.getRadix() != 10 \
            or len(digits) != 10:
        return None
    return str.maketrans("0123456789", digits)


def has_native_digits(language: str) -> bool:
    return language in LANGUAGES and _digits(language) is not None


def native_digits(text: str, language: str) -> str:
    """``text`` with its ASCII digits in ``language``'s own numerals (Thai, Lao, Khmer, Myanmar);
    other languages' text unchanged."""
    table = _digits(language) if language in LANGUAGES else None
    return text.translate(table) if table else text
