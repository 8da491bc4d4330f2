"""The trainers' speaker pages: one person at a time, or many from a pasted list or a file."""
from flask import flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import login_required

from ...extensions import db
from ...forms import choices, render_form
from ...i18n import _
from ...i18n.fields import apply_languages
from ...i18n.multilingual import MultilingualText
from ...organisations import logos
from ...registrations.tables import uploaded_rows
from ...web.loaders import get_managed_course, get_of_course
from ...web.routes import Routes
from .. import speakers as operations
from ..forms import SpeakerForm, SpeakerImportForm, SpeakerPasteForm
from ..models import Speaker

routes = Routes()


@routes.route("/manage/courses/<slug>/speakers/", methods=["GET", "POST"])
@routes.route("/manage/courses/<slug>/speakers/<int:speaker_id>", methods=["GET", "POST"])
@login_required
def speakers(slug: str, speaker_id: int | None = None):
    """Facilitators, speakers and moderators: people who lead sessions, registered or not."""
    course = get_managed_course(slug)
    speaker = get_of_course(Speaker, speaker_id, course) if speaker_id else None
    form = SpeakerForm(obj=speaker)
    apply_languages(form, course.second_languages, course.working_language)
    form.bio.required = False
    form.registration_id.choices = choices([(0, "—"), *(
        (person.id, f"{person.certificate_name} ({person.email})")
        for person in operations.linkable(course, speaker))])
    if form.registration_id.data is None:
        form.registration_id.data = 0
    if form.validate_on_submit():
        details = operations.SpeakerDetails(
            name=form.name.data, title=form.title.data or "", organisation=form.organisation.data or "",
            bio=form.bio.data or MultilingualText(), registration_id=form.registration_id.data)
        try:
            speaker = operations.save_speaker(course, speaker, details, form.photo.data)
        except logos.LogoRejected as problem:
            form.photo.errors.append(str(problem))
        else:
            db.session.commit()
            flash(_("%(name)s is saved.", name=speaker.name), "success")
            return redirect(url_for(".speakers", slug=slug))
    return render_form("agenda/speakers.html", form, course=course, speaker=speaker)


@routes.route("/manage/courses/<slug>/speakers/paste", methods=["GET", "POST"])
@login_required
def paste_speakers(slug: str):
    """Many people from a pasted list: checked and shown first, then added all together."""
    course = get_managed_course(slug)
    form, report = SpeakerPasteForm(), None
    if form.validate_on_submit():
        report = operations.check_pasted(course, form.lines.data)
        if report.ok and form.add.data:
            return _added(course, operations.add_speakers(course, report), report)
    return _bulk_page(course, form, SpeakerImportForm(formdata=None), report)


@routes.route("/manage/courses/<slug>/speakers/import", methods=["GET", "POST"])
@login_required
def import_speakers(slug: str):
    """Many people from a CSV or XLSX file: every row added, or none, with a report by row."""
    course = get_managed_course(slug)
    form, report = SpeakerImportForm(), None
    if form.validate_on_submit():
        table = uploaded_rows(form.file)
        if table is not None:
            report = operations.check_table(course, table)
            if report.ok:
                return _added(course, operations.add_speakers(course, report), report)
    return _bulk_page(course, SpeakerPasteForm(formdata=None), form, report)


def _bulk_page(course, paste_form, import_form, report):
    page = render_template("agenda/speakers_bulk.html", course=course, paste_form=paste_form,
                           import_form=import_form, report=report)
    failed = paste_form.errors or import_form.errors or (report is not None and not report.ok)
    return page, 400 if failed else 200


def _added(course, added: list[Speaker], report: operations.SpeakerReport):
    db.session.commit()
    flash(ngettext("%(num)d person added.", "%(num)d people added.", len(added)), "success")
    if report.linked:
        flash(ngettext("%(num)d of them is a registered participant.",
                       "%(num)d of them are registered participants.", report.linked), "success")
    return redirect(url_for(".speakers", slug=course.slug))
