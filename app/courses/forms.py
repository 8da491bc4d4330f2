"""Forms to create, edit and clone a course, and to change its team."""
import re
import zoneinfo
from datetime import date, timedelta
from functools import lru_cache

import wtforms
from babel.dates import get_timezone_location
from wtforms import BooleanField, DateField, FieldList, FormField, IntegerField, SelectField, \
    StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..forms import Form, LocalDecimalField, MultiCheckboxField, Visible, choices, language_choices
from ..i18n import _, _l, current_language
from ..i18n.fields import MultilingualField
from ..i18n.languages import LANGUAGES, babel_locale
from .copying import DEFAULT_PARTS, PARTS
from .operations import slug_taken

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODE_LABELS = {"in_person": _l("In person"), "online": _l("Online"), "hybrid": _l("Hybrid")}
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
MAX_ID = 2**31 - 1


@lru_cache(maxsize=None)
def timezone_choices(language: str) -> list:
    """Every IANA zone, named in the reader's language: "Giờ Việt Nam (Asia/Ho_Chi_Minh)"."""
    locale = babel_locale(language)
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/"))
    return choices((zone, f"{get_timezone_location(zone, locale=locale)} ({zone})") for zone in zones)


def within_range(form, field):
    """Dates between 2000 and 2100: anything else is a typing slip."""
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(_("Give a date between 2000 and 2100."))


def valid_slug(form, field):
    if field.data:
        field.data = field.data.strip().lower()
        if not SLUG.match(field.data):
            raise ValidationError(_("Use lowercase letters, digits and single hyphens only."))
        if slug_taken(field.data):
            raise ValidationError(_("Another course already uses this web address."))


class ObjectiveForm(wtforms.Form):
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=1, max=99)])
    text = MultilingualField(_l("Objective"), multiline=True, max_length=600)


class CourseForm(Form):
    title = MultilingualField(_l("Title"), required=True, max_length=250, validators=[Visible()])
    slug = StringField(
        _l("Web address"), validators=[Optional(), Length(min=3, max=80), valid_slug],
        description=_l("Lowercase letters, digits and hyphens, e.g. jakarta-2025-wps. "
                       "Left empty, it is made from the English title. It cannot change later: "
                       "printed QR codes point at it."))
    description = MultilingualField(_l("Description"), multiline=True, max_length=4000)
    start_date = DateField(_l("First day"), validators=[InputRequired(), within_range])
    end_date = DateField(_l("Last day"), validators=[InputRequired(), within_range])
    city = MultilingualField(_l("City"), required=True, max_length=120)
    venue = MultilingualField(_l("Venue"), max_length=250)
    country = SelectField(_l("Country"), validators=[DataRequired()], choices=[])
    timezone = SelectField(_l("Time zone of the venue"), validators=[DataRequired()],
                           choices=[], default="Asia/Jakarta")
    mode = SelectField(_l("Mode"), choices=choices(MODE_LABELS.items()), default="in_person")
    working_language = SelectField(_l("Working language"), default="en")
    second_languages = MultiCheckboxField(
        _l("Second languages offered on certificates"),
        description=_l("Texts you write are asked for in these languages too."))
    contact_hours = LocalDecimalField(_l("Contact hours"), places=1,
                                      validators=[InputRequired(), NumberRange(min=0.5, max=500)])
    organisers = MultiCheckboxField(_l("Organisers"), coerce=int)
    donors = MultiCheckboxField(_l("Donors"), coerce=int)
    objectives = FieldList(FormField(ObjectiveForm), label=_l("Objectives"), max_entries=30)
    registration_opens = DateField(_l("Registration opens"), validators=[Optional(), within_range])
    registration_closes = DateField(_l("Registration closes"), validators=[Optional(), within_range])
    capacity = IntegerField(_l("Places"), validators=[Optional(), NumberRange(min=1, max=100_000)],
                            description=_l("Leave empty for no limit. Past it, people join the waitlist."))
    country_quota = IntegerField(_l("Places per country"),
                                 validators=[Optional(), NumberRange(min=1, max=100_000)])
    requires_approval = BooleanField(_l("Registrations need a trainer's approval"), default=True)
    attendance_threshold = IntegerField(
        _l("Attendance needed for a certificate (%)"), default=80,
        validators=[Optional(), NumberRange(min=0, max=100)])
    attendance_basis = SelectField(_l("Count attendance by"), default="hours",
                                   choices=choices([("hours", _l("hours")), ("sessions", _l("sessions"))]))
    privacy_notice = MultilingualField(
        _l("Privacy notice"), multiline=True, max_length=6000,
        description=_l("What you collect, why, who sees it and how long you keep it. "
                       "Participants accept it when they register."))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.working_language.choices = self.second_languages.choices = language_choices()
        self.timezone.choices = timezone_choices(current_language())
        if editing:
            del self.slug  # printed QR codes point at it

    def languages(self) -> tuple[str, list[str]]:
        """The working and second languages asked for, unknown codes dropped."""
        working = self.working_language.data if self.working_language.data in LANGUAGES else "en"
        return working, [code for code in self.second_languages.data or [] if code in LANGUAGES]

    def validate_registration_opens(self, field):
        end = self.end_date.data
        if end and field.data and field.data > end:  # it would never open: see registration_state
            raise ValidationError(_("Registration cannot open after the course's last day."))

    def validate_registration_closes(self, field):
        opens, end = self.registration_opens.data, self.end_date.data
        if opens and field.data and field.data < opens:
            raise ValidationError(_("Registration cannot close before it opens."))
        if end and field.data and field.data > end:
            raise ValidationError(_("Registration cannot close after the course's last day."))

    def validate_end_date(self, field):
        start = self.start_date.data
        if start and field.data and field.data < start:
            raise ValidationError(_("The last day cannot be before the first day."))
        if start and field.data and (field.data - start).days > 366:
            raise ValidationError(_("A course lasts at most a year."))

    def objective_texts(self) -> list:
        """The objectives typed, in the order asked for, blanks dropped."""
        entries = [(entry.form.position.data or index + 1, index, entry.form.text.data)
                   for index, entry in enumerate(self.objectives.entries)]
        return [text for _pos, _idx, text in sorted(entries, key=lambda e: (e[0], e[1])) if text]


COPY_LABELS = {
    "objectives": _l("Objectives"),
    "organisations": _l("Organisers and donors"),
    "agenda": _l("Agenda and speakers, on the new dates"),
    "meeting_links": _l("Online meeting links of the sessions"),
    "exercises": _l("Exercises, with their instructions"),
    "certificate": _l("Certificate wording and signatories"),
    "grouping": _l("Working-group rules"),
}


class CloneForm(Form):
    slug = StringField(_l("Web address of the new course"),
                       validators=[DataRequired(), Length(min=3, max=80), valid_slug])
    start_date = DateField(_l("First day of the new course"), validators=[InputRequired(), within_range])
    parts = MultiCheckboxField(
        _l("What to copy"), choices=choices((part, COPY_LABELS[part]) for part in PARTS),
        default=DEFAULT_PARTS,
        description=_l("Sessions keep their times at the venue. Copy meeting links only if the "
                       "same meetings are used again. Registrations, attendance, worksheets and "
                       "certificates are never copied."))

    def __init__(self, *args, duration: timedelta, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration = duration

    def validate_start_date(self, field):
        if field.data and field.data + self.duration > LATEST:
            raise ValidationError(_("Give a date between 2000 and 2100."))


class TeamForm(Form):
    email = StringField(_l("Email of the trainer to add"), validators=[DataRequired(), Length(max=254)])


class RemoveTrainerForm(Form):
    remove = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
