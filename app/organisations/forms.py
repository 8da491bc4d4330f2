"""The organisation form."""
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, URLField
from wtforms.validators import Length, Optional, URL

from ..forms import Form, Visible
from ..i18n import _l
from ..i18n.fields import MultilingualField


class OrganisationForm(Form):
    name = MultilingualField(_l("Name"), required_any=True, max_length=200, validators=[Visible()])
    acronym = StringField(_l("Short name or acronym"), validators=[Visible(), Length(max=40)],
                          description=_l("Shown where space is short, e.g. ASEAN-IPR."))
    country = SelectField(_l("Country"), validators=[Optional()], choices=[])
    website = URLField(_l("Website"), validators=[Optional(), URL(), Length(max=300)])
    logo = FileField(_l("Logo"), description=_l("PNG or JPEG, at most 1 MB."))
    remove_logo = BooleanField(_l("Remove the current logo"))
