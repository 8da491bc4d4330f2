"""The follow-up forms: the rounds' due dates (trainers) and a team's statuses (participants)."""
from urllib.parse import urlsplit

from wtforms import DateField, FieldList, FormField, HiddenField, SelectField, TextAreaField, \
    URLField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from ..forms import Form, choices
from ..i18n import _l
from .models import STATUSES

STATUS_LABELS = {"not_started": _l("Not started"), "in_progress": _l("In progress"),
                 "done": _l("Done"), "dropped": _l("Dropped")}
NOTE_LENGTH, URL_LENGTH = 1000, 500


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def tidy(value):
    """Text as stored: line breaks as "\\n" (browsers send "\\r\\n"), no outer spaces."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else value


def dates_form(rounds, formdata=None):
    """One date per round not sent yet, named ``round-<number>``."""
    class DatesForm(Form):
        pass

    for found in rounds:
        if found.sent_at is None:
            setattr(DatesForm, f"round-{found.number}", DateField(
                _l("Follow-up %(number)d due on", number=found.number), validators=[InputRequired()],
                default=found.due_on))
    return DatesForm(formdata=formdata)


def is_web_address(value: str) -> bool:
    """``value`` is the http or https address of a site (the only links a page may make of an
    evidence link)."""
    try:
        parts = urlsplit(value or "")
        return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value
    except ValueError:
        return False


def web_address(form, field) -> None:
    """An http or https address of a site, or nothing."""
    value = (field.data or "").strip()
    field.data = value
    if value and not is_web_address(value):
        raise ValidationError(_l("Give a web address starting with http:// or https://."))


class ActionForm(Form):
    """One action's status, note and evidence, with the values the page showed (``was_*``)."""

    class Meta:
        csrf = False

    row_id = HiddenField()
    status = SelectField(_l("Status"), choices=choices(
        [("", "—"), *((status, STATUS_LABELS[status]) for status in STATUSES)]), default="")
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_LENGTH)],
                         filters=[tidy])
    evidence_url = URLField(_l("Evidence link"), validators=[Length(max=URL_LENGTH), web_address],
                               filters=[tidy],
                               description=_l("A web page or document that shows the progress "
                                              "(optional)."))
    was_status = HiddenField()
    was_note = HiddenField(filters=[tidy])
    was_evidence_url = HiddenField(filters=[tidy])

    def validate_status(self, field) -> None:
        """A status once given is changed, not taken back (the page offers no empty choice)."""
        if not field.data and (self.note.data or self.evidence_url.data or self.was_status.data):
            raise ValidationError(_l("Choose a status for this action."))

    def offer_choices(self) -> None:
        """The empty choice only while the action has no status (stored, or carried over from
        the round before) on the page."""
        if self.was_status.data:
            self.status.choices = [choice for choice in self.status.choices if choice.value]


class FollowUpForm(Form):
    actions = FieldList(FormField(ActionForm), min_entries=0)
