"""Trainers' pages: the registration list, one registration, delegations and nomination links."""
import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from ..courses.views import get_managed_course
from ..extensions import db
from ..forms import protect, render_form
from ..i18n import _
from . import operations
from .forms import HONORIFICS, BulkForm, ImportForm, NominationLinkForm, RegistrationForm, SEX_LABELS, StatusForm, \
    organisation_type_choices
from .labels import STATUS_LABELS
from .models import STATUSES, Delegation, Registration, RegistrationEvent
from .names import fold
from .notifications import notify_registered
from .views import bp, person_from

FILTERS = ("country", "status", "sex", "organisation_type", "ministry")


def filtered(course, args) -> sa.Select:
    """The registrations matching the list's filters and search (any name form, any accents)."""
    query = sa.select(Registration).where(Registration.course_id == course.id,
                                          Registration.anonymised_at.is_(None))
    for name in FILTERS:
        if args.get(name):
            query = query.where(getattr(Registration, name) == args[name])
    if args.get("q"):
        for word in fold(args["q"]).split()[:5]:
            query = query.where(Registration.search_name.contains(word, autoescape=True))
    return query


@bp.route("/manage/courses/<slug>/registrations/", methods=["GET", "POST"])
@login_required
def manage_list(slug: str):
    course = get_managed_course(slug)
    form = BulkForm()
    if request.method == "POST" and form.validate_on_submit():
        chosen = db.session.scalars(sa.select(Registration).where(
            Registration.course_id == course.id, Registration.id.in_(form.selected.data or []))).all()
        changed = sum(operations.change_status(r, form.status.data, current_user, form.reason.data or "")
                      for r in chosen)
        db.session.commit()
        flash(ngettext("%(num)d registration changed.", "%(num)d registrations changed.", changed), "success")
        return redirect(request.full_path)
    registrations = db.session.scalars(filtered(course, request.args).order_by(
        Registration.country, Registration.certificate_name)).all()
    counts = dict(db.session.execute(sa.select(Registration.status, sa.func.count()).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None))
        .group_by(Registration.status)).all())
    duplicates = duplicate_ids(course)
    countries = db.session.scalars(sa.select(Registration.country).where(
        Registration.course_id == course.id).distinct()).all()
    return render_form("registrations/manage_list.html", form, course=course, countries=countries,
                       registrations=registrations, counts=counts, duplicates=duplicates,
                       statuses=STATUSES, status_labels=STATUS_LABELS, sex_labels=SEX_LABELS,
                       organisation_types=organisation_type_choices(), args=request.args)


def duplicate_ids(course) -> set[int]:
    """Registrations sharing an email, or a folded name and country, with another (one query)."""
    rows = db.session.execute(sa.select(Registration.id, Registration.email, Registration.full_name,
                                        Registration.country).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None),
        Registration.status != "cancelled")).all()
    seen: dict[tuple, list[int]] = {}
    for rid, email, name, country in rows:
        seen.setdefault(("email", email), []).append(rid)
        seen.setdefault(("name", fold(name), country), []).append(rid)
    return {rid for ids in seen.values() if len(ids) > 1 for rid in ids}


def get_managed_registration(slug: str, registration_id: int):
    course = get_managed_course(slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id or registration.anonymised_at:
        abort(404)
    return course, registration


@bp.route("/manage/courses/<slug>/registrations/<int:registration_id>", methods=["GET", "POST"])
@login_required
def manage_detail(slug: str, registration_id: int):
    course, registration = get_managed_registration(slug, registration_id)
    form = StatusForm(status=registration.status)
    if form.validate_on_submit():
        operations.change_status(registration, form.status.data, current_user, form.reason.data or "")
        db.session.commit()
        flash(_("The status is changed and the participant told."), "success")
        return redirect(request.path)
    events = db.session.scalars(sa.select(RegistrationEvent).where(
        RegistrationEvent.registration_id == registration.id).options(
        selectinload(RegistrationEvent.actor)).order_by(RegistrationEvent.at)).all()
    return render_form("registrations/manage_detail.html", form, course=course,
                       registration=registration, events=events,
                       duplicates=operations.duplicates_of(registration), status_labels=STATUS_LABELS,
                       sex_labels=SEX_LABELS)


@bp.route("/manage/courses/<slug>/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@login_required
def manage_edit(slug: str, registration_id: int):
    course, registration = get_managed_registration(slug, registration_id)
    form = RegistrationForm(obj=registration)
    del form.consent, form.confirm_name
    if not form.is_submitted():
        form.ministry.data = f"{registration.country}:{registration.ministry}" if registration.ministry else \
            ("other" if registration.organisation_type == "government" else "")
    if form.validate_on_submit():
        operations.update_person(registration, person_from(form, form.country.data))
        db.session.commit()
        flash(_("The registration is saved."), "success")
        return redirect(url_for(".manage_detail", slug=slug, registration_id=registration.id))
    return render_form("registrations/manage_edit.html", form, course=course,
                       registration=registration, honorifics=HONORIFICS)


@bp.route("/manage/courses/<slug>/registrations/<int:registration_id>/link", methods=["POST"])
@login_required
def manage_link(slug: str, registration_id: int):
    """Resend the personal link, or revoke it and send a new one."""
    course, registration = get_managed_registration(slug, registration_id)
    protect()
    if request.form.get("action") == "revoke":
        operations.renew_link(registration)
        flash(_("The old personal link no longer works; the new one has been sent."), "success")
    else:
        flash(_("The personal link has been sent again."), "success")
    notify_registered(registration)
    db.session.commit()
    return redirect(url_for(".manage_detail", slug=slug, registration_id=registration.id))


@bp.route("/manage/courses/<slug>/registrations/<int:registration_id>/merge/<int:other_id>",
          methods=["POST"])
@login_required
def manage_merge(slug: str, registration_id: int, other_id: int):
    """Keep this registration, fill its blanks from the duplicate, and remove the duplicate."""
    course, registration = get_managed_registration(slug, registration_id)
    _course, other = get_managed_registration(slug, other_id)
    if other.id == registration.id:
        abort(404)
    protect()
    operations.merge(registration, other, current_user)
    db.session.commit()
    flash(_("The duplicate is merged into this registration."), "success")
    return redirect(url_for(".manage_detail", slug=slug, registration_id=registration.id))


@bp.route("/manage/courses/<slug>/registrations/export.<any(csv, xlsx):format>")
@login_required
def export(slug: str, format: str):
    """Download the registrations as a spreadsheet, headers in the reader's language."""
    from io import BytesIO

    from .exchange import write_csv, write_xlsx

    course = get_managed_course(slug)
    buffer = BytesIO()
    (write_csv if format == "csv" else write_xlsx)(course, buffer)
    data = buffer.getvalue()
    mimetype = "text/csv; charset=utf-8" if format == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={course.slug}-registrations.{format}"})


@bp.route("/manage/courses/<slug>/registrations/import", methods=["GET", "POST"])
@login_required
def import_file(slug: str):
    """Register everyone in a CSV or XLSX file, or no one, with a row-by-row report."""
    from .exchange import ImportFileError, import_rows, read_table

    course = get_managed_course(slug)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = import_rows(course, read_table(upload.filename or "", upload.read()))
        except ImportFileError as problem:
            form.file.errors.append(str(problem))
        else:
            if report.ok:
                db.session.commit()
                flash(_("%(count)d registrations imported.", count=report.imported), "success")
                return redirect(url_for(".manage_list", slug=slug))
            db.session.rollback()
    status_ok = report is None or report.ok
    page, status = render_form("registrations/import.html", form, course=course, report=report)
    return page, (status if status_ok else 400)


@bp.route("/manage/courses/<slug>/delegations/", methods=["GET", "POST"])
@login_required
def manage_delegations(slug: str):
    course = get_managed_course(slug)
    form = NominationLinkForm()
    if form.validate_on_submit():
        delegation = operations.invite_focal_point(course, form.country.data, form.focal_name.data,
                                                   form.focal_email.data)
        db.session.commit()
        flash(_("The nomination link is sent to %(name)s.", name=delegation.focal_name), "success")
        return redirect(request.path)
    delegations = db.session.scalars(sa.select(Delegation).where(Delegation.course_id == course.id)
                                     .order_by(Delegation.country)).all()
    counts = dict(db.session.execute(sa.select(Registration.country, sa.func.count()).where(
        Registration.course_id == course.id, Registration.status.in_(("pending", "approved")))
        .group_by(Registration.country)).all())
    return render_form("registrations/delegations.html", form, course=course, delegations=delegations,
                       counts=counts)


@bp.route("/manage/courses/<slug>/delegations/<int:delegation_id>/revoke", methods=["POST"])
@login_required
def manage_revoke_nomination(slug: str, delegation_id: int):
    course = get_managed_course(slug)
    protect()
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.course_id != course.id:
        abort(404)
    operations.revoke_nomination(delegation)
    db.session.commit()
    flash(_("The nomination link no longer works."), "success")
    return redirect(url_for(".manage_delegations", slug=slug))


