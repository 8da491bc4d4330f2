"""The trainers' registration list: filters and search, sort and pages, counts, possible duplicates.

A page costs the same few queries whatever its size and the course's: the count, the page's rows,
and one query for the duplicates among them.
"""
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa

from ..courses.dates import local_date
from ..courses.models import Course
from ..extensions import db
from .models import STATUSES, Delegation, Registration
from .names import fold

FILTERS = ("country", "status", "sex", "organisation_type", "ministry")
PAGE_SIZES = (50, 100, 200)
SORTS = ("country", "name", "status", "submitted")  # the first is the default
# What a page shows of each registration: plain rows, which come back faster than ORM objects.
COLUMNS = (Registration.id, Registration.certificate_name, Registration.native_name,
           Registration.full_name, Registration.email, Registration.country, Registration.ministry,
           Registration.organisation, Registration.position, Registration.status,
           Registration.submitted_at, Registration.attendance_mode)
_STATUS_ORDER = sa.case({status: rank for rank, status in enumerate(STATUSES)},
                        value=Registration.status)


def filtered(course: Course, args: Mapping) -> sa.Select:
    """The registrations matching the list's filters and search (any name form, any accents)."""
    query = sa.select(Registration).where(Registration.course_id == course.id,
                                          Registration.anonymised_at.is_(None))
    for name in FILTERS:
        if args.get(name):
            query = query.where(getattr(Registration, name) == args[name])
    if args.get("q"):
        for word in fold(args["q"]).split()[:5]:
            query = query.where(Registration.search_name.contains(word, autoescape=True))
    return query


def ordering(sort: str, descending: bool = False) -> list:
    """ORDER BY for a sort key: the key, then the name, then the id, so no two rows tie."""
    key = {"name": Registration.certificate_name, "country": Registration.country,
           "status": _STATUS_ORDER, "submitted": Registration.submitted_at}[sort]
    then = [] if sort == "name" else [Registration.certificate_name]
    return [key.desc() if descending else key.asc(), *then,
            Registration.id.desc() if descending else Registration.id]


def matching(course: Course, args: Mapping) -> list[Registration]:
    """Every registration the list's filters match, in the list's order (for "all N matching")."""
    sort, descending = _sort(args)
    return db.session.scalars(filtered(course, args).order_by(*ordering(sort, descending))).all()


def count(course: Course, args: Mapping) -> int:
    """How many registrations the list's filters match."""
    return db.session.scalar(filtered(course, args).with_only_columns(
        sa.func.count(Registration.id), maintain_column_froms=True))


@dataclass
class Page:
    """One page of the list, and what its links need to keep the filters, search and sort."""

    course: Course
    rows: list[sa.Row]  # of COLUMNS
    total: int
    number: int
    size: int
    sort: str
    descending: bool
    state: dict[str, str]  # filters, search, sort and page size as in the URL (no defaults)
    duplicates: set[int]

    @property
    def pages(self) -> int:
        return _pages(self.total, self.size)

    def args(self, **changes) -> dict[str, str]:
        """The URL's query arguments for this list with ``changes`` (page=…, per=…)."""
        merged = {**self.state, **{name: str(value) for name, value in changes.items()}}
        if merged.get("page") == "1":
            del merged["page"]
        return merged

    def sort_args(self, sort: str) -> dict[str, str]:
        """The arguments of a column heading: sort by it, or reverse it when it is the sort
        (from the first page)."""
        state = {name: value for name, value in self.state.items()
                 if name not in ("sort", "order", "page")}
        if sort != SORTS[0]:
            state["sort"] = sort
        if sort == self.sort and not self.descending:
            state["order"] = "desc"
        return state

    def numbers(self) -> list[int | None]:
        """The page numbers to link: the first, the last and two either side of this one
        (None: a gap)."""
        shown = sorted({1, self.pages, *range(max(1, self.number - 2),
                                              min(self.pages, self.number + 2) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def submitted_on(self, registration) -> date:
        """The day someone registered, at the course's venue."""
        return local_date(self.course, registration.submitted_at)


def page(course: Course, args: Mapping, counts: Mapping[str, int] | None = None) -> Page:
    """The page of the list that ``args`` (the URL's query) asks for; a page past the end is the
    last page, and an unknown page size the default. ``counts`` (``status_counts``) spare the
    count when only the status is filtered."""
    size = _number(args.get("per"), PAGE_SIZES[0])
    size = size if size in PAGE_SIZES else PAGE_SIZES[0]
    sort, descending = _sort(args)
    narrowed = [name for name in (*FILTERS, "q") if name != "status" and args.get(name)]
    if counts is not None and not narrowed:
        total = counts.get(args["status"], 0) if args.get("status") else sum(counts.values())
    else:
        total = count(course, args)
    number = min(max(1, _number(args.get("page"), 1)), _pages(total, size))
    rows = db.session.execute(filtered(course, args).with_only_columns(*COLUMNS)
                              .order_by(*ordering(sort, descending))
                              .limit(size).offset((number - 1) * size)).all()
    state = {name: args[name] for name in (*FILTERS, "q") if args.get(name)}
    if sort != SORTS[0]:
        state["sort"] = sort
    if descending:
        state["order"] = "desc"
    if size != PAGE_SIZES[0]:
        state["per"] = str(size)
    if number > 1:
        state["page"] = str(number)
    return Page(course, rows, total, number, size, sort, descending, state,
                duplicate_ids(course, rows))


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def _sort(args: Mapping) -> tuple[str, bool]:
    sort = args.get("sort")
    return (sort if sort in SORTS else SORTS[0]), args.get("order") == "desc"


def _number(value, default: int) -> int:
    try:
        return int(str(value)[:9])
    except ValueError:
        return default


def tally(course: Course) -> tuple[dict[str, int], list[str]]:
    """How many registrations are in each status, and the countries they come from, for the
    list's counts and its country filter (one query; anonymised ones left out)."""
    counts: dict[str, int] = {}
    countries: set[str] = set()
    for country, status, number in db.session.execute(
            sa.select(Registration.country, Registration.status, sa.func.count()).where(
                Registration.course_id == course.id, Registration.anonymised_at.is_(None))
            .group_by(Registration.country, Registration.status)):
        counts[status] = counts.get(status, 0) + number
        countries.add(country)
    return counts, sorted(countries)


def status_counts(course: Course) -> dict[str, int]:
    """How many registrations are in each status (anonymised ones left out)."""
    return tally(course)[0]


def duplicate_ids(course: Course, rows: Iterable | None = None) -> set[int]:
    """Those of ``rows`` (registrations, or rows of ``COLUMNS``; default: every registration)
    sharing an email, or a folded name and country, with another registration of the course that
    is not cancelled.

    One query, bounded by ``rows``: the others are found through the email index and through the
    search key's index (a folded name starts it), then checked here as
    ``operations.duplicates_of`` does."""
    rows = [r for r in (matching(course, {}) if rows is None else rows) if r.status != "cancelled"]
    if not rows:
        return set()
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    emails, names = sorted({r.email for r in rows}), sorted({_fold(r.full_name) for r in rows})
    values = {"course": course.id, **{f"e{i}": email for i, email in enumerate(emails)}}
    if sqlite:
        values.update({f"p{i}": name for i, name in enumerate(names)})
        values.update({f"q{i}": name + "\U0010ffff" for i, name in enumerate(names)})
    else:
        values.update({f"p{i}": name.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
                       for i, name in enumerate(names)})
    holders: dict[tuple, set[int]] = {}
    others = db.session.execute(_others(len(emails), len(names), sqlite), values).all()
    for rid, email, name, country in [*others, *((r.id, r.email, r.full_name, r.country)
                                                 for r in rows)]:
        holders.setdefault(("email", email), set()).add(rid)
        holders.setdefault(("name", _fold(name), country), set()).add(rid)
    return {r.id for r in rows if len(holders[("email", r.email)]) > 1
            or len(holders[("name", _fold(r.full_name), r.country)]) > 1}


_fold = lru_cache(maxsize=8192)(fold)


@lru_cache(maxsize=256)
def _others(emails: int, names: int, sqlite: bool) -> sa.Select:
    """The course's registrations (not cancelled) with one of the emails :e0, :e1…, or a search
    key starting with one of the names :p0, :p1… Built once per shape: fifty conditions cost
    more to build than the query takes to run. SQLite, which compares bytes, reads a range of
    the search key's index (:p… to :q…); it also sees "course_id + 0", as its planner, having no
    statistics, would otherwise walk the whole course instead of probing the two indexes."""
    key = Registration.search_name
    same_name = [sa.and_(key >= sa.bindparam(f"p{i}"), key < sa.bindparam(f"q{i}")) if sqlite
                 else key.like(sa.bindparam(f"p{i}"), escape="/") for i in range(names)]
    course_id = Registration.course_id + 0 if sqlite else Registration.course_id
    return sa.select(Registration.id, Registration.email, Registration.full_name,
                     Registration.country).where(
        course_id == sa.bindparam("course"), Registration.anonymised_at.is_(None),
        Registration.status != "cancelled",
        sa.or_(Registration.email.in_([sa.bindparam(f"e{i}") for i in range(emails)]), *same_name))


def chosen(course: Course, ids) -> list[Registration]:
    """The course's registrations among ``ids`` (a bulk change's ticked rows)."""
    return db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, Registration.anonymised_at.is_(None),
        Registration.id.in_(ids or []))).all()


def delegations(course: Course) -> list[Delegation]:
    return db.session.scalars(sa.select(Delegation).where(Delegation.course_id == course.id)
                              .order_by(Delegation.country)).all()


def active_by_country(course: Course) -> dict[str, int]:
    """Pending and approved registrations per country."""
    return dict(db.session.execute(sa.select(Registration.country, sa.func.count()).where(
        Registration.course_id == course.id, Registration.status.in_(("pending", "approved")))
        .group_by(Registration.country)).all())
