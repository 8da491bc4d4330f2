"""The figures of one course or of a programme of courses, counted by the database: the same
number of SQL statements for one course of five people as for fifty courses of two thousand
(GROUP BY across the course ids; never a query per course or per person).

Participants are the approved registrations. :class:`Filters` (country, sex) restrict every
figure about people: participants, registrations, attendance, individual worksheets (team
worksheets by country only) and the knowledge test. Evaluation answers and the follow-up are
not filtered: anonymous answers have no person to filter by.

Everything here is counts and means, in plain dicts (the JSON export is made of them); which
percentage may be shown is decided by :func:`app.reports.tables.share`.
"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..agenda.models import AgendaSession, Attendance
from ..courses.models import Course
from ..database import utcnow
from ..evaluation.results import knowledge_summary, survey_summary
from ..extensions import db
from ..followup.results import follow_up_summary
from ..registrations.models import SEXES, STATUSES, Delegation, Registration, WorkingGroup
from ..toolkit.models import Exercise, Worksheet

PROGRESS = ("empty", "draft", "submitted", "returned", "final")  # Worksheet.progress
DONE = ("submitted", "final")  # a worksheet handed in


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters: an ISO country code and a sex ("" for all)."""

    country: str = ""
    sex: str = ""

    @property
    def active(self) -> bool:
        return bool(self.country or self.sex)

    def restrict(self, query):
        """``query`` (about :class:`Registration`) limited to the chosen people."""
        if self.country:
            query = query.where(Registration.country == self.country)
        if self.sex:
            query = query.where(Registration.sex == self.sex)
        return query

    def args(self) -> dict[str, str]:
        """As URL query arguments (the empty ones left out)."""
        return {name: value for name, value in (("country", self.country), ("sex", self.sex)) if value}


def sexes(counts: dict | None = None) -> dict[str, int]:
    """Counts by sex, every sex present (0 when none), "undisclosed" included."""
    return {sex: int((counts or {}).get(sex, 0)) for sex in SEXES}


def add_to(table: dict, key, sex: str, number: int) -> None:
    table.setdefault(key, sexes())[sex] += number


def people(course_ids: list[int], filters: "Filters"):
    """The participants counted: a select of :attr:`Registration.id`."""
    return filters.restrict(sa.select(Registration.id).where(
        Registration.course_id.in_(course_ids), Registration.status == "approved"))


def countries(course_ids: list[int]) -> list[str]:
    """The countries the courses' participants come from (for the country filter)."""
    return list(db.session.scalars(sa.select(Registration.country).distinct().where(
        Registration.course_id.in_(course_ids), Registration.status == "approved")
        .order_by(Registration.country)))


def compute(courses: list[Course], filters: Filters = Filters(), *, now: datetime | None = None) -> dict:
    """Every figure of ``courses`` (plain data: counts, means 0–100, lists and dicts)."""
    ids = [course.id for course in courses]
    now = now or utcnow()
    sessions = db.session.scalars(sa.select(AgendaSession).where(AgendaSession.course_id.in_(ids))
                                  .order_by(AgendaSession.course_id, AgendaSession.starts_at,
                                            AgendaSession.room)).all()
    result = {"courses": ids, "filters": filters.args(),
              "participants": participants(ids, filters),
              "registrations": {"by_status": registrations_by_status(ids, filters)}}
    result["attendance"] = attendance(ids, filters, sessions, result["participants"], now)
    result["worksheets"] = worksheets(courses, filters, result["participants"])
    result.update(learning(ids, filters))
    return result


def participants(ids: list[int], filters: Filters) -> dict:
    """Totals by sex, by country, organisation type, ministry and course: one statement."""
    rows = db.session.execute(filters.restrict(
        sa.select(Registration.course_id, Registration.country, Registration.sex,
                  Registration.organisation_type, Registration.ministry, sa.func.count())
        .where(Registration.course_id.in_(ids), Registration.status == "approved")
        .group_by(Registration.course_id, Registration.country, Registration.sex,
                  Registration.organisation_type, Registration.ministry))).all()
    result = {"total": 0, "by_sex": sexes(), "by_country": {}, "by_organisation_type": {},
              "by_ministry": {}, "by_course": {course_id: sexes() for course_id in ids},
              "by_course_country": {}}
    for course_id, country, sex, kind, ministry, number in rows:
        result["total"] += number
        result["by_sex"][sex] += number
        add_to(result["by_country"], country, sex, number)
        add_to(result["by_organisation_type"], kind, sex, number)
        if ministry:
            add_to(result["by_ministry"], f"{country}:{ministry}", sex, number)
        result["by_course"][course_id][sex] += number
        counts = result["by_course_country"].setdefault(course_id, {})
        counts[country] = counts.get(country, 0) + number
    result["by_country"] = dict(sorted(result["by_country"].items()))
    return result


def registrations_by_status(ids: list[int], filters: Filters) -> dict[str, dict[str, int]]:
    rows = db.session.execute(filters.restrict(
        sa.select(Registration.status, Registration.sex, sa.func.count())
        .where(Registration.course_id.in_(ids)).group_by(Registration.status, Registration.sex)))
    found: dict[str, dict[str, int]] = {}
    for status, sex, number in rows:
        add_to(found, status, sex, number)
    return {status: found.get(status, sexes()) for status in STATUSES}


def slots(sessions: list[AgendaSession]) -> dict[int, int]:
    """Parallel sessions form one slot (attending any of them counts once, as the attendance
    grid counts): each session id → the id of the first session of its slot."""
    slot_of, current, ends, course_id = {}, None, None, None
    for session in sorted(sessions, key=lambda s: (s.course_id, s.starts_at, s.room)):
        if session.course_id == course_id and ends is not None and session.starts_at < ends:
            ends = max(ends, session.ends_at)
        else:
            current, ends, course_id = session.id, session.ends_at, session.course_id
        slot_of[session.id] = current
    return slot_of


def attendance(ids: list[int], filters: Filters, sessions: list[AgendaSession], people_counts: dict,
               now: datetime) -> dict:
    """Attended participant-slots over possible ones (participants × slots of the sessions that
    count for attendance and have started), overall, by sex and by course; and each session's
    present count by sex. Two statements."""
    counted = [s for s in sessions if s.counts_for_attendance and s.starts_at <= now]
    slot_of = slots(counted)
    slot_count: dict[int, int] = {}
    for session in counted:
        if slot_of[session.id] == session.id:
            slot_count[session.course_id] = slot_count.get(session.course_id, 0) + 1
    merged = {sid: first for sid, first in slot_of.items() if sid != first}
    slot = sa.case(merged, value=Attendance.session_id, else_=Attendance.session_id) if merged \
        else Attendance.session_id
    counts_now = sa.and_(AgendaSession.kind != "break", AgendaSession.starts_at <= now)
    present = filters.restrict(
        sa.select(Registration.course_id, Registration.sex, Attendance.registration_id,
                  slot.label("slot"))
        .join(Registration, Registration.id == Attendance.registration_id)
        .join(AgendaSession, AgendaSession.id == Attendance.session_id)
        .where(AgendaSession.course_id.in_(ids), counts_now, Attendance.present,
               Registration.status == "approved").distinct()).subquery()
    attended: dict[int, dict[str, int]] = {}
    for course_id, sex, number in db.session.execute(
            sa.select(present.c.course_id, present.c.sex, sa.func.count())
            .group_by(present.c.course_id, present.c.sex)):
        add_to(attended, course_id, sex, number)
    per_session: dict[int, dict[str, int]] = {}
    for session_id, sex, number in db.session.execute(filters.restrict(
            sa.select(Attendance.session_id, Registration.sex, sa.func.count())
            .join(Registration, Registration.id == Attendance.registration_id)
            .join(AgendaSession, AgendaSession.id == Attendance.session_id)
            .where(AgendaSession.course_id.in_(ids), Attendance.present,
                   Registration.status == "approved")
            .group_by(Attendance.session_id, Registration.sex))):
        add_to(per_session, session_id, sex, number)
    by_sex = {sex: {"attended": 0, "possible": 0, "people": people_counts["by_sex"][sex]} for sex in SEXES}
    by_course = {}
    for course_id in ids:
        slots_here = slot_count.get(course_id, 0)
        done = attended.get(course_id, sexes())
        for sex in SEXES:
            by_sex[sex]["attended"] += done[sex]
            by_sex[sex]["possible"] += people_counts["by_course"][course_id][sex] * slots_here
        by_course[course_id] = {"attended": sum(done.values()), "slots": slots_here,
                                "possible": sum(people_counts["by_course"][course_id].values()) * slots_here}
    for values in by_sex.values():
        values["rate"] = rate(values["attended"], values["possible"])
    total_attended = sum(values["attended"] for values in by_sex.values())
    total_possible = sum(values["possible"] for values in by_sex.values())
    return {"rate": rate(total_attended, total_possible), "attended": total_attended,
            "possible": total_possible, "by_sex": by_sex, "by_course": by_course,
            "sessions": [{"id": s.id, "course_id": s.course_id, "title": s.title,
                          "starts_at": s.starts_at, "kind": s.kind,
                          "counts": s.counts_for_attendance,
                          "present": per_session.get(s.id, sexes())} for s in sessions]}


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a percentage (0–100), None when there is no whole."""
    return 100.0 * part / whole if whole else None


def worksheets(courses: list[Course], filters: Filters, people_counts: dict) -> dict:
    """Worksheets by exercise and by country team, counted by progress (empty, draft, submitted,
    returned, final); sheets nobody opened yet count as empty (individual exercises: one per
    participant; team exercises of courses grouped by country: one per country). Two statements."""
    ids = [course.id for course in courses]
    exercises = db.session.scalars(sa.select(Exercise).where(Exercise.course_id.in_(ids))
                                   .order_by(Exercise.course_id, Exercise.position)).all()
    progress = sa.case((sa.and_(Worksheet.status == "draft", Worksheet.version == 0), "empty"),
                       else_=Worksheet.status)
    country = sa.func.coalesce(Registration.country, Delegation.country,
                               sa.func.nullif(WorkingGroup.country, ""), Course.country)
    query = (sa.select(Worksheet.exercise_id, country, progress, sa.func.count())
             .join(Exercise, Exercise.id == Worksheet.exercise_id)
             .join(Course, Course.id == Exercise.course_id)
             .outerjoin(Registration, Registration.id == Worksheet.registration_id)
             .outerjoin(Delegation, Delegation.id == Worksheet.delegation_id)
             .outerjoin(WorkingGroup, WorkingGroup.id == Worksheet.group_id)
             .where(Exercise.course_id.in_(ids),
                    sa.or_(Worksheet.registration_id.is_(None), Registration.status == "approved"))
             .group_by(Worksheet.exercise_id, country, progress))
    if filters.country:
        query = query.where(country == filters.country)
    if filters.sex:
        query = query.where(sa.or_(Worksheet.registration_id.is_(None), Registration.sex == filters.sex))
    found: dict[int, dict[str, dict[str, int]]] = {}
    for exercise_id, where, state, number in db.session.execute(query):
        by_country = found.setdefault(exercise_id, {})
        by_country.setdefault(where, dict.fromkeys(PROGRESS, 0))[state] += number
    grouping = {course.id: course.grouping for course in courses}
    rows, teams = [], {}
    for exercise in exercises:
        by_country = found.get(exercise.id, {})
        here = people_counts["by_course_country"].get(exercise.course_id, {})
        for where, number in here.items():  # sheets not opened yet
            expected = number if exercise.mode == "individual" else \
                1 if grouping[exercise.course_id] == "country" else 0
            counts = by_country.setdefault(where, dict.fromkeys(PROGRESS, 0))
            counts["empty"] += max(expected - sum(counts.values()), 0)
        totals = dict.fromkeys(PROGRESS, 0)
        for where, counts in by_country.items():
            for state, number in counts.items():
                totals[state] += number
                if exercise.mode == "team":
                    teams.setdefault(where, dict.fromkeys(PROGRESS, 0))[state] += number
        rows.append({"id": exercise.id, "course_id": exercise.course_id, "key": exercise.module_key,
                     "mode": exercise.mode, "counts": totals})
    return {"exercises": rows, "teams": dict(sorted(teams.items()))}


def learning(ids: list[int], filters: Filters) -> dict:
    """The knowledge test (filtered), the evaluations and the follow-up (not filtered)."""
    chosen = people(ids, filters) if filters.active else None
    return {"knowledge": knowledge_summary(ids, people=chosen),
            "evaluation": survey_summary(ids), "follow_up": follow_up_summary(ids)}
