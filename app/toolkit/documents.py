"""Worksheet PDFs (a filled sheet, a blank handout, a country team's pack) through
:mod:`app.pdf`, and what the module library shows of a module's fields.

Every sheet prints under the common header (course and session, country,
group, facilitators, language, last save, status, organisers' logos, page x of y), on A4
landscape when its module says so. Answers are escaped by the field types; figures come from
:mod:`.figures`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date, format_time
from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from ..paths import ROOT
from ..agenda.documents import COURSE, course_content
from ..certificates.languages import document_languages
from ..courses.models import Course
from ..extensions import db
from ..i18n import _, current_language, localize, use_language
from ..i18n.languages import endonym
from ..pdf import cache, write_document
from ..reference import country_name
from ..registrations.models import Delegation, Registration, WorkingGroup
from . import figures, forms, operations, pages
from .fields import Context
from .figures.svg import filled_rows
from .models import Exercise, Worksheet
from .modules import Module
from .translation import translate

CSS = ROOT / "templates" / "pdf" / "toolkit" / "toolkit.css"
CARD_COLUMNS = {"portrait": 7, "landscape": 13}  # wider tables print as one card per row
BLANK_ROWS = {"portrait": 6, "landscape": 8}


@dataclass
class Header:
    """The common header of a worksheet page; empty strings print as lines to write on."""

    course: str = ""
    session: str = ""
    country: str = ""
    group: str = ""
    facilitators: str = ""
    language: str = ""
    saved: str = ""
    status: str = ""
    organisers: list = field(default_factory=list)


@dataclass
class Part:
    """Fields as a document shows them: consecutive values, a table, or a table as cards."""

    kind: str  # values | table | cards
    spec: object = None
    label: str = ""
    values: list[tuple[str, Markup]] = field(default_factory=list)  # (label, html)
    columns: list = field(default_factory=list)  # (spec, label)
    rows: list[list[Markup]] = field(default_factory=list)


@dataclass
class Sheet:
    """A worksheet ready to print: its module, header, figure and fields."""

    module: Module
    header: Header
    title: str
    anchor: str = "sheet-1"
    figure: Markup = Markup("")
    parts: list[Part] = field(default_factory=list)
    blank: bool = False

    @property
    def page(self) -> str:
        return self.module.page


# --- what a sheet shows ------------------------------------------------------------------------

def present(module: Module, answers: dict, ctx: Context, skip: tuple = ()) -> list[Part]:
    """The module's fields with their answers as escaped HTML; empty table rows left out."""
    parts = []
    for spec in module.fields:
        if spec.name in skip:
            continue
        if spec.type.name != "table":
            html = spec.type.html(answers.get(spec.name, spec.type.empty()), spec, ctx) or Markup("—")
            if not (parts and parts[-1].kind == "values"):
                parts.append(Part("values"))
            parts[-1].values.append((ctx.tr(spec.label), html))
            continue
        columns = [(column, ctx.tr(column.label)) for column in spec.columns]
        rows = [[column.type.html(row.get(column.name, column.type.empty()), column, ctx)
                 for column in spec.columns] for row in filled_rows(module, spec.name, answers)]
        kind = "cards" if len(columns) > CARD_COLUMNS[module.page] else "table"
        parts.append(Part(kind, spec, ctx.tr(spec.label), columns=columns, rows=rows))
    return parts


def session_label(exercise: Exercise | None) -> str:
    """"Session 4, day 1, 13:00–14:30": the exercise's session by its place in the agenda."""
    session = exercise.session if exercise else None
    if session is None:
        return ""
    course = exercise.course
    taught = [s for s in course.sessions if s.kind != "break"]
    number = taught.index(session) + 1 if session in taught else len(taught) + 1
    start, end = session.local(session.starts_at), session.local(session.ends_at)
    return _("Session %(number)d, day %(day)d, %(start)s–%(end)s", number=number,
             day=(start.date() - course.start_date).days + 1,
             start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))


def header(course: Course | None, exercise: Exercise | None = None, sheet: Worksheet | None = None,
           owner: Registration | Delegation | WorkingGroup | None = None) -> Header:
    """The header for a sheet of ``owner`` (a person, a country team or a working group, under
    its name), or a blank one."""
    result = Header(language=endonym(current_language()))
    if course is None:
        return result
    result.course = localize(course.title, course.working_language).text
    result.organisers = course.organisations("organiser") + course.organisations("donor")
    result.session = session_label(exercise)
    if exercise and exercise.session:
        result.facilitators = ", ".join(lead.speaker.name for lead in exercise.session.leads
                                        if lead.role == "facilitator")
    if owner is not None:
        country = owner.country  # "" for a working group from several countries
        result.country = f"{country} · {country_name(country)}" if country else ""
        result.group = operations.team_name(owner)
        result.status = _("Final") if sheet is not None and sheet.status == "final" else _("Draft")
    if sheet is not None and sheet.saved_at:
        result.saved = saved_label(sheet.saved_at, course.timezone)
    return result


def saved_label(moment: datetime, zone: str) -> str:
    """When a sheet was last saved, at the venue: "Apr 9, 2030, 14:05"."""
    local, locale = moment.astimezone(ZoneInfo(zone)), get_locale() or "en"
    return f"{format_date(local, 'medium', locale=locale)}, {format_time(local, 'HH:mm', locale=locale)}"


def title_of(module: Module) -> str:
    return f"{module.key} · {translate(module.title)}"


def filled(exercise: Exercise, sheet: Worksheet | None, owner, anchor: str = "sheet-1") -> Sheet:
    """A filled sheet (``sheet`` None: nothing saved yet) of ``owner``."""
    module = exercise.module
    if sheet is not None:
        ctx = operations.context(sheet)
    else:
        ctx = Context(country=owner.country or exercise.course.country, answers={}, translate=translate)
    answers = forms.computed(module, sheet.answers if sheet else {}, ctx)
    ctx.answers = answers
    replaced = getattr(figures.FIGURES.get(module.figure), "replaces", ())
    return Sheet(module, header(exercise.course, exercise, sheet, owner), title_of(module), anchor,
                 figures.draw(module, answers, ctx), present(module, answers, ctx, skip=replaced))


owner_of = operations.owner_of


def render(sheets: list[Sheet], **context) -> bytes:
    """The PDF of ``sheets`` (and a cover and contents when ``pack`` is given)."""
    return write_document(_document(sheets, **context))


def _document(sheets: list[Sheet], **context):
    """The sheets laid out, each page's top margin as tall as its header needs (:mod:`.pages`)."""
    html = render_template("pdf/toolkit/document.html", sheets=sheets, words=page_words(),
                           language=current_language(), blank_rows=BLANK_ROWS, cards=CARD_COLUMNS,
                           translate=translate, **context)
    return pages.lay_out(html, CSS.read_text(encoding="utf-8"), sheets)


def sheet_languages(course: Course | None, person: str | None = None) -> list[str]:
    """The languages a worksheet PDF prints in: the reader's, or as the course's certificate
    settings say (``person``, a participant's own language, for their own PDFs; a fixed pair)."""
    return document_languages(course, [current_language()], person)


def in_languages(languages: list[str], make: Callable[[], tuple[list[Sheet], dict]]) -> bytes:
    """One PDF with the document ``make()`` builds (its sheets and context) in each of
    ``languages``, one copy after the other, each with its own page numbers: a course that
    prints in two languages hands out both."""
    documents = []
    for copy, language in enumerate(languages, 1):
        with use_language(language):
            sheets, context = make()
            if copy > 1:  # anchors of its own: its contents lead to its own sheets
                for sheet in sheets:
                    sheet.anchor = f"{sheet.anchor}-{copy}"
            documents.append(_document(sheets, **context))
    return write_document(documents[0].copy([page for document in documents
                                             for page in document.pages]))


def page_words() -> tuple[str, str, str]:
    """"Page", "of", "" around the two numbers of "Page x of y" in the reader's language."""
    parts = re.split(r"%\((page|pages)\)s", _("Page %(page)s of %(pages)s"))
    if len(parts) != 5 or parts[1] != "page":
        return "", "/", ""
    return parts[0].strip(), parts[2].strip(), parts[4].strip()


# --- the three documents -------------------------------------------------------------------------

def worksheet_pdf(sheet: Worksheet, person: str | None = None) -> bytes:
    """One filled worksheet (``person``: the language of the participant asking for it)."""
    return in_languages(sheet_languages(sheet.exercise.course, person), lambda: (
        [filled(sheet.exercise, sheet, owner_of(sheet))], {}))


def blank_pdf(module: Module, course: Course | None = None) -> bytes:
    """A handout to fill by hand, under the course's header when ``course`` is given."""
    exercise = operations.exercise_for(course, module.key) if course else None
    return in_languages(sheet_languages(course), lambda: (
        [Sheet(module, header(course, exercise), title_of(module), blank=True)], {}))


def country_pack_pdf(course: Course, country: str, only: Registration | None = None) -> bytes:
    """Every sheet of a country's team at ``course``, in exercise order, with a cover and
    contents: its country team's sheets and those of the working groups its people are in,
    each under its team's name; with ``only``, that person's team's sheets and their own (a
    participant's pack, in their language where the course's settings say so)."""
    person = only.certificate_language if only is not None else None
    return in_languages(sheet_languages(course, person),
                        lambda: _country_pack(course, country, only))


def pack_teams(course: Course, country: str, only: Registration | None) -> list:
    """The teams whose sheets a pack prints: a participant's own team, or the country's team and
    every working group with a member from the country."""
    if only is not None:
        team = operations.team_owner(course, only)
        return [team] if team is not None else []
    delegation = db.session.scalar(sa.select(Delegation).where(
        Delegation.course_id == course.id, Delegation.country == country))
    groups = set(db.session.scalars(sa.select(Registration.group_id).where(
        Registration.course_id == course.id, Registration.country == country,
        operations.fills_worksheets())))
    return ([delegation] if delegation else []) + [group for group in course.working_groups
                                                   if group.id in groups or group.country == country]


def _country_pack(course: Course, country: str, only: Registration | None):
    members = operations.country_team(course, country)
    title = f"{country} · {country_name(country)}"
    teams = pack_teams(course, country, only)
    if only is not None and teams and isinstance(teams[0], WorkingGroup):
        members, title = operations.group_members(teams[0]), teams[0].name
    sheets = []
    for exercise in course.exercises:
        if exercise.module is None:
            continue
        owners = teams if exercise.mode == "team" else [only] if only else members
        for owner in owners:
            column = Worksheet.registration_id if isinstance(owner, Registration) else operations.owner_column(owner)
            sheet = db.session.scalar(sa.select(Worksheet).where(
                Worksheet.exercise_id == exercise.id, column == owner.id))
            if sheet is not None and sheet.version > 0:
                sheets.append(filled(exercise, sheet, owner, anchor=f"sheet-{len(sheets) + 1}"))
    pack = {"course": localize(course.title, course.working_language).text,
            "country": title, "members": members,
            "organisers": course.organisations("organiser") + course.organisations("donor")}
    return sheets, {"pack": pack}


# --- the same documents from the cache ---------------------------------------------------------

@lru_cache(maxsize=None)
def _content(sheets: bool):
    """What a course's worksheet PDFs are made from, for their cache key (one query, the
    course's id as ``course_id``): the course's own (:func:`app.agenda.documents.course_content`:
    header, sessions, facilitators, logos, languages) and its exercises; with ``sheets``, every
    worksheet of the course (its version stands for its answers: every save makes one), every
    participant (names, teams, groups, languages), the country teams and the working groups. A
    sheet's references to other sheets, a pack's members and teams: all in there."""
    exercises = sa.select(Exercise.id).where(Exercise.course_id == COURSE)
    parts = [*course_content(), cache.rows("exercise", Exercise, Exercise.course_id == COURSE)]
    if sheets:
        parts += [cache.rows("sheet", Worksheet, Worksheet.exercise_id.in_(exercises),
                             skip=("answers",)),
                  cache.rows("person", Registration, Registration.course_id == COURSE),
                  cache.rows("team", Delegation, Delegation.course_id == COURSE),
                  cache.rows("group", WorkingGroup, WorkingGroup.course_id == COURSE)]
    return sa.union_all(*parts)


def _cached(course: Course | None, kind: str, render: Callable[[], bytes], *parts,
            sheets: bool = True) -> Path:
    """A worksheet PDF of ``course`` from the cache: rendered once per content and language."""
    return cache.get_or_render(_key(course, kind, *parts, sheets=sheets), render, "worksheet")


def _key(course: Course | None, kind: str, *parts, sheets: bool = True) -> str:
    content = cache.content(_content(sheets), course_id=course.id) if course is not None else None
    return cache.key("toolkit", kind, current_language(), *parts, content)


def sheet_file(exercise: Exercise, sheet: Worksheet | None, owner,
               person: str | None = None) -> Path:
    """One filled sheet (``sheet`` None: nothing saved yet) of ``owner`` (a person, a country
    team or a working group, maybe not stored yet), in ``person``'s language where the course's
    settings say so."""
    course = exercise.course
    return _cached(course, "sheet", lambda: in_languages(
        sheet_languages(course, person), lambda: ([filled(exercise, sheet, owner)], {})),
        exercise.id, sheet.id if sheet is not None else None,
        type(owner).__name__, owner.id, owner.country, person)


def blank_file(module: Module, course: Course | None = None) -> Path:
    """:func:`blank_pdf` from the cache (its key leaves out the course's worksheets)."""
    return _cached(course, "blank", lambda: blank_pdf(module, course), module.key, sheets=False)


def pack_file(course: Course, country: str, only: Registration | None = None, *,
              since: float) -> Path | None:
    """:func:`country_pack_pdf` from the cache, or None while a job renders it (a pack takes
    about a second: :func:`app.pdf.cache.get_or_start` waits a little for it, not longer);
    ``since``: when the reader first asked."""
    parts, language = _pack_parts(country, only), current_language()
    return cache.get_or_start(_key(course, "pack", *parts),
                              f"pack:{course.id}:{course.slug}:{country}:"
                              f"{only.token if only is not None else ''}:{language}",
                              "app.toolkit.documents.render_pack", course.id, country, parts[1],
                              language, since=since)


def render_pack(course_id: int, country: str, registration_id: int | None, language: str) -> str:
    """The job of :func:`pack_file`: the pack rendered into the cache in ``language`` (the
    request's); the path of its file. A course or participant gone meanwhile is a 404 (never
    the whole country's pack instead of one person's)."""
    with current_app.test_request_context("/"), use_language(language):
        course = db.session.get(Course, course_id)
        only = None if registration_id is None else db.session.get(Registration, registration_id)
        if course is None or (registration_id is not None and only is None):
            raise NotFound()
        return str(_cached(course, "pack", lambda: country_pack_pdf(course, country, only),
                           *_pack_parts(country, only)))


def _pack_parts(country: str, only: Registration | None) -> tuple:
    """What a pack's key names besides its content: the country, and the participant (id) and
    their language for a participant's own."""
    return country, only.id if only is not None else None, \
        only.certificate_language if only is not None else None


def type_label(spec) -> str:
    """What kind of answer a field takes, for the library ("Choice", "Table"…)."""
    labels = {"text": _("Text"), "long_text": _("Long text"), "choice": _("One choice"),
              "multi_choice": _("Several choices"), "number": _("Number"), "money": _("Amount"),
              "date": _("Date"), "table": _("Table"), "computed": _("Worked out"),
              "reference": _("Linked to another worksheet")}
    if spec.type.name == "scale":
        return _("Score %(low)s–%(high)s", low=spec.get("min", 1), high=spec.get("max", 5))
    return labels.get(spec.type.name, spec.type.name)
