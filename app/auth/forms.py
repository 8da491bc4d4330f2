"""Forms for signing in, resetting a password and the second factor."""
from wtforms import EmailField, HiddenField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..forms import Form
from ..i18n import _, _l

MIN_PASSWORD = 10


def strong_enough(form, field):
    if field.data and len(field.data) < MIN_PASSWORD:
        raise ValidationError(_("Use at least %(count)d characters.", count=MIN_PASSWORD))


def code_field():
    """Six digits from the authenticator app (phones offer them from an SMS-like prompt)."""
    return StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "pattern": r"[0-9 ]*", "maxlength": 12})


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class CodeForm(Form):
    code = code_field()


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})


class NewPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200),
                                                             strong_enough],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"})


class EnrolForm(Form):
    secret = HiddenField()  # the new secret, shown on the page; stored once a code matches
    code = code_field()


class DisableForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    code = code_field()
