"""Creating and changing organisations."""
import sqlalchemy as sa
from flask import current_app

from ..auth.access import can_manage
from ..extensions import db
from ..i18n.multilingual import MultilingualText
from . import logos
from .models import Organisation


def can_edit(user, organisation: Organisation) -> bool:
    """Admins edit every organisation; trainers those used only by courses of their teams."""
    from ..courses.models import Course, CourseOrganisation

    if user.is_admin:
        return True
    courses = db.session.scalars(sa.select(Course).join(CourseOrganisation).where(
        CourseOrganisation.organisation_id == organisation.id)).all()
    return all(can_manage(user, course) for course in courses)


def save_organisation(organisation: Organisation | None, *, name: MultilingualText, acronym: str,
                      country: str | None, website: str, logo: bytes | None = None,
                      remove_logo: bool = False) -> tuple[Organisation, str | None]:
    """Create (when ``organisation`` is None) or update an organisation; store a new logo.

    Returns the organisation and the file name of a logo it no longer uses, to delete once
    the change is committed.
    """
    new_logo = logos.store(logo) if logo else None  # raises before anything changes
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    organisation.name = name
    organisation.acronym = acronym.strip()
    organisation.country = country or None
    organisation.website = website.strip()
    obsolete = None
    if new_logo or remove_logo:
        obsolete, organisation.logo = organisation.logo, new_logo
    db.session.flush()
    current_app.logger.info("Saved organisation %s", organisation.id)
    return organisation, obsolete
