"""Form pieces shared by the features: the base form, choices, fields, rendering."""
import re
from collections.abc import Iterable
from decimal import Decimal

from flask import current_app, render_template
from flask_wtf import FlaskForm
from wtforms import DecimalField, FieldList, FormField, SelectChoice, SelectMultipleField, \
    ValidationError, widgets

from .i18n import _l, messages
from .i18n.languages import LANGUAGES, endonym

# C0 controls other than tab, newline and carriage return: never meaningful in a form, and
# PostgreSQL refuses NUL outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value):
    """Drop control characters from text typed into any field."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class BuiltInMessages:
    """WTForms' own messages ("Not a valid choice.") from the app's catalogues, in the page's
    language (Flask-WTF would look in WTForms' bundled catalogues, which lack most ASEAN
    languages). Listed for translators in :mod:`app.i18n.wtforms_messages`."""

    def gettext(self, string):
        return messages.get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return messages.get_translations().ungettext(singular, plural, n)


class Form(FlaskForm):
    """The base of every form: control characters never reach the database; WTForms' own
    messages come in the page's language."""

    class Meta:
        def get_translations(self, form):
            return BuiltInMessages()

        def bind_field(self, form, unbound_field, options):
            if not issubclass(unbound_field.field_class, (FieldList, FormField)):
                filters = unbound_field.kwargs.get("filters", ())
                if clean_text not in filters:  # a FieldList binds the same field once per row
                    unbound_field.kwargs["filters"] = (clean_text, *filters)
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
