"""Participants' pages: registering, nominating a delegation, and the personal page."""
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime

from ..courses.views import get_course
from ..extensions import db
from ..forms import protect, render_form
from ..i18n import _, page_for
from ..reference import asean_members, ministries
from . import operations, privacy
from .forms import HONORIFICS, NominationForm, RegistrationForm
from .labels import status_label
from .models import Delegation
from .names import certificate_name, script_language

bp = Blueprint("registrations", __name__)
bp.add_app_template_global(operations.registration_state, "registration_state")
bp.add_app_template_global(certificate_name, "certificate_name")
bp.add_app_template_global(script_language, "script_language")
bp.add_app_template_global(status_label, "status_label")
bp.add_app_template_global(lambda day, format="medium": format_date(day, format, rebase=False), "format_date")
bp.add_app_template_global(format_datetime, "format_datetime")
bp.add_app_template_global(asean_members, "asean_members")
bp.add_app_template_global(ministries, "country_ministries")


@bp.app_template_global()
def ministry_name(country: str, code: str) -> str:
    """A ministry's name in the reader's language ("" when not listed)."""
    for ministry in ministries(country) if code else ():
        if ministry.code == code:
            return str(ministry.name)
    return ""


def person_from(form, country: str) -> operations.Person:
    """The person a registration or nomination form describes."""
    data = {name: getattr(form, name).data or "" for name in (
        "full_name", "family_name", "given_names", "name_order", "honorific", "native_name",
        "address_as", "sex", "age_group", "organisation_type", "organisation", "position", "email",
        "language")}
    for name in ("phone", "certificate_language", "dietary", "accessibility"):
        if hasattr(form, name):
            data[name] = getattr(form, name).data or ""
    return operations.Person(country=country, ministry=form.ministry_code(), **data)


@bp.route("/courses/<slug>/register", methods=["GET", "POST"])
def register(slug: str):
    course = get_course(slug)
    state = operations.registration_state(course)
    form = RegistrationForm()
    if state != "open":
        return render_template("registrations/closed.html", course=course, state=state), \
            200 if request.method == "GET" else 409
    if form.validate_on_submit():
        registration = operations.register(
            course, person_from(form, form.country.data), submission_key=form.submission_key.data,
            consent_version=course.privacy_version or "1")
        db.session.commit()
        return redirect(url_for(".personal", token=registration.token, welcome=1))
    return render_form("registrations/register.html", form, course=course,
                       full=not operations.has_place(course, form.country.data or ""),
                       honorifics=HONORIFICS)


@bp.route("/courses/<slug>/nominate/<token>", methods=["GET", "POST"])
def nominate(slug: str, token: str):
    course = get_course(slug)
    delegation = db.session.query(Delegation).filter_by(course_id=course.id, nomination_token=token).first()
    if delegation is None or not token:
        abort(404)
    if operations.registration_state(course) != "open":
        return render_template("registrations/closed.html", course=course, state="closed"), 409
    form = NominationForm(country=delegation.country)
    if form.validate_on_submit():
        people = form.filled()
        if not people:
            form.form_errors.append(_("Enter at least one person."))
        else:
            registrations = operations.nominate(course, delegation, [
                person_from(entry, delegation.country) for entry in people],
                submission_key=form.submission_key.data)
            db.session.commit()
            return render_template("registrations/nominated.html", course=course,
                                   delegation=delegation, registrations=registrations)
    return render_form("registrations/nominate.html", form, course=course, delegation=delegation,
                       free=operations.places_left(course, delegation.country))


def get_registration(token: str):
    registration = operations.find_by_token(token)
    if registration is None:
        abort(404)
    page_for(participant=registration)  # their own page: in the language they registered in
    return registration


@bp.route("/p/<token>/")
def personal(token: str):
    from ..agenda.attendance import remember_participant
    from ..agenda.operations import days

    registration = get_registration(token)
    remember_participant(registration)
    return render_template("registrations/personal.html", registration=registration,
                           course=registration.course, welcome=request.args.get("welcome"),
                           days=days(registration.course))


@bp.route("/p/<token>/data.json")
def my_data(token: str):
    """Everything we hold about the participant, as a download."""
    registration = get_registration(token)
    body = json.dumps(privacy.personal_data(registration), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=my-registration.json"})


@bp.route("/p/<token>/cancel", methods=["POST"])
def cancel(token: str):
    registration = get_registration(token)
    protect()
    erase = request.form.get("erase") == "1"
    if erase and request.form.get("confirm") != "1":
        flash(_("Tick the box to confirm that your data should be deleted."), "error")
        return redirect(url_for(".personal", token=token))
    if erase:
        privacy.request_deletion(registration)
        flash(_("Your registration is cancelled and your data will be deleted."), "success")
    else:
        operations.change_status(registration, "cancelled")
        flash(_("Your registration is cancelled."), "success")
    db.session.commit()
    if erase:
        return redirect(url_for("courses.public", slug=registration.course.slug))
    return redirect(url_for(".personal", token=token))
