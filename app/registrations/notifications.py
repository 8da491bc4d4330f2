"""What participants are told, by email, in their own language."""
from ..agenda.online import join_links
from ..links import external_url
from ..mail.operations import compose, send_email
from . import signals
from .models import Delegation, Registration
from .operations import places_left


def personal_url(registration: Registration) -> str:
    """The full address of a participant's personal page (on BASE_URL, whoever asked)."""
    return external_url("registrations.personal", token=registration.token)


def notify_registered(registration: Registration) -> None:
    send_email(**_received(registration))


def registration_received(registration: Registration) -> dict:
    """The email :func:`notify_registered` sends, written but not stored: an import writes
    thousands before storing them at once (app.mail.operations.store_composed)."""
    return compose(**_received(registration))


def _received(registration: Registration) -> dict:
    return dict(recipient=registration.email, language=registration.language,
                template="registration_received", course=registration.course,
                registration=registration, link=personal_url(registration),
                meeting_links=join_links(registration, absolute=True))


def notify_status(registration: Registration, reason: str) -> None:
    send_email(registration.email, registration.language, "registration_status",
               course=registration.course, registration=registration, reason=reason,
               link=personal_url(registration), meeting_links=join_links(registration, absolute=True))


def notify_focal_point(delegation: Delegation) -> None:
    course = delegation.course
    link = external_url("registrations.nominate", slug=course.slug, token=delegation.nomination_token)
    send_email(delegation.focal_email, course.working_language, "nomination_link", course=course,
               delegation=delegation, link=link, places=places_left(course, delegation.country))


# Registrations' operations announce; these send the emails (connected once, at import).
signals.personal_link.connect(lambda registration: notify_registered(registration), weak=False)
signals.status_changed.connect(lambda registration, reason="": notify_status(registration, reason),
                               weak=False)
signals.focal_point_invited.connect(lambda delegation: notify_focal_point(delegation), weak=False)
