"""Forms for sessions, speakers and attendance."""
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, FormField, RadioField, SelectField, StringField, TextAreaField, \
    TimeField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, URL, ValidationError

import wtforms

from ..forms import Form, Visible, choices
from ..i18n import _l
from ..i18n.fields import MultilingualField

KIND_LABELS = {"ceremony": _l("Opening or ceremony"), "presentation": _l("Presentation"),
               "panel": _l("Panel"), "group_work": _l("Group work"), "plenary": _l("Plenary"),
               "case_study": _l("Case study"), "break": _l("Break"), "evaluation": _l("Evaluation")}
ROLE_LABELS = {"facilitator": _l("Facilitator"), "speaker": _l("Speaker"), "moderator": _l("Moderator")}
# How a presence was recorded (Attendance.method), as the attendance grid names it.
METHOD_LABELS = {"trainer": _l("Trainer"), "qr": _l("QR code"), "sheet": _l("Sign-in sheet"),
                 "link": _l("Join link"), "report": _l("Meeting report")}
EARLY_LABEL = _l("This session has not started yet. Mark anyway?")


class LeadForm(wtforms.Form):
    speaker = SelectField(_l("Person"), coerce=int, validators=[Optional()])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS.items()), validate_choice=False)

    def validate_role(self, field):
        if self.speaker.data and field.data not in ROLE_LABELS:
            raise ValidationError(_l("Not a valid choice."))


class SessionForm(Form):
    day = SelectField(_l("Day"), validators=[DataRequired()])
    start = TimeField(_l("Starts"), validators=[InputRequired()])
    end = TimeField(_l("Ends"), validators=[InputRequired()])
    title = MultilingualField(_l("Title"), required=True, max_length=250, validators=[Visible()])
    description = MultilingualField(_l("Description"), multiline=True, max_length=3000)
    kind = SelectField(_l("Type"), choices=choices(KIND_LABELS.items()), default="presentation")
    room = StringField(_l("Room"), validators=[Length(max=120)],
                       description=_l("Sessions in different rooms at the same time are parallel tracks."))
    online_url = URLField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)],
                          description=_l("For hybrid courses: where online participants join."))
    leads = FieldList(FormField(LeadForm), min_entries=3, max_entries=12)


class SpeakerForm(Form):
    name = StringField(_l("Name"), validators=[Visible(), DataRequired(), Length(max=200)])
    title = StringField(_l("Title or position"), validators=[Visible(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Visible(), Length(max=300)])
    bio = MultilingualField(_l("Short biography"), multiline=True, max_length=2000)
    photo = FileField(_l("Photo"), description=_l("PNG or JPEG, at most 1 MB."))
    registration_id = SelectField(_l("Registered participant"), coerce=int, validators=[Optional()],
                                  description=_l("If this person is also registered for the course."))


class SpeakerPasteForm(Form):
    lines = TextAreaField(_l("One person a line: name; title; organisation"),
                          validators=[DataRequired()],
                          description=_l("Semicolons or tabs between the parts, as copied from a "
                                         "spreadsheet."))
    add = BooleanField()  # the preview's button: add what was checked


class SpeakerImportForm(Form):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()],
                     description=_l("Columns name, title, organisation, email and bio; only name is "
                                    "needed. An email registered for the course links the speaker "
                                    "to that participant. Nothing is added unless every row is "
                                    "right."))


class CorrectionForm(Form):
    present = RadioField(_l("Attended"), choices=choices([("yes", _l("Present")), ("no", _l("Absent"))]),
                         validators=[InputRequired()])
    reason = StringField(_l("Reason for the correction"), validators=[DataRequired(), Length(max=300)])
    confirm_early = BooleanField(EARLY_LABEL)


class SheetForm(Form):
    ids = TextAreaField(_l("Participant IDs ticked on the paper sheet"), validators=[DataRequired()],
                        description=_l("Type the IDs separated by spaces, commas or new lines, "
                                       "e.g. P-0012 15 P-0031."))
    confirm_early = BooleanField(EARLY_LABEL)


class ReportUploadForm(Form):
    file = FileField(_l("Participant report (CSV)"), validators=[FileRequired()],
                     description=_l("Zoom's participants report or the Teams attendance report, "
                                    "as downloaded."))


class ReportApplyForm(Form):
    """The review of an imported report; the rows' choices are read from the page's selects."""

    confirm_early = BooleanField(EARLY_LABEL)
