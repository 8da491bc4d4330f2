"""What participants are told, by email, in their own language."""
from flask import current_app, has_request_context, url_for

from ..mail.operations import send_email
from .operations import places_left
from .models import Delegation, Registration


def personal_url(registration: Registration) -> str:
    """The full address of a participant's personal page."""
    if has_request_context():
        return url_for("registrations.personal", token=registration.token, _external=True)
    return current_app.config["BASE_URL"].rstrip("/") + f"/p/{registration.token}/"


def notify_registered(registration: Registration) -> None:
    send_email(registration.email, registration.language, "registration_received",
               course=registration.course, registration=registration,
               link=personal_url(registration))


def notify_status(registration: Registration, reason: str) -> None:
    send_email(registration.email, registration.language, "registration_status",
               course=registration.course, registration=registration, reason=reason,
               link=personal_url(registration))


def notify_focal_point(delegation: Delegation) -> None:
    course = delegation.course
    if has_request_context():
        link = url_for("registrations.nominate", slug=course.slug, token=delegation.nomination_token,
                       _external=True)
    else:
        link = current_app.config["BASE_URL"].rstrip("/") + \
            f"/courses/{course.slug}/nominate/{delegation.nomination_token}"
    send_email(delegation.focal_email, course.working_language, "nomination_link", course=course,
               delegation=delegation, link=link, places=places_left(course, delegation.country))
