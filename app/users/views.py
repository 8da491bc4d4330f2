"""Staff account pages."""
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user

from ..auth import second_factor
from ..auth.access import admin_required
from ..auth.models import User
from ..extensions import db
from ..forms import protect, render_form
from ..i18n import _
from ..web.limits import limited
from ..web.templates import helper
from . import operations
from .forms import ROLE_LABELS, AccountForm, UserForm

bp = Blueprint("users", __name__)


@helper()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.route("/manage/users/")
@admin_required
def manage_list():
    users = db.session.scalars(sa.select(User).order_by(User.name)).all()
    return render_template("users/list.html", users=users)


@bp.route("/manage/users/new", methods=["GET", "POST"])
@admin_required
def create():
    return _edit(None)


@bp.route("/manage/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(user_id: int):
    return _edit(db.get_or_404(User, user_id))


def _edit(user: User | None):
    form = UserForm(obj=user)
    if form.validate_on_submit():
        try:
            operations.save_user(current_user, user, email=form.email.data, name=form.name.data,
                                 role=form.role.data, language=form.language.data or None,
                                 active=form.active.data, password=form.password.data or None)
        except operations.AccountRejected as problem:
            form[problem.field].errors.append(str(problem))
        else:
            db.session.commit()
            flash(_("The account is saved."), "success")
            return redirect(url_for(".manage_list"))
    return render_form("users/edit.html", form, user=user)


@bp.route("/manage/users/<int:user_id>/second-factor/remove", methods=["POST"])
@admin_required
def remove_second_factor(user_id: int):
    """For someone who lost their phone: they sign in with the password alone, then enrol again."""
    user = db.get_or_404(User, user_id)
    protect()
    second_factor.remove(user)
    db.session.commit()
    flash(_("Two-step sign-in is off for this account."), "success")
    return redirect(url_for(".edit", user_id=user.id))


@bp.route("/manage/account", methods=["GET", "POST"])
@login_required
@limited("LOGIN_RATE_LIMIT")  # it checks the current password: no unlimited guessing from a session
def account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            operations.update_account(user, name=form.name.data, language=form.language.data or None,
                                      password=form.password.data or None,
                                      current_password=form.current_password.data)
        except operations.AccountRejected as problem:
            form[problem.field].errors.append(str(problem))
        else:
            db.session.commit()
            login_user(user)  # the session id changes with the password
            session.pop("lang", None)  # let the new preference apply
            flash(_("Your account is saved."), "success")
            return redirect(url_for(".account"))
    return render_form("users/account.html", form)
