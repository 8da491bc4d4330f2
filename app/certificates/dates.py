"""Dates as certificates print them: full month names, ranges, each language's own form.

CLDR's interval formats abbreviate months ("9–11 Apr 2025") or go numeric (Lao), so a range
is built from the locale's long date pattern, split into its day-and-month part and its year
part. Thai uses the Buddhist era (พ.ศ., year + 543) as official Thai certificates do;
Vietnamese uses the formal "ngày 9–11 tháng 4 năm 2025"; English uses day-month order.
"""
from datetime import date
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, tokenize_pattern

from ..i18n.languages import babel_locale

_YEAR_FIELDS = {"y", "Y", "u", "G"}
# Long patterns that differ from the language's CLDR default.
_PATTERNS = {"en": ("en_GB", None), "vi": ("vi", "'ngày' d 'tháng' M 'năm' y")}


@lru_cache(maxsize=None)
def _parts(language: str):
    """(locale, head tokens, day-month tokens, year tokens, year first?) for ``language``."""
    locale_name, pattern = _PATTERNS.get(language, (None, None))
    locale = Locale.parse(locale_name) if locale_name else babel_locale(language)
    tokens = tokenize_pattern(pattern or locale.date_formats["long"].pattern)
    fields = [i for i, (kind, value) in enumerate(tokens) if kind == "field"
              and value[0] not in _YEAR_FIELDS]
    first, last = fields[0], fields[-1]
    year_first = any(kind == "field" and value[0] in _YEAR_FIELDS for kind, value in tokens[:first])
    if year_first:
        return locale, tokens[:first], tokens[first:last + 1], (), True
    head = tokens[:first]  # e.g. Vietnamese "ngày "
    return locale, head, tokens[first:last + 1], tokens[last + 1:], False


def _render(tokens, day: date, locale, language: str, day_text: str | None = None) -> str:
    out = []
    for kind, value in tokens:
        if kind == "chars":
            out.append(value)
        elif value[0] == "d" and day_text is not None:
            out.append(day_text)
        elif language == "th" and value[0] == "G":
            out.append("พ.ศ.")
        elif language == "th" and value[0] in "yu":
            out.append(str(day.year + 543))
        else:
            out.append(format_date(day, value[0] * value[1], locale=locale))
    return "".join(out)


def format_day(day: date, language: str) -> str:
    """One date in full, e.g. "11 April 2025", "ngày 11 tháng 4 năm 2025", "11 เมษายน พ.ศ. 2568"."""
    locale, head, middle, year, year_first = _parts(language)
    if year_first:
        return _render(head + middle, day, locale, language)
    return _render(head + middle + year, day, locale, language)


def format_days(start: date, end: date, language: str) -> str:
    """A course's dates as one range, e.g. "9–11 April 2025", "ngày 9–11 tháng 4 năm 2025"."""
    if start == end:
        return format_day(start, language)
    if start.year != end.year:
        return _between(format_day(start, language), format_day(end, language), language)
    locale, head, middle, year, year_first = _parts(language)
    if start.month == end.month:
        days = f"{start.day}–{end.day}"
        return _render((head + middle) if year_first else (head + middle + year), start, locale,
                       language, day_text=days)
    if year_first:  # Myanmar: "2025 ဧပြီ 28 – မေ 2"
        return _render(head + middle, start, locale, language) + " – " + \
            _render(middle, end, locale, language)
    return _between(_render(head + middle, start, locale, language),
                    _render(head + middle + year, end, locale, language), language)


def _between(first: str, last: str, language: str) -> str:
    if language == "vi":
        return f"từ {first} đến {last}"
    return f"{first} – {last}"
