"""Course pages: the public page and the staff pages that set a course up."""
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth.models import User
from ..auth.operations import find_user
from ..extensions import db
from ..forms import choices, protect, render_form
from ..i18n import _
from ..i18n.fields import apply_languages
from ..organisations.models import Organisation
from ..reference import country_choices
from ..web.loaders import get_course, get_managed_course
from ..web.templates import helper
from . import copying, operations
from .forms import MODE_LABELS, CloneForm, CourseForm, RemoveTrainerForm, TeamForm
from .models import Course

bp = Blueprint("courses", __name__)


@helper()
def mode_label(mode: str) -> str:
    return str(MODE_LABELS.get(mode, mode))


@bp.route("/courses/<slug>/")
def public(slug: str):
    return render_template("courses/public.html", course=get_course(slug))


@bp.route("/manage/")
@bp.route("/manage/courses/")
@login_required
def manage_list():
    archived = request.args.get("archived") == "1"
    query = sa.select(Course).where(
        Course.archived_at.is_not(None) if archived else Course.archived_at.is_(None))
    if not current_user.is_admin:
        query = query.where(Course.trainers.any(User.id == current_user.id))
    courses = db.session.scalars(query.order_by(Course.start_date.desc())).all()
    return render_template("courses/manage_list.html", courses=courses, archived=archived)


@bp.route("/manage/courses/new", methods=["GET", "POST"])
@login_required
def create():
    form = _course_form(None)
    if form.validate_on_submit():
        course = operations.create_course(current_user, _details(form), slug=form.slug.data or None)
        db.session.commit()
        flash(_("The course is created."), "success")
        return redirect(url_for(".manage", slug=course.slug))
    return render_form("courses/edit.html", form, course=None)


@bp.route("/manage/courses/<slug>/")
@login_required
def manage(slug: str):
    course = get_managed_course(slug)
    return render_template("courses/manage.html", course=course,
                           missing=operations.missing_translations(course))


@bp.route("/manage/courses/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    course = get_managed_course(slug)
    form = _course_form(course)
    if form.validate_on_submit():
        operations.update_course(course, _details(form))
        db.session.commit()
        flash(_("The course is saved."), "success")
        return redirect(url_for(".manage", slug=course.slug))
    return render_form("courses/edit.html", form, course=course)


@bp.route("/manage/courses/<slug>/clone", methods=["GET", "POST"])
@login_required
def clone(slug: str):
    course = get_managed_course(slug)
    form = CloneForm(duration=course.end_date - course.start_date)
    if form.validate_on_submit():
        copy = copying.copy_course(course, current_user, form.slug.data, form.start_date.data,
                                   form.parts.data or ())
        db.session.commit()
        flash(_("The course is copied. Check its details."), "success")
        return redirect(url_for(".edit", slug=copy.slug))
    return render_form("courses/clone.html", form, course=course)


@bp.route("/manage/courses/<slug>/archive", methods=["POST"])
@login_required
def archive(slug: str):
    course = get_managed_course(slug)
    protect()
    if request.form.get("restore"):
        operations.restore_course(course)
        flash(_("The course is back among the current courses."), "success")
    else:
        operations.archive_course(course)
        flash(_("The course is archived. Its public page and links keep working."), "success")
    db.session.commit()
    return redirect(url_for(".manage", slug=course.slug))


@bp.route("/manage/courses/<slug>/team", methods=["GET", "POST"])
@login_required
def team(slug: str):
    course = get_managed_course(slug)
    form = TeamForm()
    if "remove" in request.form:
        removal = RemoveTrainerForm()
        if removal.validate_on_submit():
            user = db.session.get(User, removal.remove.data)
            if user is None:
                abort(400)
            try:
                operations.remove_trainer(course, user, by=current_user)
            except operations.TeamRefused as problem:
                flash(str(problem), "error")
            else:
                db.session.commit()
                flash(_("%(name)s is no longer on the team.", name=user.name), "success")
        return redirect(url_for(".team", slug=slug))
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is None or not user.active:
            form.email.errors.append(_("No active staff account has this email."))
        else:
            operations.add_trainer(course, user, by=current_user)
            db.session.commit()
            flash(_("%(name)s is on the team.", name=user.name), "success")
            return redirect(url_for(".team", slug=slug))
    return render_form("courses/team.html", form, course=course)


def _course_form(course: Course | None) -> CourseForm:
    form = CourseForm(editing=course is not None, obj=course)
    if not form.is_submitted():
        if course is None:
            form.second_languages.data = list(current_app.config["DEFAULT_SECOND_LANGUAGES"])
        else:
            details = operations.details_of(course)
            form.organisers.data, form.donors.data = details.organiser_ids, details.donor_ids
            form.objectives.entries.clear()
            for index, text in enumerate(details.objectives):
                form.objectives.append_entry(SimpleNamespace(position=index + 1, text=text))
        # Room for new objectives without JavaScript.
        for position in range(len(form.objectives.entries) + 1, max(4, len(form.objectives.entries) + 3)):
            form.objectives.append_entry(SimpleNamespace(position=position, text=None))
    form.country.choices = choices(country_choices())
    organisations = db.session.scalars(sa.select(Organisation)).all()
    organisations.sort(key=lambda org: str(org.name).casefold())
    form.organisers.choices = form.donors.choices = choices(
        (org.id, f"{org.name}" + (f" ({org.acronym})" if org.acronym else "")) for org in organisations)
    working, second = form.languages()
    apply_languages(form, second, working)
    return form


def _details(form: CourseForm) -> operations.CourseDetails:
    working, second = form.languages()
    return operations.CourseDetails(
        title=form.title.data, start_date=form.start_date.data, end_date=form.end_date.data,
        city=form.city.data, country=form.country.data, timezone=form.timezone.data,
        contact_hours=form.contact_hours.data, description=form.description.data,
        venue=form.venue.data, mode=form.mode.data, working_language=working,
        second_languages=second, organiser_ids=form.organisers.data or [],
        donor_ids=form.donors.data or [], objectives=form.objective_texts(),
        registration_opens=form.registration_opens.data, registration_closes=form.registration_closes.data,
        capacity=form.capacity.data, country_quota=form.country_quota.data,
        requires_approval=form.requires_approval.data, privacy_notice=form.privacy_notice.data,
        attendance_threshold=80 if form.attendance_threshold.data is None else form.attendance_threshold.data,
        attendance_basis=form.attendance_basis.data)

