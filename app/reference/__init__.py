"""Reference data: countries from CLDR, ASEAN membership, ministries, organisation types."""
from .countries import (  # noqa: F401
    Member,
    asean_members,
    country_choices,
    country_name,
    is_country,
    member,
)
from .checks import validate  # noqa: F401
from .data import ReferenceDataError, ministries, organisation_types  # noqa: F401
