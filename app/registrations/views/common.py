"""What registration's pages share: reading a person from a form, and the template helpers."""
from flask_babel import format_date, format_datetime

from ...reference import asean_members, ministries
from ...web.templates import add_helper, helper
from .. import operations
from ..forms import ATTENDANCE_MODE_LABELS
from ..labels import status_label
from ..names import certificate_name, script_language

add_helper(operations.registration_state, "registration_state")
add_helper(certificate_name, "certificate_name")
add_helper(script_language, "script_language")
add_helper(status_label, "status_label")
add_helper(lambda day, format="medium": format_date(day, format, rebase=False), "format_date")
add_helper(format_datetime, "format_datetime")
add_helper(asean_members, "asean_members")
add_helper(ministries, "country_ministries")


@helper()
def attendance_mode_label(mode: str) -> str:
    """In person or online (a hybrid course's participants)."""
    return str(ATTENDANCE_MODE_LABELS.get(mode, mode))


@helper()
def ministry_name(country: str, code: str) -> str:
    """A ministry's name in the reader's language ("" when not listed)."""
    for ministry in ministries(country) if code else ():
        if ministry.code == code:
            return str(ministry.name)
    return ""


def person_from(form, country: str) -> operations.Person:
    """The person a registration or nomination form describes."""
    data = {name: getattr(form, name).data or "" for name in (
        "full_name", "family_name", "given_names", "name_order", "honorific", "native_name",
        "address_as", "sex", "age_group", "organisation_type", "organisation", "position", "email",
        "language", "province")}
    for name in ("phone", "certificate_language", "dietary", "accessibility", "attendance_mode"):
        if getattr(form, name, None) is not None:  # a form may leave a field out
            data[name] = getattr(form, name).data or ""
    return operations.Person(country=country, ministry=form.ministry_code(), **data)
