"""Meeting platforms' participant reports, read into one plain row per person.

Read here, as the platforms write them:

- Zoom's participants report (Reports › Usage › Participants › Export): UTF-8, commas, columns
  "Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)",
  "Guest"; exported "with meeting data", a meeting summary (Meeting ID, Topic, Start Time…) and
  a blank row come first. Someone who left and came back has one row per visit.
- Microsoft Teams' attendance report: UTF-16, tab- (or comma-) separated, in sections:
  "1. Summary" (meeting title, start time…), "2. Participants" ("Name", "First Join",
  "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"), then
  "3. In-Meeting Activities" (not read: it repeats people once per visit).
- The older Teams list: "Full Name", "User Action" (Joined, Joined before, Left), "Timestamp";
  it has no email addresses.

Nothing here touches the database; :mod:`app.agenda.online` matches the rows to participants.
"""
import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from ..i18n import _
from ..registrations.tables import fold_label

MAX_ATTENDEES = 5000
SECTION = re.compile(r"^\d+\.\s")  # "1. Summary", "2. Participants", "3. In-Meeting Activities"
DURATION = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([ap])\.?m\.?)?", re.I)

# Column names as each platform writes them (compared case- and space-insensitively).
ZOOM_NAME = ("name (original name)", "name", "user name", "participant")
ZOOM_EMAIL = ("user email", "email", "participant email", "email address")
ZOOM_MINUTES = ("duration (minutes)", "duration (mins)", "duration")
TEAMS_EMAIL = ("email", "participant id (upn)")
SUMMARY_TITLE = ("meeting title", "topic", "title")
SUMMARY_START = ("start time", "meeting start time")


class ReportUnreadable(ValueError):
    """The file is not a participant report we can read; the message says why, translated."""


@dataclass
class Attendee:
    """One person in a report: all their visits together."""

    name: str
    email: str = ""
    minutes: int | None = None
    joined: str = ""
    left: str = ""
    role: str = ""


@dataclass
class MeetingReport:
    platform: str  # "zoom" or "teams"
    layout: str  # "zoom", "teams" or "teams-legacy"
    attendees: list[Attendee] = field(default_factory=list)
    title: str = ""
    started: str = ""


def parse(data: bytes) -> MeetingReport:
    """Read a Zoom or Teams participant report, whatever its encoding and separator."""
    text = decode(data)
    for delimiter in ("\t", ",", ";"):
        try:
            rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        except csv.Error:
            continue
        found = _header(rows)
        if found is not None:
            layout, index = found
            report = _READERS[layout](rows, index)
            if not report.attendees:
                raise ReportUnreadable(_("The report lists nobody."))
            if len(report.attendees) > MAX_ATTENDEES:
                raise ReportUnreadable(_("The report is too long: at most %(count)d people.",
                                         count=MAX_ATTENDEES))
            return report
    raise ReportUnreadable(_(
        "This is not a Zoom or Microsoft Teams participant report we can read. Download it again "
        "with English column headers: Zoom's has “Name (Original Name)”, “User Email” and “Join "
        "Time”; Teams' has “Name”, “First Join” and “Email”."))


def decode(data: bytes) -> str:
    """The report's text: UTF-16 (Teams, with or without its byte order mark) or UTF-8."""
    if data.startswith((b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xd0\xcf\x11\xe0")):
        raise ReportUnreadable(_("The file is not a CSV file: download the report as CSV and try again."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) > 1 and data[1:200:2].count(0) > len(data[1:200:2]) // 2:
        encoding = "utf-16-le"  # ASCII text with every other byte zero, no byte order mark
    elif len(data) > 1 and data[0:200:2].count(0) > len(data[0:200:2]) // 2:
        encoding = "utf-16-be"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise ReportUnreadable(_("The file's characters cannot be read: download the report again "
                                 "and upload it as it is, without opening it in a spreadsheet."))
    if "\x00" in text:
        raise ReportUnreadable(_("The file is not a CSV file: download the report as CSV and try again."))
    return unicodedata.normalize("NFC", text)


fold = fold_label  # a header cell as compared


def _header(rows: list[list[str]]) -> tuple[str, int] | None:
    """The layout and the row index of the participants' header, if any row is one."""
    for index, row in enumerate(rows):
        cells = {fold(cell) for cell in row}
        if {"name", "first join", "last leave"} <= cells:
            return "teams", index
        if {"full name", "user action", "timestamp"} <= cells:
            return "teams-legacy", index
        if {"join time", "leave time"} <= cells and cells & set(ZOOM_NAME):
            return "zoom", index
    return None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    folded = [fold(cell) for cell in header]
    return next((folded.index(name) for name in names if name in folded), None)


def _records(rows: list[list[str]], index: int):
    """The rows below the header, up to a blank row or the next numbered section."""
    for row in rows[index + 1:]:
        if not any(cell.strip() for cell in row) or SECTION.match(row[0].strip()):
            return
        yield row


def _cell(row: list[str], column: int | None) -> str:
    return row[column].strip() if column is not None and column < len(row) else ""


def _email(value: str) -> str:
    value = value.strip().lower()
    return value if re.fullmatch(r"[^@\s]+@[^@\s]+", value) else ""


def _no_email() -> ReportUnreadable:
    return ReportUnreadable(_("The report has no email column, so nobody can be matched: download "
                              "it again with the participants' email addresses."))


def _summary(rows: list[list[str]], index: int) -> tuple[str, str]:
    """The meeting's title and start time from the lines above the participants, if given:
    Teams' "key<TAB>value" lines, or Zoom's meeting row under its own header."""
    title = started = ""
    for position, row in enumerate(rows[:index]):
        cells = [fold(cell) for cell in row]
        if len(row) >= 2 and cells[0] in SUMMARY_TITLE and not title:
            title = row[1].strip()
        if len(row) >= 2 and cells[0] in SUMMARY_START and not started:
            started = row[1].strip()
        if "topic" in cells and position + 1 < index:  # Zoom's meeting header, its values below
            values = rows[position + 1]
            title = _cell(values, cells.index("topic"))
            started = _cell(values, cells.index("start time")) if "start time" in cells else ""
    return title, started


def _add(people: dict[str, Attendee], person: Attendee) -> None:
    """Merge a visit into the person's row: minutes summed, first join and last leave kept."""
    key = person.email or "name:" + fold(person.name)
    known = people.get(key)
    if known is None:
        people[key] = person
        return
    if person.minutes is not None:
        known.minutes = (known.minutes or 0) + person.minutes
    known.left = person.left or known.left
    known.role = known.role or person.role


def _zoom(rows: list[list[str]], index: int) -> MeetingReport:
    header = rows[index]
    name, email = _column(header, ZOOM_NAME), _column(header, ZOOM_EMAIL)
    joined, left = _column(header, ("join time",)), _column(header, ("leave time",))
    minutes = _column(header, ZOOM_MINUTES)
    if email is None:
        raise _no_email()
    people: dict[str, Attendee] = {}
    for row in _records(rows, index):
        spent = _cell(row, minutes)
        _add(people, Attendee(name=_cell(row, name), email=_email(_cell(row, email)),
                              minutes=int(spent) if spent.isdigit() else None,
                              joined=_cell(row, joined), left=_cell(row, left)))
    title, started = _summary(rows, index)
    return MeetingReport("zoom", "zoom", list(people.values()), title, started)


def _teams(rows: list[list[str]], index: int) -> MeetingReport:
    header = rows[index]
    columns = {key: _column(header, names) for key, names in (
        ("name", ("name",)), ("joined", ("first join",)), ("left", ("last leave",)),
        ("minutes", ("in-meeting duration", "duration")), ("email", ("email",)),
        ("upn", ("participant id (upn)",)), ("role", ("role",)))}
    if columns["email"] is None and columns["upn"] is None:
        raise _no_email()
    people: dict[str, Attendee] = {}
    for row in _records(rows, index):
        email = _email(_cell(row, columns["email"])) or _email(_cell(row, columns["upn"]))
        _add(people, Attendee(name=_cell(row, columns["name"]), email=email,
                              minutes=duration_minutes(_cell(row, columns["minutes"])),
                              joined=_cell(row, columns["joined"]), left=_cell(row, columns["left"]),
                              role=_cell(row, columns["role"])))
    title, started = _summary(rows, index)
    return MeetingReport("teams", "teams", list(people.values()), title, started)


def _teams_legacy(rows: list[list[str]], index: int) -> MeetingReport:
    """Joins and leaves, one per row, by name only: each person's minutes from their pairs."""
    header = rows[index]
    name, action, stamp = (_column(header, (key,)) for key in ("full name", "user action", "timestamp"))
    people: dict[str, Attendee] = {}
    arrived: dict[str, int] = {}
    for row in _records(rows, index):
        key, when = fold(_cell(row, name)), _cell(row, stamp)
        person = people.setdefault(key, Attendee(name=_cell(row, name), minutes=0))
        seconds = clock_seconds(when)
        if fold(_cell(row, action)).startswith("join"):
            person.joined = person.joined or when
            if seconds is not None:
                arrived.setdefault(key, seconds)
        else:
            person.left = when
            start = arrived.pop(key, None)
            if start is not None and seconds is not None and seconds >= start:
                person.minutes += round((seconds - start) / 60)
    return MeetingReport("teams", "teams-legacy", list(people.values()))


_READERS = {"zoom": _zoom, "teams": _teams, "teams-legacy": _teams_legacy}


def duration_minutes(text: str) -> int | None:
    """Teams' "1h 27m 51s", "27m 5s", "45s" or "01:27:51", in whole minutes."""
    text = text.strip().lower()
    clock = re.fullmatch(r"(\d+):(\d{2}):(\d{2})", text)
    if clock:
        hours, minutes, seconds = map(int, clock.groups())
    else:
        found = DURATION.match(text) if text else None
        if not found or not any(found.groups()):
            return None
        hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return round((hours * 3600 + minutes * 60 + seconds) / 60)


def clock_seconds(text: str) -> int | None:
    """The time of day in a timestamp ("4/10/2030, 9:01:03 AM", "10.04.2030 09:01"), in
    seconds after midnight; the date part is written differently in every locale, so it is
    not read."""
    found = None
    for found in CLOCK.finditer(text):
        pass
    if found is None:
        return None
    hour, minute, second = int(found[1]), int(found[2]), int(found[3] or 0)
    half = (found[4] or "").lower()
    if half:
        hour = hour % 12 + (12 if half == "p" else 0)
    return hour * 3600 + minute * 60 + second
