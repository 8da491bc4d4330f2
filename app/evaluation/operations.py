"""The knowledge test and the evaluation surveys of a course: the windows its trainers open and
close, the settings, and taking a questionnaire (once) through a personal link.

A questionnaire is answered once per person: the unique constraints decide (a second submit,
a double click or two tabs, changes nothing). An anonymous evaluation is stored without its
person; only an :class:`EvaluationReceipt` says that they answered, and nothing links the two.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..courses.models import Course
from ..database import utcnow
from ..extensions import db
from ..i18n import _
from ..registrations.models import Registration
from . import questionnaires
from .labels import DAY, window_label
from .models import PHASES, EvaluationReceipt, EvaluationResponse, KnowledgeAttempt, \
    QuestionnaireWindow


class EvaluationRefused(Exception):
    """A change or an answer that is not taken; the message (translated) says why."""


class AlreadyAnswered(EvaluationRefused):
    """The person answered this questionnaire before: nothing changed."""


def window_names(course: Course) -> list[str]:
    """``pre``, ``post``, ``day-1`` … ``day-<n>`` and ``course``, in that order."""
    return [*PHASES, *(f"day-{number}" for number in range(1, course.days + 1)), "course"]


def survey_names(course: Course) -> list[str]:
    return [name for name in window_names(course) if name not in PHASES]


def questionnaire_key(name: str) -> str:
    """The questionnaire a window asks: ``knowledge``, ``day`` or ``course``."""
    return "knowledge" if name in PHASES else "day" if DAY.fullmatch(name) else "course"


def is_survey(course: Course, name: str) -> bool:
    return name in survey_names(course)


def windows(course: Course) -> dict[str, QuestionnaireWindow]:
    """The course's windows that were ever opened, by name (one statement)."""
    return {window.name: window for window in db.session.scalars(
        sa.select(QuestionnaireWindow).where(QuestionnaireWindow.course_id == course.id))}


def window_state(window: QuestionnaireWindow | None) -> str:
    """``not_opened``, ``open`` or ``closed``."""
    if window is None or window.opened_at is None:
        return "not_opened"
    return "open" if window.closed_at is None else "closed"


def set_window(course: Course, name: str, action: str) -> str:
    """Open, close or reopen a window (made on its first opening); the message to show."""
    if name not in window_names(course) or action not in ("open", "close", "reopen"):
        raise EvaluationRefused(_("There is no such questionnaire for this course."))
    window = db.session.scalar(sa.select(QuestionnaireWindow).where(
        QuestionnaireWindow.course_id == course.id, QuestionnaireWindow.name == name))
    state = window_state(window)
    label = window_label(name)
    if action == "close":
        if state != "open":
            raise EvaluationRefused(_("“%(name)s” is not open.", name=label))
        window.closed_at = utcnow()
        return _("“%(name)s” is closed.", name=label)
    if state == "open":
        raise EvaluationRefused(_("“%(name)s” is already open.", name=label))
    if window is None:
        window = QuestionnaireWindow(course_id=course.id, name=name)
        try:
            with db.session.begin_nested():
                db.session.add(window)
        except IntegrityError:  # another trainer opened it at the same moment
            raise EvaluationRefused(_("“%(name)s” is already open.", name=label)) from None
    window.opened_at, window.closed_at = utcnow(), None
    return _("“%(name)s” is open: participants can answer it through their personal link.",
             name=label)


def save_settings(course: Course, *, anonymous: bool, post_test_early: bool,
                  threshold: int) -> int:
    """Store the course's evaluation settings; the number of stored answers unlinked from their
    authors (switching to anonymous unlinks every evaluation answer of the course)."""
    if not 1 <= threshold <= 100:
        raise EvaluationRefused(_("The threshold must be a whole number from 1 to 100."))
    course.post_test_early = post_test_early
    course.report_threshold = threshold
    unlinked = 0
    if anonymous and not course.evaluations_anonymous:
        unlinked = db.session.execute(sa.update(EvaluationResponse).where(
            EvaluationResponse.course_id == course.id, EvaluationResponse.registration_id.is_not(None))
            .values(registration_id=None)).rowcount or 0
        if unlinked:
            shuffle_all(course)
    course.evaluations_anonymous = anonymous
    return unlinked


def shuffle_all(course: Course) -> None:
    """Deal the answers of each of the course's surveys afresh among its anonymous rows (see
    :func:`shuffle_in`): answers unlinked from their authors keep no trace of their order."""
    rows = db.session.scalars(sa.select(EvaluationResponse).where(
        EvaluationResponse.course_id == course.id, EvaluationResponse.registration_id.is_(None))
        .order_by(EvaluationResponse.survey, EvaluationResponse.id).with_for_update()).all()
    by_survey: dict[str, list[EvaluationResponse]] = {}
    for row in rows:
        by_survey.setdefault(row.survey, []).append(row)
    for group in by_survey.values():
        contents = [(row.answers, row.language) for row in group]
        secrets.SystemRandom().shuffle(contents)
        for row, (answers, language) in zip(group, contents):
            row.answers, row.language = answers, language


def may_answer(registration: Registration) -> bool:
    return registration.status == "approved" and registration.anonymised_at is None


def answered(registration: Registration) -> dict[str, KnowledgeAttempt | bool]:
    """What the person answered: ``pre``/``post`` → their attempt, a survey name → True
    (two statements)."""
    found: dict = {attempt.phase: attempt for attempt in db.session.scalars(
        sa.select(KnowledgeAttempt).where(KnowledgeAttempt.registration_id == registration.id))}
    found.update((survey, True) for survey in db.session.scalars(
        sa.select(EvaluationReceipt.survey).where(EvaluationReceipt.registration_id == registration.id)))
    return found


def availability(course: Course, name: str, found: dict[str, QuestionnaireWindow],
                 done: dict) -> str:
    """Whether the person may answer ``name`` now: ``answered``, ``open``, ``not_opened``,
    ``closed`` or ``after_pre`` (the post-test waits until the pre-test closes)."""
    if name in done:
        return "answered"
    state = window_state(found.get(name))
    if state != "open":
        return state
    if name == "post" and not course.post_test_early and window_state(found.get("pre")) != "closed":
        return "after_pre"
    return "open"


def refusal(state: str) -> str:
    """Why a questionnaire cannot be answered now, in words."""
    return {
        "answered": _("You have already answered this questionnaire. Thank you: your answers are "
                      "kept as you sent them."),
        "not_opened": _("This questionnaire is not open yet. The trainers open it at the right "
                        "moment of the course; come back then through your personal link."),
        "closed": _("This questionnaire is closed: answers are no longer taken."),
        "after_pre": _("The post-test opens once the pre-test is closed."),
    }.get(state, "")


def check_open(course: Course, registration: Registration, name: str) -> None:
    """Refuse (saying why) unless the person may answer ``name`` now."""
    state = availability(course, name, windows(course), answered(registration))
    if state == "answered":
        raise AlreadyAnswered(refusal(state))
    if state != "open":
        raise EvaluationRefused(refusal(state))


def take_knowledge(course: Course, registration: Registration, phase: str, answers: dict,
                   language: str) -> KnowledgeAttempt:
    """Store the person's knowledge test ``phase`` with its score, once."""
    check_open(course, registration, phase)
    test = questionnaires.get("knowledge")
    kept = {spec.name: answers.get(spec.name, "") for spec in test.fields}
    attempt = KnowledgeAttempt(course_id=course.id, registration_id=registration.id, phase=phase,
                               answers=kept, score=test.score(kept), out_of=len(test.correct),
                               language=language)
    store_once(attempt)
    return attempt


def answer_survey(course: Course, registration: Registration, survey: str, answers: dict,
                  language: str) -> None:
    """Store the person's answers to ``survey``, once: without their name when the course's
    evaluations are anonymous, with a receipt saying they answered in both cases."""
    check_open(course, registration, survey)
    survey_form = questionnaires.get(questionnaire_key(survey))
    kept = {spec.name: answers.get(spec.name, "") for spec in survey_form.fields}
    response = EvaluationResponse(course_id=course.id, survey=survey, answers=kept, language=language,
                                  registration_id=None if course.evaluations_anonymous else registration.id)
    receipt = EvaluationReceipt(registration_id=registration.id, survey=survey, course_id=course.id)
    store_once(receipt, response)
    if course.evaluations_anonymous:
        shuffle_in(response)


def shuffle_in(response: EvaluationResponse) -> None:
    """Swap the new anonymous ``response``'s answers with those of one of the survey's anonymous
    responses picked at random, itself included (an "inside-out" Fisher–Yates shuffle): the
    order rows are stored in (SQLite's rowid, PostgreSQL's physical order, a dump) then follows
    the receipts' order no more, so it cannot pair an answer with its author. The row picked is
    locked, so two answers sent at once never swap with the same stale copy."""
    anonymous = sa.and_(EvaluationResponse.course_id == response.course_id,
                        EvaluationResponse.survey == response.survey,
                        EvaluationResponse.registration_id.is_(None))
    others = db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationResponse).where(
        anonymous, EvaluationResponse.id != response.id)) or 0
    pick = secrets.randbelow(others + 1)
    if pick == others:  # the new answer stays where it is
        return
    other = db.session.scalar(sa.select(EvaluationResponse).where(anonymous, EvaluationResponse.id != response.id)
                              .order_by(EvaluationResponse.id).offset(pick).limit(1).with_for_update())
    if other is None:  # removed meanwhile
        return
    (response.answers, response.language), (other.answers, other.language) = \
        (other.answers, other.language), (response.answers, response.language)
    db.session.flush()


def store_once(*rows) -> None:
    """Add ``rows`` together, or none of them when the unique constraints say the person
    answered already (the same questionnaire sent twice at once: the first one counts)."""
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
    except IntegrityError:
        raise AlreadyAnswered(refusal("answered")) from None


@dataclass
class Overview:
    """A participant's questionnaires for their personal page."""

    items: list[dict] = field(default_factory=list)  # {name, label, state}
    scores: dict | None = None  # {pre, post, out_of} once the post-test is closed


def overview(registration: Registration) -> Overview:
    """The questionnaires open now or answered, and the person's scores once the post-test
    window is closed. One statement: the windows, each with the person's attempt or receipt
    (there is none for a window never opened)."""
    if not may_answer(registration):
        return Overview()
    course = registration.course
    rows = db.session.execute(
        sa.select(QuestionnaireWindow, KnowledgeAttempt.score, KnowledgeAttempt.out_of,
                  EvaluationReceipt.survey)
        .outerjoin(KnowledgeAttempt, sa.and_(KnowledgeAttempt.registration_id == registration.id,
                                             KnowledgeAttempt.phase == QuestionnaireWindow.name))
        .outerjoin(EvaluationReceipt, sa.and_(EvaluationReceipt.registration_id == registration.id,
                                              EvaluationReceipt.survey == QuestionnaireWindow.name))
        .where(QuestionnaireWindow.course_id == course.id)).all()
    found = {row[0].name: row[0] for row in rows}
    done = {row[0].name: {"score": row.score, "out_of": row.out_of} for row in rows
            if row.out_of is not None or row.survey is not None}
    result = Overview()
    for name in window_names(course):
        state = availability(course, name, found, done)
        if state in ("open", "answered"):
            result.items.append({"name": name, "label": window_label(name), "state": state,
                                 "knowledge": name in PHASES})
    if window_state(found.get("post")) == "closed" and ("pre" in done or "post" in done):
        taken = [done.get(phase) for phase in PHASES]
        result.scores = {"pre": taken[0]["score"] if taken[0] else None,
                         "post": taken[1]["score"] if taken[1] else None,
                         "out_of": next(item["out_of"] for item in taken if item)}
    return result
