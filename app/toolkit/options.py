"""Choices that come from reference data rather than a module file."""
from __future__ import annotations

from functools import lru_cache

from babel import numbers as babel_numbers
from flask_babel import get_locale

from ..i18n import _, current_language


def option_source(source: str, country: str) -> list[tuple[str, str]]:
    """Choices that come from reference data rather than the module file."""
    language = current_language()
    if source == "ministries":
        from ..reference.data import ministries

        found = [(ministry.code, ministry.name.localize(language, ("en",)).text +
                  (f" ({ministry.acronym})" if ministry.acronym else ""))
                 for ministry in ministries(country)] if country else []
        return [*found, ("other", _("Other"))]
    if source == "countries":
        from ..reference import country_choices

        return country_choices(language)
    if source == "currencies":
        return currency_choices(country)
    raise KeyError(source)


def is_option(source: str, country: str, value: str) -> bool:
    """Whether :func:`option_source` offers ``value`` (checking a save needs no names, so no
    translation)."""
    if source == "ministries":
        return value == "other" or value in ministry_codes(country)
    if source == "countries":
        from ..reference import is_country

        return is_country(value)
    if source == "currencies":
        return value in ASEAN_CURRENCIES
    raise KeyError(source)


@lru_cache(maxsize=64)
def ministry_codes(country: str) -> frozenset[str]:
    """The codes of a country's ministries (reference data, read once per process)."""
    from ..reference.data import ministries

    return frozenset(ministry.code for ministry in ministries(country)) if country else frozenset()


ASEAN_CURRENCIES = ("USD", "BND", "KHR", "IDR", "LAK", "MYR", "MMK", "PHP", "SGD", "THB", "VND",
                    "EUR", "GBP", "CAD", "KRW", "AUD", "JPY", "CHF")


def currency_choices(country: str = "") -> list[tuple[str, str]]:
    """ISO 4217 currencies: the ASEAN ones and the usual donors' first, by CLDR name."""
    locale = get_locale() or "en"
    return [(code, f"{code} – {babel_numbers.get_currency_name(code, locale=locale)}")
            for code in ASEAN_CURRENCIES]
