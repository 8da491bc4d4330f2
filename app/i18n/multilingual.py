"""Organiser-written text stored per language and read in the reader's language."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from .languages import LANGUAGES


def reader_language() -> str:
    """The language a text is read in when none is given; :mod:`app.i18n` (which imports this
    module, so it cannot be imported here) installs the request's language at import."""
    return "en"


@dataclass(frozen=True)
class Localized:
    """One text picked for a reader: the words, their language, and whether it fell back."""

    text: str
    language: str
    fallback: bool

    def __str__(self) -> str:
        return self.text


class MultilingualText(Mapping[str, str]):
    """An immutable map from language code to text; empty values are dropped."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str] | None = None, **kwargs: str):
        merged = dict(values or {}, **kwargs)
        self._values = {
            lang: text.strip()
            for lang, text in merged.items()
            if lang in LANGUAGES and isinstance(text, str) and text.strip()
        }

    def __getitem__(self, language: str) -> str:
        return self._values[language]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._values == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __repr__(self) -> str:
        return f"MultilingualText({self._values!r})"

    def __str__(self) -> str:
        return self.localize().text

    def localize(self, language: str | None = None, fallbacks: Iterable[str] = ()) -> Localized:
        """Return the text in ``language``, else in the first of ``fallbacks``, English, any."""
        if language is None:
            language = reader_language()
        for candidate in (language, *fallbacks, "en", *self._values):
            if candidate in self._values:
                return Localized(self._values[candidate], candidate, candidate != language)
        return Localized("", language, False)

    def missing(self, languages: Iterable[str]) -> list[str]:
        """Return those of ``languages`` that have no text."""
        return [lang for lang in languages if lang not in self._values]

    def to_dict(self) -> dict[str, str]:
        return dict(self._values)


class MultilingualType(TypeDecorator):
    """Stores a :class:`MultilingualText` as a JSON object."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return MultilingualText(value).to_dict()

    def process_result_value(self, value, dialect):
        return MultilingualText(value or {})
