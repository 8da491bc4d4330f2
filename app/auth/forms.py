"""Sign-in form."""
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from ..forms import Form
from ..i18n import _l


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
