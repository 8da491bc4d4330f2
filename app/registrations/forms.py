"""The registration form, the focal point's nomination form and the trainers' forms."""
import uuid

from flask_wtf.file import FileField, FileRequired

from wtforms import BooleanField, EmailField, FieldList, FormField, HiddenField, IntegerField, \
    RadioField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField, \
    ValidationError
from wtforms.validators import StopValidation
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from ..forms import Form, Visible, choices, language_choices
from ..i18n import _, _l, current_language
from ..reference import country_choices, country_name, ministries, organisation_types
from .labels import STATUS_LABELS
from .models import AGE_GROUPS
from .names import certificate_name, native_scripts, nfc, passport_name_problem, \
    visible_name_problem

SEX_LABELS = {"female": _l("Female"), "male": _l("Male"), "undisclosed": _l("Prefer not to say")}
ATTENDANCE_MODE_LABELS = {"in_person": _l("In person"), "online": _l("Online")}
ORDER_LABELS = {"given_first": _l("Given name(s) first, then family name"),
                "family_first": _l("Family name first, then given name(s)"),
                "single": _l("A single name, or no family name")}
# Honorifics as printed before the name on the certificate, so in Latin letters. The datalist
# explains each in the reader's language: the international ones through the catalogue, the
# local ones by the country that uses them (CLDR).
HONORIFIC_MEANINGS = {"Ms": _l("Title for a woman"), "Mr": _l("Title for a man"),
                      "Mx": _l("Title that does not show gender"), "Dr": _l("Doctor"),
                      "Prof.": _l("Professor"), "H.E.": _l("His or Her Excellency")}
LOCAL_HONORIFICS = {"Bà": "VN", "Ông": "VN", "Ibu": "ID", "Bapak": "ID", "Khun": "TH", "Daw": "MM",
                    "U": "MM", "Lok Chumteav": "KH", "Datin": "MY", "Dato'": "MY", "Datuk": "MY",
                    "Tan Sri": "MY", "Pengiran": "BN", "Dato Paduka": "BN", "Sr.": "TL",
                    "Sra.": "TL"}
HONORIFICS = [*HONORIFIC_MEANINGS, *LOCAL_HONORIFICS]
OTHER = "other"
PHONE = r"^[0-9+()\-. /]*$"


def honorific_options() -> list[tuple[str, str]]:
    """(honorific, what it is in the reader's language) for the honorifics datalist."""
    return [*((value, str(meaning)) for value, meaning in HONORIFIC_MEANINGS.items()),
            *((value, country_name(country)) for value, country in LOCAL_HONORIFICS.items())]


def organisation_type_choices(country: str | None = None):
    return choices([("", "—"), *((kind.code, kind.label) for kind in organisation_types(country))])


def ministry_choices(country: str | None = None):
    """The ministries of ``country`` (all countries', grouped, when None; the registration
    page's script then shows only the chosen country's), each "English — native name",
    then "other"."""
    countries = [(country, country_name(country))] if country else country_choices()
    grouped = [("", "—", None)]
    for code, name in countries:
        grouped += [(f"{code}:{m.code}", m.label(), name) for m in ministries(code)]
    grouped.append((OTHER, _("Other (write it under Organisation)"), None))
    return [SelectChoice(value, label, optgroup=group) for value, label, group in grouped]


class NameCheck:
    """Refuse names made only of invisible characters; ``latin``: also anything a passport's
    Latin name cannot hold (these names are printed on the certificate's Latin line).

    It comes first in a field's validators, so a name of spaces is refused, not taken as empty."""

    def __init__(self, latin: bool):
        self.latin = latin

    def __call__(self, form, field):
        problem = (passport_name_problem if self.latin else visible_name_problem)(field.data)
        if problem is not None:
            raise StopValidation(problem.message(str(form.native_name.label.text)))


class Honeypot:
    """A field people never see or reach (the template hides it from eyes, screen readers and
    the keyboard), which form-filling robots fill in. Filled, it fails the form like any other
    invalid field: the same page, status and "correct the marked fields", so a robot cannot
    tell it was caught; nothing is stored or sent. It comes back empty, so a person whose
    browser filled it anyway gets through by sending the form again."""

    field_flags = {"unseen": True}  # left out of the error summary's links

    def __call__(self, form, field):
        if field.data:
            field.data, field.raw_data = "", [""]
            raise StopValidation(str(field.label.text))


class StoredLength(Length):
    """At most ``max`` characters as the value is stored (NFC and trimmed, an email also
    lower-cased: :func:`app.registrations.operations.apply_person`). A few characters grow
    under NFC (U+0958 becomes two) or lower-casing (U+0130), so text within the typed limit
    could still be too long for its column. The message is WTForms' own."""

    def __init__(self, max: int, lower: bool = False):
        super().__init__(max=max)
        self.lower = lower

    def __call__(self, form, field):
        typed = field.data
        stored = nfc(typed) if isinstance(typed, str) else ""
        field.data = stored.lower() if self.lower else stored
        try:
            super().__call__(form, field)
        finally:
            field.data = typed


class PersonForm(Form):
    """Who someone is: the fields shared by self-registration, nomination and trainers' edits."""

    full_name = StringField(_l("Full name exactly as in your passport"),
                            validators=[NameCheck(latin=True), DataRequired(), StoredLength(300)],
                            description=_l("As printed in the passport, in Latin letters."),
                            render_kw={"autocomplete": "name"})
    family_name = StringField(_l("Family name"), validators=[NameCheck(latin=True), Optional(),
                                                             StoredLength(200)],
                              description=_l("Leave empty if you have none."))
    given_names = StringField(_l("Given name(s)"), validators=[NameCheck(latin=True), Optional(),
                                                               StoredLength(200)])
    name_order = RadioField(_l("Order of your names"), choices=choices(ORDER_LABELS.items()),
                            default="given_first")
    honorific = StringField(_l("Honorific or title"), validators=[NameCheck(latin=True), Optional(),
                                                                  StoredLength(80)],
                            description=_l("Optional, e.g. Dr, Daw, Datin, Pengiran."),
                            render_kw={"list": "honorifics"})
    native_name = StringField(_l("Name in your own script"),
                              validators=[NameCheck(latin=False), Optional(), StoredLength(300)],
                              description=_l("Optional, e.g. in Thai, Khmer, Lao or Myanmar script."))
    address_as = StringField(_l("How should we address you?"),
                             validators=[NameCheck(latin=False), Optional(), StoredLength(200)],
                             description=_l("e.g. Ms Hà, Khun Somchai, Daw Khin."))
    sex = RadioField(_l("Sex"), choices=choices(SEX_LABELS.items()), validators=[InputRequired()],
                     description=_l("For the sex-disaggregated figures donors ask for."))
    age_group = SelectField(_l("Age group"), choices=choices([("", "—"), *((a, a) for a in AGE_GROUPS)]),
                            validators=[DataRequired()])
    organisation_type = SelectField(_l("Type of organisation"), validators=[DataRequired()])
    ministry = SelectField(_l("Ministry or agency"), validators=[Optional()], validate_choice=False)
    organisation = StringField(_l("Organisation"), validators=[Visible(), StoredLength(300)],
                               description=_l("For government, only if your ministry is not listed."))
    position = StringField(_l("Position"), validators=[Optional(), StoredLength(200)],
                           render_kw={"autocomplete": "organization-title"})
    province = StringField(_l("Province or city"), validators=[Optional(), StoredLength(120)])
    email = EmailField(_l("Email"),
                       validators=[DataRequired(), Email(), StoredLength(254, lower=True)],
                       render_kw={"autocomplete": "email"})
    language = SelectField(_l("Language for emails and pages"))

    country_code: str | None = None  # fixed country (nomination), else the country field
    honorific_options = staticmethod(honorific_options)
    native_scripts = staticmethod(native_scripts)  # for the preview's lang tag (registration.js)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_type.choices = organisation_type_choices()
        self.ministry.choices = ministry_choices()
        self.language.choices = language_choices()
        if not self.language.data:
            self.language.data = current_language()

    def chosen_country(self) -> str | None:
        return self.country_code or getattr(getattr(self, "country", None), "data", None)

    def validate_organisation_type(self, field):
        country = self.chosen_country()
        if field.data and country and field.data not in {k.code for k in organisation_types(country)}:
            raise ValidationError(_("This type of organisation is not offered for this country."))

    def validate_ministry(self, field):
        country = self.chosen_country()
        government = self.organisation_type.data == "government"
        if not field.data:
            if government:
                raise ValidationError(_("Choose your ministry or agency, or “Other”."))
            return
        if field.data == OTHER:
            return
        code, _sep, ministry = field.data.partition(":")
        if code != country or ministry not in {m.code for m in ministries(code)}:
            raise ValidationError(_("This ministry is not in the list for your country."))

    def validate_full_name(self, field):
        """Names grow under NFC and are combined for the certificate: check the results' length."""
        printed = certificate_name(field.data or "", self.family_name.data or "", self.given_names.data or "",
                                   self.name_order.data or "given_first", self.honorific.data or "")
        if len(nfc(field.data)) > 300 or len(printed) > 400:
            raise ValidationError(_("This name is too long."))

    def validate_organisation(self, field):
        unlisted = self.ministry.data == OTHER or self.organisation_type.data not in ("", "government")
        if unlisted and not (field.data or "").strip():
            raise ValidationError(_("Write the name of your ministry or organisation."))

    def ministry_code(self) -> str:
        value = self.ministry.data or ""
        return "" if value == OTHER else value.partition(":")[2]


class RegistrationForm(PersonForm):
    country = SelectField(_l("Country"), validators=[DataRequired()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40), Regexp(PHONE)],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})
    certificate_language = SelectField(
        _l("Second language on your certificate"),
        description=_l("Your certificate is in English and this language. "
                       "Left as it is, your country's language is used."))
    dietary = TextAreaField(_l("Dietary needs"), validators=[Optional(), StoredLength(500)])
    accessibility = TextAreaField(_l("Accessibility needs"),
                                  validators=[Optional(), StoredLength(500)])
    # Asked for hybrid courses only (the views remove it otherwise).
    attendance_mode = RadioField(_l("How will you take part?"), validators=[InputRequired()],
                                 choices=choices(ATTENDANCE_MODE_LABELS.items()))
    confirm_name = BooleanField(
        _l("My name appears on the certificate as shown above."),
        validators=[DataRequired(message=_l("Please check the name on your certificate and confirm it."))])
    homepage = StringField(_l("Leave this field empty"), validators=[Honeypot()],
                           render_kw={"tabindex": "-1", "autocomplete": "off"})
    consent = BooleanField(_l("I have read the privacy notice and agree to it."),
                           validators=[DataRequired(message=_l("Please accept the privacy notice to register."))])
    submission_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "—"), *country_choices()])
        self.certificate_language.choices = language_choices([("", _l("My country's language"))])
        if not self.submission_key.data:
            self.submission_key.data = uuid.uuid4().hex

    def ask_attendance_mode(self, course_mode: str) -> None:
        """Ask how someone takes part only on a hybrid course."""
        if course_mode != "hybrid":
            del self.attendance_mode


class NominationEntry(PersonForm):
    """One member of a delegation, entered by the focal point (country fixed, no CSRF per row)."""

    class Meta:
        csrf = False

    def validate(self, extra_validators=None):
        """A row left empty is skipped, not refused."""
        typed = [self.full_name.data, self.family_name.data, self.given_names.data, self.email.data,
                 self.position.data, self.organisation.data, self.native_name.data,
                 self.province.data]
        if not any((value or "").strip() for value in typed):
            return True
        return super().validate(extra_validators)


class NominationForm(Form):
    people = FieldList(FormField(NominationEntry), min_entries=4, max_entries=20)
    submission_key = HiddenField()

    honorific_options = staticmethod(honorific_options)

    def __init__(self, *args, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        offered = ministry_choices(country)  # the delegation's country only
        for entry in self.people:
            entry.form.country_code = country
            entry.form.ministry.choices = offered
        if not self.submission_key.data:
            self.submission_key.data = uuid.uuid4().hex

    def filled(self):
        return [entry.form for entry in self.people if (entry.form.full_name.data or "").strip()]


class StatusForm(Form):
    status = SelectField(_l("New status"), choices=choices(STATUS_LABELS.items()))
    reason = StringField(_l("Reason (told to the participant)"), validators=[Optional(), Length(max=500)])


class BulkForm(StatusForm):
    selected = SelectMultipleField(coerce=int, validate_choice=False)
    everyone = BooleanField()  # every registration the list's filters match, on every page
    expected = IntegerField(validators=[Optional()])  # how many the trainer confirmed

    def validate_selected(self, field):
        if any(not 0 < value < 2**31 for value in field.data or []):
            raise ValidationError(_("Not a valid choice."))


class NominationLinkForm(Form):
    country = SelectField(_l("Country"), validators=[DataRequired()])
    focal_name = StringField(_l("Focal point's name"),
                             validators=[Visible(), DataRequired(), StoredLength(200)])
    focal_email = EmailField(_l("Focal point's email"),
                             validators=[DataRequired(), Email(), StoredLength(254, lower=True)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "—"), *country_choices()])


class ImportForm(Form):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()],
                     description=_l("The columns of an export, with headers in any language of the "
                                    "interface. Nothing is imported unless every row is right."))
