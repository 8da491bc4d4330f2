"""Trainers' pages: the registration list, one registration, delegations and nomination links."""
from io import BytesIO

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...forms import protect, render_form
from ...i18n import _
from ...web.files import xlsx_response
from ...web.loaders import get_managed_course, get_of_course
from ...web.routes import Routes
from .. import listing, operations
from ..exchange import export as export_registrations, import_upload, required_labels
from ..forms import HONORIFICS, BulkForm, ImportForm, NominationLinkForm, RegistrationForm, \
    SEX_LABELS, StatusForm, organisation_type_choices
from ..labels import STATUS_LABELS
from ..models import STATUSES, Delegation, Registration, RegistrationEvent
from .common import person_from
from .list_rows import shown_rows

routes = Routes()


@routes.route("/manage/courses/<slug>/registrations/", methods=["GET", "POST"])
@login_required
def manage_list(slug: str):
    """One page of the list (filters, search, sort and page in the URL) and the bulk change of
    the ticked rows, or of every registration the filters match once the count is confirmed."""
    course = get_managed_course(slug)
    form = BulkForm()
    args = request.args.to_dict()  # a plain dict: read a dozen times, mostly for absent keys
    if request.method == "POST" and form.validate_on_submit():
        targets = listing.matching(course, args) if form.everyone.data else \
            listing.chosen(course, form.selected.data)
        if form.everyone.data and form.expected.data != len(targets):
            return render_form("registrations/manage_bulk_confirm.html", form, course=course,
                               total=len(targets), status_labels=STATUS_LABELS)
        changed = operations.change_statuses(targets, form.status.data, current_user, form.reason.data or "")
        db.session.commit()
        flash(ngettext("%(num)d registration changed.", "%(num)d registrations changed.", changed), "success")
        return redirect(request.full_path)
    counts, countries = listing.tally(course)
    page = listing.page(course, args, counts)
    return render_form("registrations/manage_list.html", form, course=course, countries=countries,
                       page=page, rows=shown_rows(page), counts=counts, statuses=STATUSES,
                       status_labels=STATUS_LABELS, sex_labels=SEX_LABELS,
                       organisation_types=organisation_type_choices(), args=args,
                       page_sizes=listing.PAGE_SIZES)


def get_managed_registration(slug: str, registration_id: int):
    course = get_managed_course(slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.course_id != course.id or registration.anonymised_at:
        abort(404)
    return course, registration


@routes.route("/manage/courses/<slug>/registrations/<int:registration_id>", methods=["GET", "POST"])
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


@routes.route("/manage/courses/<slug>/registrations/<int:registration_id>/edit", methods=["GET", "POST"])
@login_required
def manage_edit(slug: str, registration_id: int):
    course, registration = get_managed_registration(slug, registration_id)
    form = RegistrationForm(obj=registration)
    del form.consent, form.confirm_name, form.homepage
    form.ask_attendance_mode(course.mode)
    if not form.is_submitted():
        form.ministry.data = f"{registration.country}:{registration.ministry}" if registration.ministry else \
            ("other" if registration.organisation_type == "government" else "")
    if form.validate_on_submit():
        operations.update_person(registration, person_from(form, form.country.data), current_user)
        db.session.commit()
        flash(_("The registration is saved."), "success")
        return redirect(url_for(".manage_detail", slug=slug, registration_id=registration.id))
    return render_form("registrations/manage_edit.html", form, course=course,
                       registration=registration, honorifics=HONORIFICS)


@routes.route("/manage/courses/<slug>/registrations/<int:registration_id>/link", methods=["POST"])
@login_required
def manage_link(slug: str, registration_id: int):
    """Resend the personal link, or revoke it and send a new one."""
    course, registration = get_managed_registration(slug, registration_id)
    protect()
    renew = request.form.get("action") == "revoke"
    operations.send_link(registration, renew=renew, actor=current_user)
    db.session.commit()
    flash(_("The old personal link no longer works; the new one has been sent.") if renew
          else _("The personal link has been sent again."), "success")
    return redirect(url_for(".manage_detail", slug=slug, registration_id=registration.id))


@routes.route("/manage/courses/<slug>/registrations/<int:registration_id>/merge/<int:other_id>",
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


@routes.route("/manage/courses/<slug>/registrations/export.<any(csv, xlsx):format>")
@login_required
def export(slug: str, format: str):
    """Download the registrations as a spreadsheet, headers in the reader's language."""
    course = get_managed_course(slug)
    buffer = BytesIO()
    export_registrations(course, buffer, format)
    filename = f"{course.slug}-registrations.{format}"
    if format == "xlsx":
        return xlsx_response(buffer.getvalue(), filename)
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename={filename}"})


@routes.route("/manage/courses/<slug>/registrations/import", methods=["GET", "POST"])
@login_required
def import_file(slug: str):
    """Register everyone in a CSV or XLSX file, or no one, with a row-by-row report (also of the
    rows that asked for a place and went on the waitlist)."""
    course = get_managed_course(slug)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = import_upload(course, form.file)  # committed, or nothing written
        if report is not None and report.ok:
            flash(_("%(count)d registrations imported.", count=report.imported), "success")
            if not report.notes:  # else the page lists who went on the waitlist
                return redirect(url_for(".manage_list", slug=slug))
    status_ok = report is None or report.ok
    page, status = render_form("registrations/import.html", form, course=course, report=report,
                               required=required_labels(), statuses=STATUSES)
    return page, (status if status_ok else 400)


@routes.route("/manage/courses/<slug>/delegations/", methods=["GET", "POST"])
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
    return render_form("registrations/delegations.html", form, course=course,
                       delegations=listing.delegations(course), counts=listing.active_by_country(course))


@routes.route("/manage/courses/<slug>/delegations/<int:delegation_id>/revoke", methods=["POST"])
@login_required
def manage_revoke_nomination(slug: str, delegation_id: int):
    course = get_managed_course(slug)
    protect()
    delegation = get_of_course(Delegation, delegation_id, course)
    operations.revoke_nomination(delegation)
    db.session.commit()
    flash(_("The nomination link no longer works."), "success")
    return redirect(url_for(".manage_delegations", slug=slug))
