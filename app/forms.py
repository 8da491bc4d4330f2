"""Form pieces shared by the features: the base form, choices, fields, rendering."""
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

import icu
from flask import current_app, render_template
from flask_wtf import FlaskForm
from wtforms import DecimalField, FieldList, FormField, HiddenField, SelectChoice, \
    SelectMultipleField, StringField, TextAreaField, ValidationError, widgets
from wtforms.validators import StopValidation

from .i18n import _l, messages
from .i18n.languages import LANGUAGES, endonym
from .i18n.multilingual import MultilingualText

# C0 controls other than tab, newline and carriage return: never meaningful in a form, and
# PostgreSQL refuses NUL outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value):
    """Drop control characters from text typed into any field."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def clean_line(value):
    """Text for a one-line field: control characters dropped, and each run of line ends
    (CR, LF, CRLF, NEL, U+2028, U+2029: whatever :meth:`str.splitlines` splits at) one space."""
    value = clean_text(value)
    if not isinstance(value, str):
        return value
    lines = value.splitlines()
    if len(lines) == 1 and lines[0] == value:
        return value
    return " ".join(line for line in lines if line)


def is_invisible(char: str) -> bool:
    """Nothing a reader sees: spaces and line ends (Unicode category Z), controls, format
    characters such as zero-width spaces, joiners and bidi controls (category C), and the other
    default-ignorable code points (fillers such as U+3164)."""
    return (unicodedata.category(char)[0] in "ZC"
            or icu.Char.hasBinaryProperty(char, icu.UProperty.DEFAULT_IGNORABLE_CODE_POINT))


def only_invisible(text: str | None) -> bool:
    """True for text that holds characters, none of them visible."""
    return bool(text) and all(is_invisible(char) for char in text)


def one_line(value: str | None) -> str:
    """What a one-line name or title field keeps of ``value``, by the forms' rules
    (:func:`clean_line`, then :class:`Visible`): controls dropped, line ends made one space,
    trimmed, and nothing at all when no character is visible. Imports clean cells with it."""
    text = clean_line(value or "").strip()
    return "" if only_invisible(text) else text


class Visible:
    """For names and titles: a value made only of invisible characters (:func:`is_invisible`)
    counts as empty. A required field then says "This field is required."; an optional one is
    stored empty. Works for one-line fields and for every language of a multilingual field,
    wherever it stands among the field's validators."""

    def __call__(self, form, field):
        if isinstance(field.data, MultilingualText):  # a MultilingualField (app.i18n.fields)
            kept = {lang: text for lang, text in field.data.items() if not only_invisible(text)}
            if len(kept) != len(field.data):
                field.data = MultilingualText(kept)
                field.raw = {lang: kept.get(lang, "") for lang in field.raw}
                try:  # the field's own "please write this" message, now that it applies
                    field.pre_validate(form)
                except ValidationError as error:
                    if error.args[0] not in field.errors:  # not one it gave already
                        raise
            return
        if isinstance(field.data, str) and only_invisible(field.data):
            field.data, field.raw_data = "", [""]
            field.errors[:] = []
            if field.flags.required:
                raise StopValidation(field.gettext("This field is required."))
            raise StopValidation()  # stored empty: the other checks have nothing to look at


class BuiltInMessages:
    """WTForms' own messages ("Not a valid choice.") from the app's catalogues, in the page's
    language (Flask-WTF would look in WTForms' bundled catalogues, which lack most ASEAN
    languages). Listed for translators in :mod:`app.i18n.wtforms_messages`."""

    def gettext(self, string):
        return messages.get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return messages.get_translations().ungettext(singular, plural, n)


def _one_line(field_class) -> bool:
    """A text input of one line: a StringField other than a text area or a hidden value (which
    may carry a text area's earlier value)."""
    return issubclass(field_class, StringField) and not issubclass(field_class, (TextAreaField,
                                                                                 HiddenField))


class Form(FlaskForm):
    """The base of every form: control characters never reach the database, nor line ends a
    one-line field; WTForms' own messages come in the page's language."""

    class Meta:
        def get_translations(self, form):
            return BuiltInMessages()

        def bind_field(self, form, unbound_field, options):
            if not issubclass(unbound_field.field_class, (FieldList, FormField)):
                clean = clean_line if _one_line(unbound_field.field_class) else clean_text
                filters = unbound_field.kwargs.get("filters", ())
                if clean not in filters:  # a FieldList binds the same field once per row
                    unbound_field.kwargs["filters"] = (clean, *filters)
            return unbound_field.bind(form=form, **options)


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices(first: Iterable[tuple] = ()) -> list[SelectChoice]:
    """The interface languages by their own names, after any ``first`` choices."""
    return choices([*first, *((code, f"{endonym(code)} ({code})") for code in LANGUAGES)])


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes, easier on a phone than a multi-select."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LocalDecimalField(DecimalField):
    """A decimal that also accepts a decimal comma ("20,5"), as vi and id write it."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValidationError(_l("Not a valid decimal value."))


def protect() -> None:
    """Check the CSRF token of a POST that has no form of its own (abort 400 if wrong)."""
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        from .extensions import csrf

        csrf.protect()


def render_form(template: str, form, **context):
    """Render a form page: 400 when the form has errors, so tools and tests can tell."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def field_target(field) -> str:
    """The id of the input a link to ``field`` focuses: a choice group's first option, a
    multilingual field's primary-language box, else the field itself."""
    if field.type in ("RadioField", "MultiCheckboxField"):
        return f"{field.id}-0"
    if field.type == "MultilingualField":
        return f"{field.id}-{field.primary}"
    return field.id


def error_links(form) -> list[tuple[str, str, str]]:
    """(target id, label, message) for each error of ``form``'s visible fields, in page order:
    the error summary's list. Hidden fields (CSRF, keys) and fields people never see (a
    honeypot: ``flags.unseen``) have no input to link to and are left out."""
    links = []

    def visit(field):
        if field.type in ("HiddenField", "CSRFTokenField") or field.flags.unseen or not field.errors:
            return
        if field.type == "FormField":
            for sub in field.form:
                visit(sub)
        elif field.type == "FieldList":
            for entry in field.entries:
                visit(entry)
        else:
            links.extend((field_target(field), str(field.label.text), str(message))
                         for message in field.errors)

    for field in form:
        visit(field)
    return links
