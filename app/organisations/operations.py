"""Creating and changing organisations."""
from flask import current_app

from ..extensions import db
from ..i18n.multilingual import MultilingualText
from . import logos
from .models import Organisation


def save_organisation(organisation: Organisation | None, *, name: MultilingualText, acronym: str,
                      country: str | None, website: str, logo: bytes | None = None,
                      remove_logo: bool = False) -> Organisation:
    """Create (when ``organisation`` is None) or update an organisation; store a new logo."""
    new_logo = logos.store(logo) if logo else None  # raises before anything changes
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    organisation.name = name
    organisation.acronym = acronym.strip()
    organisation.country = country or None
    organisation.website = website.strip()
    if new_logo or remove_logo:
        logos.remove(organisation.logo)
        organisation.logo = new_logo
    db.session.flush()
    current_app.logger.info("Saved organisation %s", organisation.id)
    return organisation
