"""The form field for organiser text in several languages, entered side by side."""
from collections.abc import Iterable

from markupsafe import Markup, escape
from wtforms import Field, FieldList, Form, FormField, ValidationError
from wtforms.utils import unset_value

from . import _, _l, current_language
from .languages import LANGUAGES, language_name
from .multilingual import MultilingualText


class MultilingualWidget:
    """One input per course language side by side; the other languages folded away below."""

    def __call__(self, field: "MultilingualField", **kwargs) -> Markup:
        shown = field.shown_languages()
        rows = [self._input(field, lang) for lang in shown]
        html = f'<div class="ml-grid" id="{field.id}">{"".join(rows)}</div>'
        others = [lang for lang in LANGUAGES if lang not in shown]
        if others:
            more = "".join(self._input(field, lang) for lang in others)
            summary = escape(_("Other languages"))  # outside the f-string, so Babel extracts it
            html += (f'<details class="ml-more"><summary>{summary}</summary>'
                     f'<div class="ml-grid">{more}</div></details>')
        return Markup(html)

    def _input(self, field: "MultilingualField", lang: str) -> str:
        input_id = f"{field.id}-{lang}"
        value = field.raw.get(lang, field.data.get(lang, ""))
        attrs = (f'id="{input_id}" name="{field.name}-{lang}" lang="{lang}" '
                 f'maxlength="{field.max_length}"')
        if field.required and lang == field.primary and not field.required_any:
            attrs += ' required aria-required="true"'
        if field.errors:
            attrs += f' aria-invalid="true" aria-describedby="{field.id}-error"'
        if field.multiline:
            control = f'<textarea {attrs} rows="3">{escape(value)}</textarea>'
        else:
            control = f'<input type="text" {attrs} value="{escape(value)}">'
        missing = ""
        if lang in field.languages and not value:
            note = escape(_("not yet written"))
            missing = f'<span class="ml-missing">{note}</span>'
        return (f'<div class="ml-lang"><label for="{input_id}">'
                f'{escape(language_name(lang, current_language()))} '
                f'<span class="lang-code">{lang}</span> {missing}</label>{control}</div>')


class MultilingualField(Field):
    """A :class:`MultilingualText` typed in the course's languages side by side.

    ``required`` asks for the primary language (the course's working language);
    with ``required_any`` any one language will do.
    """

    widget = MultilingualWidget()

    def __init__(self, label=None, validators=None, required: bool = False, required_any: bool = False,
                 multiline: bool = False, max_length: int = 300, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required or required_any
        self.required_any = required_any
        self.multiline = multiline
        self.max_length = max_length
        self.languages: list[str] = ["en"]
        self.primary = "en"
        self.raw: dict[str, str] = {}
        self.data = MultilingualText()

    def process(self, formdata, data=unset_value, extra_filters=None):
        from ..forms import clean_line, clean_text

        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = MultilingualText(data if isinstance(data, dict | MultilingualText) else {})
        self.raw = {}
        if formdata is not None:
            clean = clean_text if self.multiline else clean_line
            self.raw = {
                lang: clean(formdata.get(f"{self.name}-{lang}", ""))
                for lang in LANGUAGES
                if f"{self.name}-{lang}" in formdata
            }
            self.data = MultilingualText(self.raw)

    def shown_languages(self) -> list[str]:
        """The languages to offer: the course's, plus any that already hold text."""
        shown = list(dict.fromkeys([self.primary, *self.languages]))
        return shown + [lang for lang in LANGUAGES if lang not in shown and
                        (self.data.get(lang) or self.raw.get(lang))]

    def pre_validate(self, form):
        for lang, text in self.data.items():
            if len(text) > self.max_length:
                raise ValidationError(_l("%(language)s: at most %(max)d characters.",
                                         language=language_name(lang, current_language()),
                                         max=self.max_length))
        if self.required_any and not self.data:
            raise ValidationError(_l("Please write this in at least one language."))
        if self.required and not self.required_any and self.primary not in self.data:
            raise ValidationError(_l("Please write this in %(language)s.",
                                     language=language_name(self.primary, current_language())))


def apply_languages(form: Form, languages: Iterable[str], primary: str) -> None:
    """Offer ``languages`` (``primary`` first and required) in every multilingual field."""
    languages = list(dict.fromkeys([primary, *languages]))
    for field in form:
        if isinstance(field, MultilingualField):
            field.languages, field.primary = languages, primary
        elif isinstance(field, FormField):
            apply_languages(field.form, languages, primary)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    apply_languages(entry.form, languages, primary)
                elif isinstance(entry, MultilingualField):
                    entry.languages, entry.primary = languages, primary
