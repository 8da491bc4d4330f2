"""What the knowledge tests and the evaluations of one or more courses add up to, for the
trainers' evaluation page, the dashboard and the reports.

Each function sends a constant number of SQL statements, whatever the number of courses and
people (one for a summary, two for the list of people). Labels are in English: translate them
with :func:`app.toolkit.translate`. Evaluation answers are never filtered by person (anonymous
answers have none).
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from ..extensions import db
from ..registrations.models import Registration
from . import questionnaires
from .labels import SCALE
from .models import EvaluationResponse, KnowledgeAttempt


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _percent(score: int, out_of: int) -> float:
    return 100.0 * score / out_of if out_of else 0.0


def _pairs(rows) -> tuple[dict, dict]:
    """(registration id → percentage score) for the pre-test and for the post-test."""
    pre, post = {}, {}
    for row in rows:
        (pre if row.phase == "pre" else post)[row.registration_id] = _percent(row.score, row.out_of)
    return pre, post


def _means(pre: dict, post: dict) -> dict:
    paired = pre.keys() & post.keys()
    return {"pre_mean": _mean(list(pre.values())), "post_mean": _mean(list(post.values())),
            "change_mean": _mean([post[key] - pre[key] for key in paired]),
            "paired_count": len(paired)}


def knowledge_summary(course_ids: list[int], people=None) -> dict:
    """Counts and mean scores (percentages 0–100) before and after, the mean change of those who
    took both, by sex the mean scores of those who took both, and per question how many answered
    and got it right. Only the participants count (approved registrations, as in the reports:
    someone cancelled after the pre-test is left out), and of them only ``people`` when given."""
    test = questionnaires.get("knowledge")
    query = sa.select(KnowledgeAttempt.registration_id, KnowledgeAttempt.phase, KnowledgeAttempt.score,
                      KnowledgeAttempt.out_of, KnowledgeAttempt.answers, Registration.sex) \
        .join(Registration, Registration.id == KnowledgeAttempt.registration_id) \
        .where(KnowledgeAttempt.course_id.in_(list(course_ids) or [-1]), Registration.status == "approved")
    if people is not None:
        query = query.where(KnowledgeAttempt.registration_id.in_(people))
    rows = db.session.execute(query).all()
    pre, post = _pairs(rows)
    by_sex = {}
    for sex in sorted({row.sex for row in rows}):
        chosen_pre, chosen_post = _pairs([row for row in rows if row.sex == sex])
        both = chosen_pre.keys() & chosen_post.keys()  # the same people before and after
        means = _means({key: chosen_pre[key] for key in both}, {key: chosen_post[key] for key in both})
        by_sex[sex] = {key: means[key] for key in ("pre_mean", "post_mean", "paired_count")}
    questions = []
    for spec in test.fields if test else ():
        item = {"name": spec.name, "label": spec.label}
        for phase in ("pre", "post"):
            answers = [row.answers.get(spec.name) for row in rows if row.phase == phase]
            given = [value for value in answers if value not in (None, "")]
            item[f"{phase}_answered"] = len(given)
            item[f"{phase}_correct"] = sum(1 for value in given if value == test.correct.get(spec.name))
        questions.append(item)
    return {"pre_count": len(pre), "post_count": len(post), **_means(pre, post),
            "out_of": len(test.correct) if test else 0, "by_sex": by_sex, "questions": questions}


def knowledge_people(course_id: int) -> list[dict]:
    """Every approved participant, and anyone else who took the test, by name: their pre and
    post scores (None when not taken), out of how many, and the change (None unless both)."""
    attempts = db.session.execute(sa.select(
        KnowledgeAttempt.registration_id, KnowledgeAttempt.phase, KnowledgeAttempt.score,
        KnowledgeAttempt.out_of).where(KnowledgeAttempt.course_id == course_id)).all()
    tested = {row.registration_id for row in attempts}
    people = db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course_id,
        sa.or_(Registration.status == "approved", Registration.id.in_(tested or [-1])))
        .order_by(Registration.certificate_name, Registration.id)).all()
    scores = {(row.registration_id, row.phase): row for row in attempts}
    test = questionnaires.get("knowledge")
    result = []
    for person in people:
        pre, post = scores.get((person.id, "pre")), scores.get((person.id, "post"))
        out_of = (pre or post).out_of if (pre or post) else (len(test.correct) if test else 0)
        result.append({"registration": person, "pre": pre.score if pre else None,
                       "post": post.score if post else None, "out_of": out_of,
                       "change": post.score - pre.score if pre and post else None})
    return result


def survey_order(key: str) -> tuple:
    """``day-1`` … ``day-<n>``, then ``course``."""
    found = re.fullmatch(r"day-(\d+)", key)
    return (0, int(found.group(1))) if found else (1, 0)


def empty_survey(key: str) -> dict:
    """A survey's summary before anyone answered it."""
    return _summarise(key, [])


def _summarise(key: str, rows: list) -> dict:
    survey = questionnaires.get("day" if key.startswith("day-") else "course")
    result = {"responses": len(rows), "scales": [], "choices": [], "open": []}
    for spec in survey.fields if survey else ():
        values = [row.answers.get(spec.name) for row in rows]
        values = [value for value in values if value not in (None, "")]
        if spec.type.name == "scale":
            counts = {point: 0 for point in SCALE}
            for value in values:
                if str(value).isdigit() and int(value) in counts:
                    counts[int(value)] += 1
            total = sum(counts.values())
            mean = sum(point * n for point, n in counts.items()) / total if total else None
            result["scales"].append({"name": spec.name, "label": spec.label, "counts": counts,
                                     "mean": mean})
        elif spec.type.name == "choice":
            counts = {value: 0 for value, _label in spec.options}
            for value in values:
                if value in counts:
                    counts[value] += 1
            result["choices"].append({"name": spec.name, "label": spec.label, "counts": counts})
        else:
            answers = [(str(row.answers[spec.name]), row.language) for row in rows
                       if str(row.answers.get(spec.name) or "").strip()]
            result["open"].append({"name": spec.name, "label": spec.label, "answers": answers})
    return result


def survey_summary(course_ids: list[int], survey: str | None = None) -> dict:
    """Per survey key with answers (and ``survey`` when asked for, even unanswered): the number
    of responses, each scale question's distribution over 1–5 and mean, each choice question's
    counts by option value, and every open answer with the language it was written in."""
    query = sa.select(EvaluationResponse.survey, EvaluationResponse.answers, EvaluationResponse.language) \
        .where(EvaluationResponse.course_id.in_(list(course_ids) or [-1])) \
        .order_by(EvaluationResponse.survey, EvaluationResponse.id)
    if survey is not None:
        query = query.where(EvaluationResponse.survey == survey)
    grouped: dict[str, list] = {survey: []} if survey is not None else {}
    for row in db.session.execute(query):
        grouped.setdefault(row.survey, []).append(row)
    return {key: _summarise(key, grouped[key]) for key in sorted(grouped, key=survey_order)}
