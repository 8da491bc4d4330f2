"""The follow-up pages: a team's statuses through a member's personal link, and the trainers'
page (due dates, sending, who answered). The command ``follow-up send`` hangs on the blueprint."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent, ngettext
from flask_login import login_required

from ..extensions import db
from ..forms import protect
from ..i18n import _
from ..reports.tables import big_enough
from ..web.loaders import get_managed_course, get_registration
from ..web.routes import Routes
from ..web.templates import add_helper
from . import operations, results
from .cli import send_command
from .forms import FollowUpForm, dates_form, is_web_address, status_label
from .models import STATUSES

bp = Blueprint("followup", __name__, cli_group="follow-up")
bp.cli.add_command(send_command)
routes = Routes()

add_helper(status_label, "follow_up_status")
add_helper(is_web_address, "follow_up_linkable")
add_helper(operations.sent_rounds, "follow_up_rounds")


def share(part: int, total: int, threshold: int) -> str:
    """``part`` of ``total`` as a percentage, or as a count when ``total`` is below the course's
    small-cell threshold (a percentage of three actions would mislead)."""
    if big_enough(total, threshold):
        return format_percent(part / total)
    return _("%(part)d of %(total)d", part=part, total=total)


add_helper(share, "follow_up_share")


# --- Participants -------------------------------------------------------------------------------

@routes.route("/p/<token>/follow-up/<int:number>", methods=["GET", "POST"])
def participant(token: str, number: int):
    """Round ``number`` of the team's action plan: a status, note and evidence link per action.
    Only once the round is sent, and only for members of a team with a plan (else 404)."""
    registration = get_registration(token)
    found = operations.sent_round(registration.course, number)
    sheet = operations.plan_of(registration) if found is not None else None
    if sheet is None:
        abort(404)
    if request.method != "POST":
        return plan_page(found, sheet, registration)
    form = FollowUpForm()
    if not form.validate_on_submit():  # nothing saved: what was typed is shown with the errors
        return plan_page(found, sheet, registration, form=form, status=400)
    saved = operations.save_answers(found, sheet, registration, typed_rows(form))
    db.session.commit()
    if saved.conflicts:
        return plan_page(found, sheet, registration, saved=saved, typed=typed_rows(form), status=409)
    if saved.by_others:
        flash(ngettext("Saved. A teammate updated %(num)d action meanwhile: its answer is theirs.",
                       "Saved. A teammate updated %(num)d actions meanwhile: their answers are theirs.",
                       len(saved.by_others)), "success")
    else:
        flash(_("Saved. Thank you."), "success")
    return redirect(url_for(".participant", token=token, number=number))


def typed_rows(form) -> list[operations.Typed]:
    return [operations.Typed(entry.row_id.data or "", entry.status.data or "", entry.note.data or "",
                             entry.evidence_url.data or "",
                             (entry.was_status.data or "", entry.was_note.data or "",
                              entry.was_evidence_url.data or ""))
            for entry in (item.form for item in form.actions.entries)]


def plan_page(found, sheet, registration, *, form=None, saved=None, typed=(), status=200):
    """The page: each action with its inputs, from this round's answers (else the last
    round's), or as sent (``form``), or after a clash with a teammate (``saved``, ``typed``)."""
    facts = operations.plan_facts(sheet)
    current = operations.answers(found, sheet)
    conflicts = saved.conflicts if saved else {}
    mine = {row.row_id: row for row in typed}
    if form is None:
        rows = []
        for fact in facts:
            shown = current.get(fact["row_id"], operations.Answer())
            values = mine[fact["row_id"]].values if fact["row_id"] in conflicts else shown.values
            rows.append(dict(zip(("status", "note", "evidence_url"), values), row_id=fact["row_id"],
                             **dict(zip(("was_status", "was_note", "was_evidence_url"), shown.values))))
        form = FollowUpForm(formdata=None, data={"actions": rows})
    entries = {entry.form.row_id.data: entry.form for entry in form.actions.entries}
    for fact in facts:  # an action added to the plan since the page was drawn
        if fact["row_id"] not in entries:
            form.actions.append_entry({"row_id": fact["row_id"]})
            entries[fact["row_id"]] = form.actions.entries[-1].form
    for entry in entries.values():
        entry.offer_choices()
    items = [(fact, entries[fact["row_id"]], current.get(fact["row_id"]), conflicts.get(fact["row_id"]))
             for fact in facts]
    return render_template("followup/participant.html", registration=registration,
                           course=registration.course, round=found, form=form, items=items,
                           conflicts=conflicts), status


# --- Trainers -------------------------------------------------------------------------------------

@routes.route("/manage/courses/<slug>/follow-up/", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """Rounds and their dates, sending a round now, and who answered what."""
    course = get_managed_course(slug)
    if request.method != "POST":
        return overview(course)
    protect()
    action = request.form.get("action", "")
    if action == "dates":
        return save_dates(course)
    number = action.removeprefix("send:")
    if not (action.startswith("send:") and number.isdigit() and 0 < int(number) < 100):
        abort(400)
    try:
        emails = operations.send_round(course, int(number))
    except operations.FollowUpRefused as refused:
        db.session.rollback()
        return overview(course, problem=str(refused), status=400)
    db.session.commit()
    if emails is None:
        flash(_("Follow-up %(number)s was sent already.", number=number), "success")
    else:
        flash(ngettext("Follow-up %(number)s sent: %(num)d email.",
                       "Follow-up %(number)s sent: %(num)d emails.", emails, number=number), "success")
    return redirect(url_for(".manage", slug=slug))


def save_dates(course):
    form = dates_form(operations.rounds(course), formdata=request.form)
    if not form.validate():
        return overview(course, dates=form, status=400)
    wanted = {int(name.removeprefix("round-")): field.data for name, field in form._fields.items()
              if name.startswith("round-")}
    try:
        operations.set_dates(course, wanted)
    except operations.FollowUpRefused as refused:
        db.session.rollback()
        if refused.number is not None:
            form[f"round-{refused.number}"].errors.append(str(refused))
        return overview(course, dates=form, problem=str(refused), status=400)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".manage", slug=course.slug))


def overview(course, *, dates=None, problem: str = "", status: int = 200):
    rounds = operations.rounds(course)
    summary = results.follow_up_summary([course.id], details=True)["rounds"]
    return render_template(
        "followup/manage.html", course=course, rounds=list(zip(rounds, summary)), problem=problem,
        dates=dates or dates_form(rounds), editable=any(r.sent_at is None for r in rounds), threshold=course.report_threshold,
        statuses=STATUSES), status


routes.register(bp)
