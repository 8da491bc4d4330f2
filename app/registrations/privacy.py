"""What participants can see and erase of their data, and the retention rule."""
from datetime import date, timedelta

import sqlalchemy as sa

from ..audit.operations import record
from ..certificates import storage
from ..courses.models import Course
from ..database import utcnow
from ..evaluation.models import EvaluationReceipt, EvaluationResponse, KnowledgeAttempt
from ..extensions import db
from ..mail.models import OutboxMessage
from .models import Registration, new_token
from .operations import change_status, note_erased

PERSONAL_FIELDS = ("full_name", "family_name", "given_names", "honorific", "native_name", "address_as",
                   "certificate_name", "search_name", "organisation", "position", "province",
                   "email", "phone", "dietary", "accessibility")
# Kept after anonymising: what disaggregated reports count.
KEPT_FIELDS = ("status", "sex", "age_group", "country", "organisation_type", "ministry", "language",
               "certificate_language")


def personal_data(registration: Registration) -> dict:
    """Everything held about a participant, for them to download."""
    data = {name: getattr(registration, name) for name in (*PERSONAL_FIELDS, *KEPT_FIELDS, "name_order")}
    data.pop("search_name")
    data.update(course=registration.course.slug,
                submitted_at=registration.submitted_at.isoformat(),
                consent={"privacy_notice_version": registration.consent_version,
                         "given_at": registration.consent_at.isoformat() if registration.consent_at else None},
                history=[{"from": e.old_status, "to": e.new_status, "at": e.at.isoformat(),
                          "reason": e.reason} for e in registration.events],
                **questionnaires(registration))
    return data


def questionnaires(registration: Registration) -> dict:
    """The person's knowledge tests, the evaluations they answered, and their answers where
    the course keeps them named (anonymous answers cannot be found: nothing links them)."""
    attempts = db.session.scalars(sa.select(KnowledgeAttempt).where(
        KnowledgeAttempt.registration_id == registration.id).order_by(KnowledgeAttempt.phase.desc()))
    named = db.session.scalars(sa.select(EvaluationResponse).where(
        EvaluationResponse.registration_id == registration.id).order_by(EvaluationResponse.survey))
    return {"knowledge_tests": [{"phase": a.phase, "score": a.score, "out_of": a.out_of,
                                 "submitted_at": a.submitted_at.isoformat(), "answers": a.answers}
                                for a in attempts],
            "evaluations_answered": sorted(db.session.scalars(sa.select(EvaluationReceipt.survey).where(
                EvaluationReceipt.registration_id == registration.id))),
            "evaluation_answers": [{"survey": r.survey, "answers": r.answers} for r in named]}


def request_deletion(registration: Registration) -> None:
    """Cancel the registration (freeing the place) and erase the person at once."""
    change_status(registration, "cancelled", reason="deletion requested")
    registration.deletion_requested_at = utcnow()
    note_erased(registration)
    anonymise(registration)


def anonymise(registration: Registration) -> None:
    """Erase who the person is; keep the figures (sex, age group, country, organisation type)."""
    email = registration.email
    # Its own messages; and messages written before messages knew their registration, to its
    # address, unless someone else of the course has that address (whoever registered with
    # another person's address must not erase that person's messages).
    others = sa.select(Registration.id).where(
        Registration.course_id == registration.course_id, Registration.id != registration.id,
        Registration.email == email)
    db.session.execute(sa.delete(OutboxMessage).where(sa.or_(
        OutboxMessage.registration_id == registration.id,
        sa.and_(OutboxMessage.registration_id.is_(None), OutboxMessage.course_id == registration.course_id,
                OutboxMessage.recipient == email, ~sa.exists(others)))))
    for name in PERSONAL_FIELDS:
        setattr(registration, name, "")
    registration.email = f"anonymised-{registration.id}@invalid"
    registration.token = new_token()  # the old personal link stops working
    registration.submission_key = None
    registration.anonymised_at = utcnow()
    for event in registration.events:
        event.reason = ""
    # Evaluation answers kept with a name become anonymous (their open answers may name them).
    db.session.execute(sa.update(EvaluationResponse).where(
        EvaluationResponse.registration_id == registration.id).values(registration_id=None))
    storage.forget(registration.certificates)  # printed with their name
    db.session.flush()


def anonymise_expired(retention_days: int, today: date | None = None) -> int:
    """Anonymise the registrations of courses that ended more than ``retention_days`` ago, each
    noted in the audit log (the retention command's erasures)."""
    cutoff = (today or date.today()) - timedelta(days=retention_days)
    expired = db.session.scalars(sa.select(Registration).join(Course).where(
        Course.end_date < cutoff, Registration.anonymised_at.is_(None))).all()
    for registration in expired:
        anonymise(registration)
        record("registration.anonymise", course=registration.course, target=registration,
               details={"retention_days": retention_days})
    return len(expired)
