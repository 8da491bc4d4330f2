"""Forms for certificate settings and actions."""
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form, Visible, choices, language_choices
from ..i18n import _l
from ..i18n.fields import MultilingualField
from .languages import MODES


class SettingsForm(Form):
    language_mode = RadioField(
        _l("Certificate languages"), default=MODES[0], choices=choices(zip(MODES, (
            _l("English and the participant's language"), _l("The participant's language only"),
            _l("Two languages chosen here, the same for everyone")))),
        description=_l("The agenda and worksheet PDFs follow the same choice."))
    fixed_language1 = SelectField(_l("First language"), choices=language_choices([("", "—")]),
                                  default="")
    fixed_language2 = SelectField(_l("Second language"), choices=language_choices([("", "—")]),
                                  default="")
    native_digits = BooleanField(_l("Thai, Lao, Khmer and Myanmar numerals"), description=_l(
        "Dates, hours and the certificate number in the language's own digits. The QR code and "
        "the verification address stay as they are."))
    arrangement = RadioField(_l("Languages on the page"), default="side_by_side", choices=choices([
        ("side_by_side", _l("Side by side")), ("stacked", _l("One above the other"))]))
    title = MultilingualField(_l("Title"), max_length=120, validators=[Visible()],
                              description=_l("Empty: “Certificate of Participation” in each language."))
    wording = MultilingualField(_l("Wording"), multiline=True, max_length=600,
                                description=_l("Empty: the layout's standard wording in each language."))
    issue_place = MultilingualField(_l("Place of issue"), max_length=120)
    signatory1_name = StringField(_l("First signatory: name"),
                                  validators=[Visible(), Length(max=200)])
    signatory1_title = MultilingualField(_l("First signatory: title"), max_length=200,
                                         validators=[Visible()])
    signatory1_image = FileField(_l("First signatory: signature image"),
                                 description=_l("PNG or JPEG, at most 1 MB."))
    signatory2_name = StringField(_l("Second signatory: name"),
                                  validators=[Visible(), Length(max=200)])
    signatory2_title = MultilingualField(_l("Second signatory: title"), max_length=200,
                                         validators=[Visible()])
    signatory2_image = FileField(_l("Second signatory: signature image"),
                                 description=_l("PNG or JPEG, at most 1 MB."))
    pdfa = BooleanField(_l("Archive-quality PDF (PDF/A-3b)"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.language_mode.data == "pair":
            for field in (self.fixed_language1, self.fixed_language2):
                if not field.data:
                    field.errors.append(_l("Choose the two languages."))
                    valid = False
            if valid and self.fixed_language1.data == self.fixed_language2.data:
                self.fixed_language2.errors.append(_l("Choose two different languages."))
                valid = False
        return valid


class ReasonForm(Form):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])


class ConfirmForm(Form):
    """Issuing, reissuing or issuing all: the trainer's answer when the course has not ended."""
    confirm_early = HiddenField(default="")

    def confirmed_early(self) -> bool:
        return self.confirm_early.data == "1"


class IssueForm(ConfirmForm):
    reason = StringField(_l("Reason for issuing below the attendance threshold"), validators=[Length(max=300)])
