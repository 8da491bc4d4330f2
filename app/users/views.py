"""Staff account pages."""
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user

from ..auth.access import admin_required
from ..auth.models import User
from ..auth.operations import find_user
from ..extensions import db
from ..i18n import _
from . import operations
from .forms import ROLE_LABELS, AccountForm, UserForm

bp = Blueprint("users", __name__)


@bp.app_template_global()
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
        other = find_user(form.email.data)
        if other is not None and other is not user:
            form.email.errors.append(_("Another account already uses this email."))
        elif user is None and not form.password.data:
            form.password.errors.append(_("Give the new account a password."))
        elif user is not None and user.id == current_user.id and (
                form.role.data != "admin" or not form.active.data):
            form.role.errors.append(_("You cannot remove your own admin rights or account."))
        else:
            operations.save_user(user, email=form.email.data, name=form.name.data,
                                 role=form.role.data, language=form.language.data or None,
                                 active=form.active.data, password=form.password.data or None)
            db.session.commit()
            flash(_("The account is saved."), "success")
            return redirect(url_for(".manage_list"))
    status = 400 if form.errors else 200
    return render_template("users/edit.html", form=form, user=user), status


@bp.route("/manage/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        if form.password.data and not current_user.check_password(form.current_password.data or ""):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            operations.update_account(current_user, name=form.name.data,
                                      language=form.language.data or None,
                                      password=form.password.data or None)
            db.session.commit()
            login_user(current_user._get_current_object())  # the id changes with the password
            session.pop("lang", None)  # let the new preference apply
            flash(_("Your account is saved."), "success")
            return redirect(url_for(".account"))
    status = 400 if form.errors else 200
    return render_template("users/account.html", form=form), status
