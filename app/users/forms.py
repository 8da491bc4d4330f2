"""Forms for staff accounts."""
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ..auth.forms import strong_enough
from ..auth.models import ROLES
from ..forms import Form, Visible, choices, language_choices
from ..i18n import _l

ROLE_LABELS = {"admin": _l("Admin"), "trainer": _l("Trainer")}


class UserForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Visible(), DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=choices((role, ROLE_LABELS[role]) for role in ROLES))
    language = SelectField(_l("Language"), choices=[], validators=[Optional()])
    active = BooleanField(_l("Account active"), default=True)
    password = PasswordField(_l("New password"), validators=[Optional(), strong_enough],
                             render_kw={"autocomplete": "new-password"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices([("", _l("As the browser asks"))])


class AccountForm(Form):
    name = StringField(_l("Name"), validators=[Visible(), DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=[], validators=[Optional()])
    current_password = PasswordField(_l("Current password"), validators=[Optional()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[Optional(), strong_enough],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[
        EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = language_choices([("", _l("As the browser asks"))])
