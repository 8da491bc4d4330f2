"""Staff sign-in and sign-out (/login and /logout are stable addresses)."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for

from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..forms import protect, render_form
from ..i18n import _, _l
from .forms import LoginForm
from .models import User
from .operations import LoginRefused, authenticate

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    identifier, _sep, stamp = user_id.partition(":")
    user = db.session.get(User, int(identifier)) if identifier.isdigit() else None
    if user is None or user.get_id() != user_id:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("courses.manage_list"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginRefused as refused:
            db.session.commit()  # keep the failure count
            if refused.locked:
                form.form_errors.append(_(
                    "Too many failed attempts. This account is locked for %(minutes)d minutes.",
                    minutes=refused.minutes))
            else:
                form.form_errors.append(_("The email or password is not correct."))
        else:
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("courses.manage_list"))
    return render_form("auth/login.html", form)


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    if request.method != "POST":  # a link checker's GET or HEAD must not sign anyone out
        return render_template("auth/logout.html")
    protect()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("core.index"))


def _safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:  # browsers read /\evil.example as //evil.example
        return None
    return target
