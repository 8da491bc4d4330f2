"""Numbers and amounts as people type and read them, in the reader's locale."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel import numbers as babel_numbers
from flask_babel import get_locale
from wtforms import StringField, ValidationError

from ..i18n import _, babel_locale, current_language


def parse_number(text: str) -> Decimal:
    """Read a number as people type it: "1.200.000" in Vietnamese, "1,200,000" or "20,5"."""
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if not text:
        raise InvalidOperation(text)
    try:
        return babel_numbers.parse_decimal(text, locale=get_locale() or babel_locale(current_language()),
                                           strict=True)
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
        if isinstance(self.data, (int, Decimal)):
            self.number = Decimal(self.data)
        else:
            try:
                self.number = parse_number(str(self.data))
            except InvalidOperation:
                raise ValidationError(_("Type a number here, such as %(example)s.",
                                        example=format_number(Decimal("1250.5"))))
        if abs(self.number) >= Decimal("1e15"):
            self.number = None
            raise ValidationError(_("This number is too large."))
        if self.whole and self.number != self.number.to_integral_value():
            self.number = None
            raise ValidationError(_("Type a whole number here."))
        if self.minimum is not None and self.number < Decimal(str(self.minimum)) or \
                self.maximum is not None and self.number > Decimal(str(self.maximum)):
            low, high = self.minimum, self.maximum
            self.number = None
            raise ValidationError(_("Type a number from %(low)s to %(high)s.",
                                    low=format_number(low if low is not None else "-∞"),
                                    high=format_number(high if high is not None else "∞")))


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
