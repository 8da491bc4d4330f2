"""What each row of the trainers' registration list shows. Each label (country, ministry,
status, day) is worked out once per page, not once per row: a page of 200 stays quick."""
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from flask_babel import format_date

from ...reference import country_name
from ..labels import status_label
from ..listing import Page
from .common import attendance_mode_label, ministry_name


@dataclass(frozen=True)
class Row:
    id: int
    name: str  # as on the certificate
    native_name: str
    country: str
    organisation: str  # the ministry's name, else the organisation as typed
    position: str
    status: str
    registered: str  # the day, at the venue
    duplicate: bool
    online: str  # "Online" for who takes part online in a hybrid course, else ""


def shown_rows(page: Page) -> list[Row]:
    cache: dict[tuple, str] = {}
    hybrid = page.course.mode == "hybrid"

    def once(key: tuple[Hashable, ...], make: Callable[[], str]) -> str:
        if key not in cache:
            cache[key] = make()
        return cache[key]

    return [Row(
        id=r.id, name=r.certificate_name, native_name=r.native_name,
        country=once(("country", r.country), lambda: country_name(r.country)),
        organisation=once(("organisation", r.country, r.ministry, r.organisation),
                          lambda: ministry_name(r.country, r.ministry) or r.organisation),
        position=r.position, status=once(("status", r.status), lambda: status_label(r.status)),
        registered=once(("day", day), lambda: format_date(day, "short", rebase=False)),
        duplicate=r.id in page.duplicates,
        online=once(("mode", r.attendance_mode), lambda: attendance_mode_label(r.attendance_mode))
        if hybrid and r.attendance_mode == "online" else "")
        for r in page.rows for day in (page.submitted_on(r),)]
