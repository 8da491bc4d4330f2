"""A course's registrations: the list with its filters, one, registering someone, a status change."""
from flask import url_for

from ...extensions import db
from .. import resources
from ..schemas import (REGISTRATION_EXAMPLE, STATUS_EXAMPLE, RegistrationArgsSchema,
                       RegistrationInputSchema, RegistrationPageSchema, RegistrationSchema,
                       StatusInputSchema)
from .common import LINK_HEADER, PREFIX, TOKEN, bp, paged, refusals

REGISTRATIONS = PREFIX + "/courses/<slug>/registrations"


@bp.route(REGISTRATIONS, tags=["Registrations"])
@bp.arguments(RegistrationArgsSchema, location="query", error_status_code=400)
@bp.response(200, RegistrationPageSchema, headers=LINK_HEADER)
@refusals(*TOKEN, 404)
def registrations(args, slug: str):
    """Registrations

    The course's registrations (anonymised ones left out), by id; filtered by status and country
    as the staff list is.
    """
    course = resources.managed_course(slug)
    return paged(resources.registrations_page(course, args, args["limit"], args.get("cursor")),
                 args["limit"])


@bp.route(REGISTRATIONS, methods=["POST"], endpoint="register", tags=["Registrations"])
@bp.arguments(RegistrationInputSchema, example=REGISTRATION_EXAMPLE)
@bp.response(201, RegistrationSchema, headers={"Location": {
    "description": "The new registration's address", "schema": {"type": "string"}}})
@refusals(*TOKEN, 404, 409, 400, 415)
def register(data, slug: str):
    """Register someone

    With the registration form's fields and rules: a place if one is free (pending or approved as
    the course decides), else the waitlist; the personal link is emailed in the person's language.
    Needs a write token, and the course's registration to be open (409 otherwise).
    """
    course = resources.managed_course(slug)
    registration = resources.register(course, data)
    db.session.commit()
    return registration, 201, {"Location": url_for(".registration", slug=slug,
                                                   registration_id=registration.id)}


@bp.route(REGISTRATIONS + "/<int:registration_id>", tags=["Registrations"])
@bp.response(200, RegistrationSchema)
@refusals(*TOKEN, 404)
def registration(slug: str, registration_id: int):
    """One registration"""
    return resources.registration_of(resources.managed_course(slug), registration_id)


@bp.route(REGISTRATIONS + "/<int:registration_id>/status", methods=["POST"], tags=["Registrations"])
@bp.arguments(StatusInputSchema, example=STATUS_EXAMPLE)
@bp.response(200, RegistrationSchema)
@refusals(*TOKEN, 404, 400, 415)
def change_status(data, slug: str, registration_id: int):
    """Change a registration's status

    As the staff page does: recorded in its history, the participant emailed (with the reason),
    freed places given to the waitlist. Needs a write token.
    """
    registration = resources.registration_of(resources.managed_course(slug), registration_id)
    resources.change_status(registration, data["status"], data["reason"])
    db.session.commit()
    return registration
