"""What became of the action plans, as figures for the follow-up page and the reports: per
round, per team, how many actions are in each status. A fixed number of SQL statements,
whatever the number of courses, teams and answers."""
from __future__ import annotations

import sqlalchemy as sa

from ..courses.models import Course
from ..extensions import db
from ..registrations.models import Delegation, Registration, WorkingGroup
from ..toolkit.models import Exercise, Worksheet
from ..toolkit.teams import may_fill, team_name
from .models import STATUSES, ActionUpdate, FollowUpRound
from .operations import ACTION, DEFAULT_ROUNDS, PLAN, default_due, plan_rows

NOT_ANSWERED = {"status": "", "note": "", "evidence_url": "", "updated_by": "", "updated_at": None}


def plans(course_ids: list[int]) -> list[tuple[Course, Worksheet, object]]:
    """(course, sheet, owner) of every M11 sheet with actions of the courses' teams, in the
    way each course fills it now (by country, by working group, or each person), by name."""
    if not course_ids:
        return []
    rows = db.session.execute(
        sa.select(Course, Exercise, Worksheet, Delegation, WorkingGroup, Registration)
        .join(Exercise, Exercise.course_id == Course.id)
        .join(Worksheet, Worksheet.exercise_id == Exercise.id)
        .outerjoin(Delegation, Delegation.id == Worksheet.delegation_id)
        .outerjoin(WorkingGroup, WorkingGroup.id == Worksheet.group_id)
        .outerjoin(Registration, Registration.id == Worksheet.registration_id)
        .where(Course.id.in_(course_ids), Exercise.module_key == PLAN)).all()
    found = []
    for course, exercise, sheet, delegation, group, person in rows:
        if exercise.mode != "team":  # a person's own plan, while they take part
            owner = person if person is not None and may_fill(person) else None
        else:
            owner = group if course.grouping == "groups" else delegation
        if owner is not None and plan_rows(sheet):
            found.append((course, sheet, owner))
    return sorted(found, key=lambda item: (item[0].id, team_name(item[2]).casefold()))


def country_of(owner) -> str:
    return owner.country or ""


def follow_up_summary(course_ids: list[int], details: bool = False) -> dict:
    """Per round (by number, the courses' rounds together): its due date (the earliest) and when
    it was sent (the latest; None while a course has not sent it), each team's answers
    (``answered``: it gave at least one status at this round; ``counts``: status → actions;
    ``total_actions``: the actions of its plan), and the totals. With ``details``, each team
    also has ``actions``: every action of its plan, in order, with what the team gave at this
    round (``status``, "" if nothing; ``note``, ``evidence_url``, ``updated_by``: a name or "";
    ``updated_at``: a UTC moment or None). Four SQL statements."""
    course_ids = list(course_ids)
    teams = plans(course_ids)
    courses = {course.id: course for course in db.session.scalars(
        sa.select(Course).where(Course.id.in_(course_ids)))} if course_ids else {}
    stored = list(db.session.scalars(sa.select(FollowUpRound).where(
        FollowUpRound.course_id.in_(course_ids)))) if course_ids else []
    columns = [ActionUpdate.round_id, ActionUpdate.worksheet_id, ActionUpdate.row_id,
               ActionUpdate.status]
    if details:
        columns += [ActionUpdate.note, ActionUpdate.evidence_url, ActionUpdate.updated_at,
                    Registration.certificate_name]
    query = sa.select(*columns).join(FollowUpRound).where(FollowUpRound.course_id.in_(course_ids))
    if details:
        query = query.outerjoin(Registration, Registration.id == ActionUpdate.updated_by_id)
    updates = db.session.execute(query).all() if course_ids else []
    by_course: dict[int, dict[int, FollowUpRound]] = {}
    for found in stored:
        by_course.setdefault(found.course_id, {})[found.number] = found
    count = max([DEFAULT_ROUNDS, *(n for numbers in by_course.values() for n in numbers)]) if courses else 0
    given: dict[tuple[int, int], dict[str, str]] = {}  # (round id, sheet id) → row id → status
    told: dict[tuple[int, int], dict[str, dict]] = {}  # … → row id → the answer, with details
    for round_id, sheet_id, row_id, status, *more in updates:
        given.setdefault((round_id, sheet_id), {})[row_id] = status
        if details:
            note, evidence_url, updated_at, name = more
            told.setdefault((round_id, sheet_id), {})[row_id] = {
                "status": status, "note": note or "", "evidence_url": evidence_url or "",
                "updated_by": name or "", "updated_at": updated_at}
    result = []
    for number in range(1, count + 1):
        of_courses = {course_id: by_course.get(course_id, {}).get(number) for course_id in courses}
        dues = [found.due_on if found else default_due(courses[course_id], number)
                for course_id, found in of_courses.items()]
        sent = [found.sent_at if found else None for found in of_courses.values()]
        entry = {"number": number, "due_on": min(dues) if dues else None,
                 "sent_at": max(sent) if sent and None not in sent else None,
                 "teams": [], "counts": dict.fromkeys(STATUSES, 0), "total_actions": 0,
                 "answered_teams": 0, "teams_count": 0}
        for course, sheet, owner in teams:
            found = of_courses.get(course.id)
            rows = {row["row_id"] for row in plan_rows(sheet)}
            statuses = given.get((found.id, sheet.id), {}) if found else {}
            counts = dict.fromkeys(STATUSES, 0)
            for row_id, status in statuses.items():
                if row_id in rows and status in counts:
                    counts[status] += 1
            answered = any(counts.values())
            team = {"country": country_of(owner), "team_name": team_name(owner),
                    "course_id": course.id, "answered": answered, "counts": counts,
                    "total_actions": len(rows)}
            if details:
                answers = told.get((found.id, sheet.id), {}) if found else {}
                team["actions"] = [{**NOT_ANSWERED, **answers.get(row["row_id"], {}),
                                    "row_id": row["row_id"],
                                    "action": " ".join(str(row[ACTION]).split())}
                                   for row in plan_rows(sheet)]
            entry["teams"].append(team)
            for status, n in counts.items():
                entry["counts"][status] += n
            entry["total_actions"] += len(rows)
            entry["answered_teams"] += answered
        entry["teams_count"] = len(entry["teams"])
        result.append(entry)
    return {"rounds": result}


def action_headlines(course_id: int) -> list[dict]:
    """Each team's action plan as headlines (its actions' texts, in order), by team name. One
    SQL statement."""
    return [{"country": country_of(owner), "team_name": team_name(owner),
             "actions": [" ".join(str(row["action"]).split()) for row in plan_rows(sheet)]}
            for _course, sheet, owner in plans([course_id])]
