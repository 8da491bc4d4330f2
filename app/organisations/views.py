"""Staff pages for organisations, and their public logos."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import choices, render_form
from ..i18n import _, current_language
from ..i18n.fields import apply_languages
from ..reference import country_choices
from ..web.files import stored_file_response
from ..web.templates import add_helper
from . import logos
from .forms import OrganisationForm
from .models import Organisation
from .operations import can_edit, save_organisation

bp = Blueprint("organisations", __name__)
# Templates show an uploaded image only through this: never an SVG stored before SVG was refused.
add_helper(logos.shown_image, "shown_image")


@bp.route("/manage/organisations/")
@login_required
def manage_list():
    organisations = db.session.scalars(sa.select(Organisation)).all()
    organisations.sort(key=lambda org: str(org.name.localize(current_language())).casefold())
    return render_template("organisations/list.html", organisations=organisations)


@bp.route("/manage/organisations/new", methods=["GET", "POST"])
@login_required
def create():
    return _edit(None)


@bp.route("/manage/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    return _edit(db.get_or_404(Organisation, organisation_id))


def _edit(organisation: Organisation | None):
    if organisation is not None and not can_edit(current_user, organisation):
        abort(403)
    form = OrganisationForm(obj=organisation)
    form.country.choices = choices([("", "—"), *country_choices()])
    apply_languages(form, current_app.config["DEFAULT_SECOND_LANGUAGES"], "en")
    if form.validate_on_submit():
        upload = form.logo.data
        try:
            organisation, obsolete = save_organisation(
                organisation, name=form.name.data, acronym=form.acronym.data or "",
                country=form.country.data, website=form.website.data or "",
                logo=logos.uploaded(upload),
                remove_logo=form.remove_logo.data)
        except logos.LogoRejected as problem:
            form.logo.errors = [str(problem)]
        else:
            db.session.commit()
            logos.remove(obsolete)
            flash(_("The organisation is saved."), "success")
            return redirect(url_for(".manage_list"))
    return render_form("organisations/edit.html", form, organisation=organisation)


@bp.route("/logos/<name>")
def logo(name: str):
    """Serve an uploaded logo (names are random; no listing)."""
    if not logos.is_stored_name(name):  # (werkzeug's secure_filename strips a leading "_")
        abort(404)
    return stored_file_response(logos.key_of(name), name, max_age=86400)
