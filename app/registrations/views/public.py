"""Participants' pages: registering, nominating a delegation, and the personal page."""
import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, \
    url_for

from ...extensions import db
from ...forms import render_form, protect
from ...i18n import _
from ...web.limits import limited
from ...web.loaders import get_course, get_registration, remember_participant
from ...web.routes import Routes
from .. import operations, privacy
from ..forms import HONORIFICS, NominationForm, RegistrationForm
from ..models import Delegation
from .common import person_from

routes = Routes()


@routes.route("/courses/<slug>/register", methods=["GET", "POST"])
@limited("REGISTRATION_RATE_LIMIT")
def register(slug: str):
    course = get_course(slug)
    state = operations.registration_state(course)
    form = RegistrationForm()
    form.ask_attendance_mode(course.mode)
    if state != "open":
        return render_template("registrations/closed.html", course=course, state=state), \
            409 if request.method == "POST" else 200
    if form.validate_on_submit():  # (a filled honeypot fails here, as any invalid field)
        try:
            registration = operations.register(
                course, person_from(form, form.country.data),
                submission_key=form.submission_key.data,
                consent_version=course.privacy_version or "1",
                daily_cap=current_app.config["REGISTRATION_DAILY_CAP"])
        except operations.DailyCapReached as refused:
            form.email.errors.append(str(refused))
        else:
            db.session.commit()
            return redirect(url_for(".personal", token=registration.token, welcome=1))
    return render_form("registrations/register.html", form, course=course,
                       full=not operations.has_place(course, form.country.data or ""),
                       honorifics=HONORIFICS)


@routes.route("/courses/<slug>/nominate/<token>", methods=["GET", "POST"])
@limited("NOMINATION_RATE_LIMIT")
def nominate(slug: str, token: str):
    course = get_course(slug)
    delegation = db.session.query(Delegation).filter_by(course_id=course.id, nomination_token=token).first()
    if delegation is None or not token:
        abort(404)
    state = operations.registration_state(course)
    if state != "open":  # the page says why; only a sent form is refused
        return render_template("registrations/closed.html", course=course, state=state,
                               delegation=delegation), 409 if request.method == "POST" else 200
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


@routes.route("/p/<token>/")
def personal(token: str):
    registration = get_registration(token)
    remember_participant(registration)
    return render_template("registrations/personal.html", registration=registration,
                           course=registration.course, welcome=request.args.get("welcome"))


@routes.route("/p/<token>/data.json")
def my_data(token: str):
    """Everything we hold about the participant, as a download."""
    registration = get_registration(token)
    body = json.dumps(privacy.personal_data(registration), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": "attachment; filename=my-registration.json"})


@routes.route("/p/<token>/cancel", methods=["POST"])
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
