"""Certificates: the trainers' page, the participant's download and public verification."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..audit.operations import record_export
from ..courses.dates import local_date
from ..extensions import db
from ..forms import protect, render_form
from ..i18n import _
from ..i18n.fields import apply_languages
from ..jobs import QueueUnavailable
from ..organisations import logos
from ..registrations.models import Registration
from ..storage import storage as kept_files
from ..typography import missing_glyphs
from ..web.files import pdf_response, stored_file_response
from ..web.limits import limited
from ..web.loaders import get_managed_course, get_of_course, get_registration
from ..web.templates import add_helper
from . import operations, settings as certificate_settings, storage
from .forms import ConfirmForm, IssueForm, ReasonForm, SettingsForm
from .jobs import JOB_FILES, job_key
from .models import Certificate, IssueJob
from .rendering import render_certificate

bp = Blueprint("certificates", __name__)
add_helper(local_date, "venue_date")  # a stored moment as the day it was at the course's venue


def verify_url(certificate: Certificate) -> str:
    """The address printed and QR-encoded on a certificate: from BASE_URL, never the request."""
    from ..links import verify_url as site_verify_url

    return site_verify_url(certificate)


def render(certificate: Certificate) -> bytes:
    return render_certificate(certificate, verify_url=verify_url(certificate))


def ask_to_confirm(course, refusal: operations.EarlyIssue, reason: str = ""):
    """Nothing was issued: the same request again, once the trainer confirms issuing early."""
    db.session.rollback()
    return render_template("certificates/confirm_early.html", course=course, message=str(refusal),
                           action=request.path, reason=reason), 409


@bp.route("/manage/courses/<slug>/certificates/", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    course = get_managed_course(slug)
    if request.method == "POST":
        protect()
        try:
            operations.settings_for(course)
            job = operations.start_job(course, current_user,  # queued once this commits
                                       confirmed_early=ConfirmForm().confirmed_early())
        except operations.EarlyIssue as refusal:
            return ask_to_confirm(course, refusal)
        except QueueUnavailable as problem:
            db.session.rollback()  # nothing stuck: no job row without a queue to run it
            flash(str(problem), "error")
            return redirect(url_for(".manage", slug=slug))
        db.session.commit()
        flash(_("Issuing has started. This page shows its progress."), "success")
        return redirect(url_for(".manage", slug=slug, job=job.id))
    standings = operations.standings(course)
    warnings = {s.registration.id: "".join(sorted(missing_glyphs(
        s.registration.certificate_name + s.registration.native_name))) for s in standings}
    job = operations.latest_job(course)
    state = operations.job_state(job)
    return render_template("certificates/manage.html", course=course, standings=standings, job=job,
                           state=state, failure=operations.failure_message(job) if state == "failed" else "",
                           warnings={k: v for k, v in warnings.items() if v}, issue_form=IssueForm(),
                           refresh=state in ("queued", "running"))


@bp.route("/manage/courses/<slug>/certificates/jobs/<int:job_id>/retry", methods=["POST"])
@login_required
def retry_job(slug: str, job_id: int):
    """Start again a bulk issue that failed or whose worker died."""
    course = get_managed_course(slug)
    protect()
    job = get_of_course(IssueJob, job_id, course)
    try:
        job = operations.retry_job(job, current_user, ConfirmForm().confirmed_early())
    except operations.EarlyIssue as refusal:
        return ask_to_confirm(course, refusal)
    except operations.IssueRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for(".manage", slug=slug))
    except QueueUnavailable as problem:
        db.session.rollback()
        flash(str(problem), "error")
        return redirect(url_for(".manage", slug=slug))
    db.session.commit()
    flash(_("Issuing has started again. This page shows its progress."), "success")
    return redirect(url_for(".manage", slug=slug, job=job.id))


def get_managed_certificate(slug: str, certificate_id: int):
    course = get_managed_course(slug)
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.registration.course_id != course.id:
        abort(404)
    return course, certificate


@bp.route("/manage/courses/<slug>/certificates/issue/<int:registration_id>", methods=["POST"])
@login_required
def issue_one(slug: str, registration_id: int):
    course = get_managed_course(slug)
    registration = get_of_course(Registration, registration_id, course)
    form = IssueForm()
    if form.validate_on_submit():
        try:
            operations.settings_for(course)
            certificate = operations.issue(registration, current_user, form.reason.data or "",
                                           confirmed_early=form.confirmed_early())
        except operations.EarlyIssue as refusal:
            return ask_to_confirm(course, refusal, form.reason.data or "")
        except operations.IssueRefused as problem:
            flash(str(problem), "error")
        else:
            db.session.commit()
            storage.keep_issued([certificate])
            flash(_("The certificate is issued."), "success")
    return redirect(url_for(".manage", slug=slug))


@bp.route("/manage/courses/<slug>/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(slug: str, certificate_id: int):
    course, certificate = get_managed_certificate(slug, certificate_id)
    form = ReasonForm()
    if form.validate_on_submit():
        operations.revoke(certificate, form.reason.data, current_user)
        db.session.commit()
        flash(_("The certificate is revoked; its verification page says so."), "success")
        return redirect(url_for(".manage", slug=slug))
    return render_form("certificates/revoke.html", form, course=course, certificate=certificate)


@bp.route("/manage/courses/<slug>/certificates/<int:certificate_id>/reissue", methods=["POST"])
@login_required
def reissue(slug: str, certificate_id: int):
    course, certificate = get_managed_certificate(slug, certificate_id)
    protect()
    try:
        replacement = operations.reissue(certificate, current_user, ConfirmForm().confirmed_early())
    except operations.EarlyIssue as refusal:
        return ask_to_confirm(course, refusal)
    except operations.IssueRefused as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        storage.keep_issued([replacement])
        flash(_("A new certificate replaces the old one."), "success")
    return redirect(url_for(".manage", slug=slug))


@bp.route("/manage/courses/<slug>/certificates/<int:certificate_id>.pdf")
@login_required
def download(slug: str, certificate_id: int):
    course, certificate = get_managed_certificate(slug, certificate_id)
    key = storage.pdf(certificate)
    record_export("export.certificate", course=course, target=certificate,
                  details={"number": certificate.number, "registration": certificate.registration_id})
    return stored_file_response(key, f"{certificate.number}.pdf", private=True)


@bp.route("/manage/courses/<slug>/certificates/jobs/<int:job_id>/<any(merged, zip):kind>")
@login_required
def job_file(slug: str, job_id: int, kind: str):
    course = get_managed_course(slug)
    job = get_of_course(IssueJob, job_id, course)
    if job.state != "finished":
        abort(404)
    key = job_key(job, kind)
    if not kept_files().exists(key):
        abort(404)
    record_export("export.certificates", course=course, target=job, details={"format": kind})
    return stored_file_response(key, f"{course.slug}-{JOB_FILES[kind]}", attachment=kind == "zip",
                                private=True)


@bp.route("/manage/courses/<slug>/certificates/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    course = get_managed_course(slug)
    current = certificate_settings.current_settings(course)  # reading stores nothing
    form = SettingsForm(obj=current)
    apply_languages(form, course.second_languages, course.working_language)
    for name in ("title", "wording", "issue_place", "signatory1_title", "signatory2_title"):
        form[name].required = False
    if form.validate_on_submit():
        try:
            certificate_settings.save_settings(
                course, {name: form[name].data for name in certificate_settings.FIELDS},
                {name: form[name].data for name in certificate_settings.IMAGES})
        except logos.LogoRejected as problem:
            form[problem.field].errors.append(str(problem))
        else:
            db.session.commit()
            flash(_("The certificate settings are saved."), "success")
            return redirect(url_for(".settings", slug=slug))
    return render_form("certificates/settings.html", form, course=course, current=current)


@bp.route("/manage/courses/<slug>/certificates/preview.pdf")
@login_required
def preview(slug: str):
    """A sample certificate with the current settings, for the first approved participant."""
    course = get_managed_course(slug)
    standings = operations.standings(course)
    if not standings:
        abort(404)
    sample = certificate_settings.preview_certificate(course, standings[0])
    return pdf_response(render(sample), "preview.pdf")


@bp.route("/p/<token>/certificate.pdf")
def mine(token: str):
    """A participant's own certificate, once issued (a stable address)."""
    registration = get_registration(token)
    valid = [c for c in registration.certificates if c.status == "valid"]
    if not valid:
        return render_template("certificates/not_issued.html", registration=registration,
                               course=registration.course,
                               revoked=any(c.status == "revoked" for c in registration.certificates)), 404
    return stored_file_response(storage.pdf(valid[-1]), f"certificate-{valid[-1].number}.pdf",
                                private=True)


@bp.route("/verify/<code>")
@limited("VERIFY_RATE_LIMIT", sent_forms_only=False)  # against guessing codes
def verify(code: str):
    """Public verification: the target of the QR code on every certificate."""
    certificate = db.session.query(Certificate).filter_by(code=code[:40]).first() if code else None
    if certificate is None or certificate.registration.anonymised_at:
        return render_template("certificates/verify.html", certificate=None), 404
    return render_template("certificates/verify.html", certificate=certificate,
                           registration=certificate.registration, course=certificate.registration.course)


