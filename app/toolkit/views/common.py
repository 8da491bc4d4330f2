"""What the toolkit's pages share: the participant and exercise of a URL, the CSRF check of
the worksheet scripts, and the template helpers."""
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import abort, current_app, jsonify, make_response
from flask_babel import format_date, format_time
from flask_wtf.csrf import CSRFError

from ...extensions import csrf
from ...i18n import _, page_for, timezone_label
from ...registrations.operations import find_by_token
from ...web.templates import add_helper, helper
from .. import operations
from ..exercises import course_exercises
from ..labels import progress_label
from ..models import Exercise
from ..translation import translate

add_helper(translate, "translate")
add_helper(progress_label, "progress_label")


@helper()
def has_endpoint(name: str) -> bool:
    """Whether a route exists (pages link to routes other features may not have yet)."""
    return name in current_app.view_functions


@helper()
def worksheet_list(registration) -> list:
    """The course's exercises, in order, with the progress of ``registration``'s sheets."""
    items = []
    exercises = course_exercises(registration.course)
    sheets = operations.find_sheets(exercises, registration)
    for exercise in exercises:
        if exercise.module is not None:
            sheet = sheets.get(exercise.id)
            items.append(SimpleNamespace(exercise=exercise, module=exercise.module, sheet=sheet,
                                         progress=sheet.progress if sheet else "empty",
                                         team=operations.team_key(exercise, registration)))
    return items


@helper()
def saved_label(sheet) -> str:
    """Who saved the sheet last and when, in the course's time zone."""
    if sheet.saved_at is None:
        return ""
    course = sheet.exercise.course
    moment = sheet.saved_at.astimezone(ZoneInfo(course.timezone))
    values = dict(date=format_date(moment, "medium", rebase=False),
                  time=format_time(moment, "HH:mm", rebase=False), zone=timezone_label(course.timezone))
    if sheet.saved_by is not None:
        return _("Last saved by %(name)s on %(date)s at %(time)s, %(zone)s",
                 name=sheet.saved_by.certificate_name, **values)
    return _("Last saved on %(date)s at %(time)s, %(zone)s", **values)


def refuse(code: int, message: str, json: bool):
    abort(make_response(jsonify(error=message), code) if json else code)


def participant(token: str, json: bool = False):
    """The registration of a personal link that may fill worksheets (else 404 or 403)."""
    registration = find_by_token(token)
    if registration is None:
        refuse(404, _("This link is not valid."), json)
    page_for(participant=registration)
    if not operations.may_fill(registration):
        refuse(403, _("Worksheets open once your place on the course is confirmed."), json)
    return registration


def exercise_of(registration, key: str, json: bool = False) -> Exercise:
    exercise = operations.exercise_for(registration.course, key)
    if exercise is None or exercise.module is None:
        refuse(404, _("This course has no such worksheet."), json)
    return exercise


def csrf_ok() -> bool:
    """Whether the POST carries a valid CSRF token (form field or X-CSRFToken header)."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def number(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
