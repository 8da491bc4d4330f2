"""The public agenda, its PDF and iCalendar feed (never with meeting links), a participant's
own feed and PDF (with their join links once approved), their join link, and QR check-in."""
from zoneinfo import ZoneInfo, available_timezones

from flask import Response, abort, render_template, request

from ...extensions import db
from ...forms import protect
from ...i18n import current_language, page_for
from ...web.files import stored_pdf_response
from ...web.limits import limited
from ...web.loaders import get_course, get_registration, remembered_participant
from ...web.routes import Routes
from .. import checkin, documents, online, operations
from ..calendar import course_calendar
from ..models import AgendaSession

routes = Routes()


@routes.route("/courses/<slug>/agenda")
def public(slug: str):
    """The agenda in the venue's zone, or in the reader's own zone when they ask (?tz=)."""
    course = get_course(slug)
    zone = request.args.get("tz") if request.args.get("tz") in available_timezones() else None
    return render_template("agenda/public.html", course=course, days=operations.days(course, shown=True),
                           shown_zone=ZoneInfo(zone or course.timezone), other_zone=zone)


@routes.route("/courses/<slug>/agenda.ics")
def agenda_ics(slug: str):
    """The public iCalendar feed of a course's agenda (a stable address), in ``?lang=``."""
    course = get_course(slug)
    return calendar_response(course, f"{course.slug}.ics")


@routes.route("/p/<token>/agenda.ics")
def my_agenda_ics(token: str):
    """A participant's own calendar feed (a stable address): the course's sessions with their
    join links once approved, in the language they registered in unless they ask for another."""
    registration = participant_with_agenda(token)
    response = calendar_response(registration.course, f"{registration.course.slug}-my-agenda.ics",
                                 online.join_links(registration, absolute=True))
    response.headers["Cache-Control"] = "private, no-store"  # a personal link: keep no copies
    return response


@routes.route("/p/<token>/agenda.pdf")
def my_agenda_pdf(token: str):
    """The agenda PDF with the participant's own join links (once approved): following one
    records their attendance."""
    registration = participant_with_agenda(token)
    response = stored_pdf_response(documents.agenda_file(registration.course, registration),
                                   f"agenda-{registration.course.slug}.pdf")
    response.headers["Cache-Control"] = "private, no-store"  # their join links: keep no copies
    return response


def participant_with_agenda(token: str):
    """The participant of a personal link whose registration still stands (else 404)."""
    registration = get_registration(token)
    if registration.status not in ("approved", "pending", "waitlisted"):
        abort(404)
    return registration


def calendar_response(course, filename: str, links: dict[int, str] | None = None) -> Response:
    response = Response(course_calendar(course, current_language(), links),
                        mimetype="text/calendar")  # Flask adds "; charset=utf-8"
    response.headers["Content-Disposition"] = f"inline; filename={filename}"
    return response


@routes.route("/p/<token>/join/<uid>", methods=["GET", "POST"])
def join(token: str, uid: str):
    """A participant's own link to a session's meeting. Reading it only shows a page (mail
    scanners open links); the page sends itself (or its button is pressed), which records
    attendance during the session's window and then opens the meeting."""
    registration = get_registration(token)
    session = online.online_session(registration, uid)
    if session is None:
        abort(404)
    if not online.sees_links(registration):
        return render_template("agenda/join.html", course=session.course, session=session,
                               registration=registration, state="not_approved"), 403
    state = "open" if online.in_window(session) else "outside"
    counted = state == "open"
    if request.method == "POST":
        protect()
        online.record_join(session, registration)
        db.session.commit()
        # Opened by navigation from the page, not by a redirect answering the form: a meeting
        # address that redirects again (to a regional server, a sign-in) would break the form's
        # Content-Security-Policy on the way.
        state = "going"
    return render_template("agenda/join.html", course=session.course, session=session,
                           registration=registration, state=state, counted=counted,
                           meeting_url=session.online_url if online.meeting_origin(session) else "")


@routes.route("/courses/<slug>/agenda.pdf")
def pdf(slug: str):
    """The agenda on A4, in the course's working language and the reader's (or the languages
    the course's certificate settings choose)."""
    course = get_course(slug)
    return stored_pdf_response(documents.agenda_file(course), f"agenda-{course.slug}.pdf")


@routes.route("/checkin/<int:session_id>/<code>", methods=["GET", "POST"])
@limited("CHECKIN_RATE_LIMIT")
def self_checkin(session_id: int, code: str):
    """A participant scanned the projector's code: mark them present through their personal link."""
    session = db.session.get(AgendaSession, session_id)
    if session is None:
        abort(404)
    registration = remembered_participant(session.course_id)
    page_for(participant=registration, course=session.course)
    state = "ok"
    if not checkin.is_valid(session.id, code):
        state = "expired"
    elif registration is None:
        state = "unknown"
    elif registration.course_id != session.course_id or registration.status != "approved":
        state = "not_registered"
    elif not operations.has_started(session):
        state = "not_started"  # participants check in once the session has started
    elif request.method == "POST":
        protect()
        operations.mark(session, registration, method="qr")
        db.session.commit()
        state = "done"
    status = {"expired": 410, "unknown": 403, "not_registered": 403, "not_started": 409}.get(state, 200)
    return render_template("agenda/self_checkin.html", session=session, course=session.course,
                           registration=registration, state=state), status
