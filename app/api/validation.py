"""Checking what the API is sent, with the forms' rules and in the reader's language.

marshmallow's own validators are subclassed so that their limits still appear in the OpenAPI
document (``enum``, ``maxLength``, ``minimum``…) while their refusals use the wording of the
forms and of the spreadsheet import, translated when raised. Text is cleaned as the forms clean
it (:class:`app.forms.Form`): control characters dropped, line breaks in one-line fields made
spaces; and lengths are counted as the text will be stored (Unicode-normalised).
"""
from email_validator import EmailNotValidError, validate_email
from marshmallow import ValidationError, fields, validate

from ..forms import clean_line, clean_text
from ..i18n import _
from ..registrations.names import nfc

SHOWN = 40  # characters of a refused value repeated in its message


def shorten(value) -> str:
    text = str(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


class OneOf(validate.OneOf):
    """One of the listed codes (documented as the field's ``enum``)."""

    def _format_error(self, value) -> str:
        return _("“%(value)s” is not one of: %(choices)s.", value=shorten(value),
                 choices=", ".join(map(str, self.choices)))


class Length(validate.Length):
    """At most ``max`` characters as stored: Unicode normalisation (NFC) may lengthen text."""

    def __init__(self, max: int):
        super().__init__(max=max)

    def __call__(self, value):
        if len(nfc(value)) > self.max or len(value) > 4 * self.max:
            raise ValidationError(_("Field cannot be longer than %(max)d characters.", max=self.max))
        return value


class Range(validate.Range):
    def _format_error(self, value, message: str) -> str:
        return _("Number must be between %(min)s and %(max)s.", min=self.min, max=self.max)


class Pattern(validate.Regexp):
    """Text matching a pattern (documented as the field's ``pattern``), with its own message."""

    def __init__(self, regex: str, message):
        super().__init__(regex)
        self.message = message

    def _format_error(self, value) -> str:
        return str(self.message)


def filled(value) -> None:
    """A required text may not be empty."""
    if value == "":
        raise ValidationError(_("This field is required."))


def email_address(value: str) -> None:
    """An email address, checked as the registration form and the import check it."""
    if not value:
        return
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=True, allow_empty_local=False)
    except EmailNotValidError:
        raise ValidationError(_("Invalid email address.")) from None
    if len(nfc(value).lower()) > 254:  # stored lower-cased, which may lengthen it
        raise ValidationError(_("Field cannot be longer than %(max)d characters.", max=254))


class Line(fields.String):
    """One line of text: control characters dropped, line breaks made spaces (as on the forms).
    Text that is not Unicode (lone surrogates) is refused."""

    clean = staticmethod(clean_line)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if any("\ud800" <= char <= "\udfff" for char in text):
            raise self.make_error("invalid")
        return self.clean(text)


class Paragraph(Line):
    """Text of several lines: control characters dropped, line breaks kept."""

    clean = staticmethod(clean_text)
