"""Choices that come from reference data rather than a module file."""
from __future__ import annotations

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


ASEAN_CURRENCIES = ("USD", "BND", "KHR", "IDR", "LAK", "MYR", "MMK", "PHP", "SGD", "THB", "VND",
                    "EUR", "GBP", "CAD", "KRW", "AUD", "JPY", "CHF")


def currency_choices(country: str = "") -> list[tuple[str, str]]:
    """ISO 4217 currencies: the ASEAN ones and the usual donors' first, by CLDR name."""
    locale = get_locale() or "en"
    return [(code, f"{code} – {babel_numbers.get_currency_name(code, locale=locale)}")
            for code in ASEAN_CURRENCIES]
