"""Follow-up rounds of a course: their due dates (three and six months after the course by
default, changed by the organisers), who is asked (every approved member of each team that
wrote an M11 action plan), sending them once, and the statuses a team gives its actions.

A round is stored only when its dates are saved or it is sent; until then it is worked out
from the course's end date (a reading page never writes)."""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..courses.dates import course_today
from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from ..i18n import _
from ..links import external_url
from ..mail.operations import send_email
from ..registrations.models import Registration
from ..toolkit.fields import Context
from ..toolkit.models import Exercise, Worksheet
from ..toolkit.teams import fills_worksheets, find_sheet, grouped, may_fill, team_members
from ..toolkit.translation import translate
from .models import ActionUpdate, FollowUpRound

PLAN = "M11"  # the action plan module, and its table of actions
TABLE, ACTION, RESPONSIBLE, DUE = "actions", "action", "responsible", "end"
MONTHS = 3  # round n is due n × 3 months after the course's last day
DEFAULT_ROUNDS = 2
RECENT_DAYS = 30  # the daily command sends a round only within this many days of its due date


class FollowUpRefused(Exception):
    """A change that is not made; the message (translated) says why (``number``: the round
    whose date is wrong, if one is)."""

    def __init__(self, message: str, number: int | None = None):
        super().__init__(message)
        self.number = number


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, the day kept within the month (31 Jan + 3: 30 Apr)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_due(course: Course, number: int) -> date:
    return add_months(course.end_date, MONTHS * number)


def rounds(course: Course) -> list[FollowUpRound]:
    """The course's rounds in order: stored ones, and the default ones not stored yet (not
    added to the session)."""
    stored = {r.number: r for r in db.session.scalars(
        sa.select(FollowUpRound).where(FollowUpRound.course_id == course.id))}
    count = max([DEFAULT_ROUNDS, *stored])
    return [stored.get(number) or FollowUpRound(course_id=course.id, number=number,
                                                 due_on=default_due(course, number))
            for number in range(1, count + 1)]


def stored_round(course: Course, number: int) -> FollowUpRound:
    """Round ``number`` as a stored row (made with its default date if need be), locked for
    this transaction where the database can (two senders never both send it)."""
    query = sa.select(FollowUpRound).where(FollowUpRound.course_id == course.id,
                                           FollowUpRound.number == number).with_for_update()
    found = db.session.scalar(query)
    if found is None:
        try:
            with db.session.begin_nested():
                found = FollowUpRound(course_id=course.id, number=number,
                                      due_on=default_due(course, number))
                db.session.add(found)
        except IntegrityError:  # stored at the same moment by another request
            found = db.session.scalar(query)
    return found


def set_dates(course: Course, dates: dict[int, date]) -> None:
    """Give rounds (number → due date) new dates; sent rounds keep theirs. Refused, changing
    nothing, when a date is before the course's last day or before the round before it."""
    current = {r.number: r.due_on for r in rounds(course)}
    wanted = {**current, **dates}
    for number, due in sorted(dates.items()):
        if due < course.end_date:
            raise FollowUpRefused(_("A follow-up cannot be due before the course ends (%(date)s).",
                                    date=format_date(course.end_date, "medium")), number)
        if number > 1 and due < wanted.get(number - 1, due):
            raise FollowUpRefused(_("Each follow-up must be due after the one before it."), number)
    for number, due in dates.items():
        found = stored_round(course, number)
        if found.sent_at is None:
            found.due_on = due


# --- Who is asked ------------------------------------------------------------------------------

def plan_exercise(course: Course) -> Exercise | None:
    return next((e for e in course.exercises if e.module_key == PLAN), None)


def plan_rows(sheet: Worksheet) -> list[dict]:
    """The rows of an action plan sheet that name an action."""
    return [row for row in (sheet.answers or {}).get(TABLE) or ()
            if isinstance(row, dict) and row.get("row_id") and str(row.get(ACTION) or "").strip()]


def owner_filter(exercise: Exercise):
    """The sheets of ``exercise`` that belong to the course's present way of filling it (a
    person's own sheet only while they take part: not once cancelled or anonymised)."""
    if exercise.mode != "team":
        return Worksheet.registration_id.in_(sa.select(Registration.id).where(
            Registration.course_id == exercise.course_id, fills_worksheets()))
    return Worksheet.group_id.is_not(None) if grouped(exercise.course) else Worksheet.delegation_id.is_not(None)


def team_plans(course: Course) -> list[Worksheet]:
    """The M11 sheets of the course's teams that hold at least one action."""
    exercise = plan_exercise(course)
    if exercise is None:
        return []
    sheets = db.session.scalars(sa.select(Worksheet).where(
        Worksheet.exercise_id == exercise.id, owner_filter(exercise)).order_by(Worksheet.id))
    return [sheet for sheet in sheets if plan_rows(sheet)]


def plan_of(registration: Registration) -> Worksheet | None:
    """The action plan sheet ``registration``'s team follows up, if they may and it has actions."""
    if not may_fill(registration):
        return None
    exercise = plan_exercise(registration.course)
    sheet = find_sheet(exercise, registration) if exercise is not None else None
    return sheet if sheet is not None and plan_rows(sheet) else None


def plan_facts(sheet: Worksheet) -> list[dict]:
    """Each action of the plan as its page shows it: row id, action, responsible, due date."""
    module = sheet.exercise.module
    columns = {column.name: column for column in module.field(TABLE).columns}
    ctx = Context(country=sheet.country, answers=sheet.answers, translate=translate)

    def shown(row, name):
        column = columns.get(name)
        return column.type.display(row.get(name, column.type.empty()), column, ctx) if column else ""

    return [{"row_id": row["row_id"], "action": " ".join(str(row[ACTION]).split()),
             "responsible": shown(row, RESPONSIBLE), "due": shown(row, DUE)}
            for row in plan_rows(sheet)]


def follow_up_url(registration: Registration, number: int) -> str:
    return external_url("followup.participant", token=registration.token, number=number)


def send_round(course: Course, number: int) -> int | None:
    """Email every member of each team with a plan, in their own language, a link to round
    ``number``; mark it sent. Returns how many emails, or None when it was sent already.
    Refused when no team has a plan."""
    found = stored_round(course, number)
    if found.sent_at is not None:
        return None
    plans = team_plans(course)
    if not plans:
        raise FollowUpRefused(_("No team has written an action plan (M11) yet, so there is no one "
                                "to ask."))
    sent = 0
    for sheet in plans:
        for member in filter(may_fill, team_members(sheet)):  # never the cancelled or erased
            send_email(member.email, member.language, "follow_up", course=course, registration=member,
                       round=found, link=follow_up_url(member, number), actions=len(plan_rows(sheet)))
            sent += 1
    found.sent_at = utcnow()
    return sent


@dataclass
class Sending:
    """What the daily command did: (course, round number, emails) of each round sent, and
    (course, round) of each due round it left unsent for the trainers: fallen due more than
    ``RECENT_DAYS`` ago, or followed by a later round already due."""

    sent: list[tuple[Course, int, int]] = field(default_factory=list)
    left: list[tuple[Course, FollowUpRound]] = field(default_factory=list)


def send_due(today: date | None = None) -> Sending:
    """Of every course whose teams wrote a plan, send the latest round due by ``today`` (the
    venue's, by default) if it fell due at most ``RECENT_DAYS`` days ago and is not sent:
    a first run never emails the teams of long-past courses, and a team never gets two rounds
    the same day. The other due rounds not sent are left (the trainers may send them from the
    course's follow-up page). Each course's round is committed as it goes."""
    done = Sending()
    latest = (today or date.today()) + timedelta(days=1)  # a venue east of the server is ahead
    candidates = db.session.scalars(sa.select(Course).where(Course.end_date <= latest)
                                    .order_by(Course.id)).all()
    for course in candidates:
        day = today or course_today(course)
        due = [r for r in rounds(course) if r.due_on <= day]
        if not due or all(r.sent_at is not None for r in due) or not team_plans(course):
            continue
        last = due[-1]
        if last.sent_at is None and last.due_on >= day - timedelta(days=RECENT_DAYS):
            emails = send_round(course, last.number)
            if emails is not None:
                done.sent.append((course, last.number, emails))
            db.session.commit()
            due = due[:-1]
        done.left += [(course, r) for r in due if r.sent_at is None]
    return done


# --- A team's answers ----------------------------------------------------------------------------

@dataclass
class Answer:
    """The status given to one action: at this round, or carried over from an earlier one."""

    status: str = ""
    note: str = ""
    evidence_url: str = ""
    round_number: int | None = None
    by: Registration | None = None
    at: object = None

    @property
    def values(self) -> tuple[str, str, str]:
        return (self.status, self.note, self.evidence_url)


def answers(found: FollowUpRound, sheet: Worksheet) -> dict[str, Answer]:
    """Row id → the answer a page of round ``found`` starts from: this round's, else the latest
    earlier round's."""
    query = (sa.select(ActionUpdate, FollowUpRound.number).join(FollowUpRound)
             .where(ActionUpdate.worksheet_id == sheet.id, FollowUpRound.course_id == found.course_id,
                    FollowUpRound.number <= found.number)
             .order_by(FollowUpRound.number).options(selectinload(ActionUpdate.updated_by)))
    result = {}
    for update, number in db.session.execute(query):
        result[update.row_id] = Answer(update.status, update.note, update.evidence_url, number,
                                       update.updated_by, update.updated_at)
    return result


@dataclass
class Typed:
    """One row as a participant sent it, and as their page showed it (``original``)."""

    row_id: str
    status: str
    note: str
    evidence_url: str
    original: tuple[str, str, str]

    @property
    def values(self) -> tuple[str, str, str]:
        return (self.status, self.note, self.evidence_url)


@dataclass
class Saved:
    """What a save did: rows written; rows a teammate changed meanwhile (left as they saved
    them); rows both changed differently (``conflicts``: row id → the teammate's answer)."""

    written: list[str] = field(default_factory=list)
    by_others: list[str] = field(default_factory=list)
    conflicts: dict[str, Answer] = field(default_factory=dict)


def save_answers(found: FollowUpRound, sheet: Worksheet, registration: Registration,
                 typed: list[Typed]) -> Saved:
    """Store the rows typed differently from what the page showed (and every answered row not
    stored at this round yet: a status kept from the round before is confirmed). A row a
    teammate changed since the page was drawn is not written over."""
    db.session.scalar(sa.select(FollowUpRound.id).where(FollowUpRound.id == found.id).with_for_update())
    current = answers(found, sheet)
    stored = {u.row_id: u for u in db.session.scalars(sa.select(ActionUpdate).where(
        ActionUpdate.round_id == found.id, ActionUpdate.worksheet_id == sheet.id))}
    known = {row["row_id"] for row in plan_rows(sheet)}
    result = Saved()
    for row in typed:
        if row.row_id not in known or not row.status:
            continue
        now = current.get(row.row_id, Answer()).values
        if now != row.original:
            if row.values in (row.original, now):
                result.by_others.append(row.row_id)
            else:
                result.conflicts[row.row_id] = current.get(row.row_id, Answer())
            continue
        if row.values == row.original and row.row_id in stored:
            continue
        update = stored.get(row.row_id)
        if update is None:
            update = ActionUpdate(round_id=found.id, worksheet_id=sheet.id, row_id=row.row_id)
            db.session.add(update)
        update.status, update.note, update.evidence_url = row.values
        update.updated_by_id, update.updated_at = registration.id, utcnow()
        result.written.append(row.row_id)
    return result


def sent_round(course: Course, number: int) -> FollowUpRound | None:
    """Round ``number`` of the course if it was sent."""
    return db.session.scalar(sa.select(FollowUpRound).where(
        FollowUpRound.course_id == course.id, FollowUpRound.number == number,
        FollowUpRound.sent_at.is_not(None)))


def sent_rounds(registration: Registration) -> list[FollowUpRound]:
    """The sent rounds ``registration`` may answer (none unless their team has a plan)."""
    if not may_fill(registration):
        return []
    found = list(db.session.scalars(sa.select(FollowUpRound).where(
        FollowUpRound.course_id == registration.course_id, FollowUpRound.sent_at.is_not(None))
        .order_by(FollowUpRound.number)))
    return found if found and plan_of(registration) is not None else []

