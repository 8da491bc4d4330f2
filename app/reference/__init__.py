"""Reference data: countries from CLDR, ASEAN membership, ministries, organisation types."""
from .countries import (  # noqa: F401
    Member,
    asean_members,
    country_choices,
    country_name,
    is_country,
    member,
)
from .data import ReferenceDataError, ministries, organisation_types, validate  # noqa: F401
