"""The form of the API token page."""
from flask_babel import ngettext
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import Form, Visible, choices
from ..i18n import _l
from .operations import EXPIRY_DAYS

SCOPE_LABELS = {"read": _l("Read only"), "write": _l("Read and write")}


class TokenForm(Form):
    name = StringField(_l("Name"), validators=[Visible(), DataRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. the ministry's registration system."))
    scope = RadioField(_l("Access"), choices=choices(SCOPE_LABELS.items()), default="read")
    expires = SelectField(_l("Expires"), default=str(EXPIRY_DAYS[1]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expires.choices = choices([
            *((str(days), ngettext("In %(num)d day", "In %(num)d days", days)) for days in EXPIRY_DAYS),
            ("never", _l("Never"))])

    def expiry_days(self) -> int | None:
        return None if self.expires.data == "never" else int(self.expires.data)
