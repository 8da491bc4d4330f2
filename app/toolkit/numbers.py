"""Numbers and amounts as people type and read them, in the reader's locale."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import numbers as babel_numbers
from flask_babel import get_locale
from wtforms import StringField, ValidationError

from ..i18n import _, babel_locale, current_language


@lru_cache(maxsize=32)
def written(locale: str) -> re.Pattern:
    """A number as the locale writes it, digits grouped by three or not ("1.250.000,5" in
    Vietnamese, "1,250,000.5" in English): read without Babel's slower strict parsing, which
    gives the same for these."""
    decimal = re.escape(babel_numbers.get_decimal_symbol(locale))
    group = re.escape(babel_numbers.get_group_symbol(locale))
    return re.compile(rf"(-?(?:[0-9]{{1,3}}(?:{group}[0-9]{{3}})+|[0-9]{{1,30}}))(?:{decimal}([0-9]{{1,30}}))?")


def parse_number(text: str) -> Decimal:
    """Read a number as people type it: "1.200.000" in Vietnamese, "1,200,000" or "20,5"."""
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if not text:
        raise InvalidOperation(text)
    locale = get_locale() or babel_locale(current_language())
    if found := written(str(locale)).fullmatch(text):
        whole = re.sub(r"[^0-9-]", "", found.group(1))
        return Decimal(f"{whole}.{found.group(2)}" if found.group(2) else whole)
    try:
        return babel_numbers.parse_decimal(text, locale=locale, strict=True)
    except babel_numbers.NumberFormatError:
        pass
    for candidate in (text, text.replace(",", "."), text.replace(",", ""), text.replace(".", "")):
        try:
            value = Decimal(candidate)
        except InvalidOperation:
            continue
        if value.is_finite():
            return value
    raise InvalidOperation(text)


class NumberInput(StringField):
    """A number typed as text, so a decimal comma or grouping in the reader's style is fine."""

    def __init__(self, *args, minimum=None, maximum=None, whole=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum, self.maximum, self.whole = minimum, maximum, whole
        self.number: Decimal | None = None

    def _value(self):
        if isinstance(self.data, (int, Decimal)):
            return format_number(self.data)
        return super()._value()

    def pre_validate(self, form):
        self.number = None
        if self.data in (None, ""):
            return
        self.number = check_number(self.data, minimum=self.minimum, maximum=self.maximum,
                                   whole=self.whole)


def check_number(text: str | int | Decimal, *, minimum=None, maximum=None,
                 whole: bool = False) -> Decimal:
    """The number typed as ``text`` (or given), or :class:`ValidationError` saying what is wrong
    (not a number, NaN or infinite, too large, not whole, out of bounds). One rule for the form
    field above and for a save read without a form (:mod:`app.toolkit.posted`)."""
    try:
        number = Decimal(text) if isinstance(text, (int, Decimal)) else parse_number(str(text))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError(_("Type a number here, such as %(example)s.",
                                example=format_number(Decimal("1250.5"))))
    if abs(number) >= Decimal("1e15"):
        raise ValidationError(_("This number is too large."))
    if whole and number != number.to_integral_value():
        raise ValidationError(_("Type a whole number here."))
    if minimum is not None and number < Decimal(str(minimum)) or \
            maximum is not None and number > Decimal(str(maximum)):
        raise ValidationError(_("Type a number from %(low)s to %(high)s.",
                                low=format_number(minimum if minimum is not None else "-∞"),
                                high=format_number(maximum if maximum is not None else "∞")))
    return number


def format_number(value) -> str:
    if isinstance(value, str) and not re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    return babel_numbers.format_decimal(Decimal(str(value)), locale=get_locale() or "en",
                                        decimal_quantization=False)


def decimal_string(number: Decimal | None) -> str:
    if number is None:
        return ""
    text = format(number.normalize(), "f")
    return text


def format_money(amount, currency: str) -> str:
    """An amount with its currency, whole amounts without decimals ("VND 960,000,000")."""
    if amount in (None, ""):
        return ""
    amount = Decimal(str(amount))
    locale = get_locale() or "en"
    if not currency:
        return format_number(amount)
    if amount == amount.to_integral_value():
        return babel_numbers.format_currency(amount, currency, format="¤#,##0", locale=locale,
                                             currency_digits=False)
    return babel_numbers.format_currency(amount, currency, locale=locale)
