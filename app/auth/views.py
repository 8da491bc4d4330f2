"""Staff sign-in and sign-out (/login and /logout are stable addresses), the password reset by
email, and the optional second factor (two-step sign-in)."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import client_address, db, login_manager
from ..forms import protect, render_form
from ..i18n import _, _l, current_language
from ..web.limits import limited
from . import known_browsers, operations, password_reset, second_factor
from .forms import CodeForm, DisableForm, EnrolForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from .models import User

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"

PENDING = "signin_pending"  # session key: the password was right, the code is still due


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    identifier, _sep, stamp = user_id.partition(":")
    user = db.session.get(User, int(identifier)) if identifier.isdigit() else None
    if user is None or user.get_id() != user_id:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
@limited("LOGIN_RATE_LIMIT")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("courses.manage_list"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data, client_address(),
                                           request.cookies.get(known_browsers.COOKIE))
        except operations.LoginRefused:
            form.form_errors.append(_("The email or password is not correct."))
        else:
            next_url = _safe_next(request.args.get("next"))
            if user.has_second_factor:
                session[PENDING] = operations.pending_signin(user, next_url)
                return redirect(url_for(".second_step"))
            return _signed_in(user, next_url)
    return render_form("auth/login.html", form)


@bp.route("/login/code", methods=["GET", "POST"])
@limited("LOGIN_RATE_LIMIT")
def second_step():
    """The second step: the code from the user's authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("courses.manage_list"))
    pending = session.get(PENDING)
    user = operations.pending_user(pending)
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please sign in again: the code was not entered within a few minutes."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            operations.confirm_code(user, form.code.data, client_address())
        except operations.LoginRefused:
            form.code.errors.append(_("The code is not correct. Wait for the next code and try "
                                      "again."))
        else:
            session.pop(PENDING, None)
            return _signed_in(user, pending.get("next"))
    return render_form("auth/code.html", form)


def _signed_in(user: User, next_url: str | None):
    login_user(user)
    db.session.commit()
    return known_browsers.remember(redirect(next_url or url_for("courses.manage_list")), user.email)


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    if request.method != "POST":  # a link checker's GET or HEAD must not sign anyone out
        return render_template("auth/logout.html")
    protect()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("core.index"))


@bp.route("/login/forgot", methods=["GET", "POST"])
@limited("PASSWORD_RESET_RATE_LIMIT")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data, current_language())
        db.session.commit()
        # The same page whether or not an account has this address.
        return render_template("auth/forgot_sent.html")
    return render_form("auth/forgot.html", form)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
@limited("PASSWORD_RESET_RATE_LIMIT")
def reset_password(token: str):
    try:
        password_reset.user_for(token)
    except password_reset.ResetLinkInvalid:
        return render_template("auth/reset_invalid.html"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        password_reset.reset_password(token, form.password.data, client_address())
        db.session.commit()
        flash(_("Your new password is set. Please sign in with it."), "success")
        return redirect(url_for(".login"))
    return render_form("auth/reset.html", form)


@bp.route("/manage/account/security")
@login_required
def security():
    """Two-step sign-in: enrol (a fresh secret each time the page is opened) or switch off."""
    if current_user.has_second_factor:
        return render_form("auth/security.html", DisableForm(formdata=None))
    form = EnrolForm(formdata=None, secret=second_factor.new_secret())
    return _enrol_page(form)


@bp.route("/manage/account/security/enrol", methods=["POST"])
@login_required
@limited("LOGIN_RATE_LIMIT")
def enrol():
    if current_user.has_second_factor:
        return redirect(url_for(".security"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            second_factor.enrol(current_user._get_current_object(), form.secret.data,
                                form.code.data)
        except second_factor.SecondFactorRefused:
            form.code.errors.append(_("The code does not match. Check that your phone's clock is "
                                      "right and enter the code the app shows now."))
        else:
            db.session.commit()
            flash(_("Two-step sign-in is on: from now on, signing in also asks for a code from "
                    "your app."), "success")
            return redirect(url_for(".security"))
    if not second_factor.is_secret(form.secret.data):
        form.secret.data = second_factor.new_secret()  # a tampered form: start afresh
    return _enrol_page(form)


def _enrol_page(form: EnrolForm):
    secret = form.secret.data
    return render_form("auth/security.html", form, secret=secret,
                       qr=second_factor.qr_data_uri(current_user, secret))


@bp.route("/manage/account/security/disable", methods=["POST"])
@login_required
@limited("LOGIN_RATE_LIMIT")
def disable():
    if not current_user.has_second_factor:
        return redirect(url_for(".security"))
    form = DisableForm()
    if form.validate_on_submit():
        try:
            second_factor.disable(current_user._get_current_object(), form.password.data,
                                  form.code.data, client_address())
        except second_factor.SecondFactorRefused:
            form.form_errors.append(_("The password or the code is not correct."))
        else:
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for(".security"))
    return render_form("auth/security.html", form)


def _safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:  # browsers read /\evil.example as //evil.example
        return None
    return target
