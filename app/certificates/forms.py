"""Forms for certificate settings and actions."""
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form, choices
from ..i18n import _l
from ..i18n.fields import MultilingualField


class SettingsForm(Form):
    arrangement = RadioField(_l("Languages on the page"), default="side_by_side", choices=choices([
        ("side_by_side", _l("Side by side")), ("stacked", _l("One above the other"))]))
    title = MultilingualField(_l("Title"), max_length=120,
                              description=_l("Empty: “Certificate of Participation” in each language."))
    wording = MultilingualField(_l("Wording"), multiline=True, max_length=600,
                                description=_l("Empty: the layout's standard wording in each language."))
    issue_place = MultilingualField(_l("Place of issue"), max_length=120)
    signatory1_name = StringField(_l("First signatory: name"), validators=[Length(max=200)])
    signatory1_title = MultilingualField(_l("First signatory: title"), max_length=200)
    signatory1_image = FileField(_l("First signatory: signature image"),
                                 description=_l("PNG, JPEG or SVG, at most 1 MB."))
    signatory2_name = StringField(_l("Second signatory: name"), validators=[Length(max=200)])
    signatory2_title = MultilingualField(_l("Second signatory: title"), max_length=200)
    signatory2_image = FileField(_l("Second signatory: signature image"),
                                 description=_l("PNG, JPEG or SVG, at most 1 MB."))
    pdfa = BooleanField(_l("Archive-quality PDF (PDF/A-3b)"))


class ReasonForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class IssueForm(Form):
    reason = StringField(_l("Reason for issuing below the attendance threshold"), validators=[Length(max=300)])
