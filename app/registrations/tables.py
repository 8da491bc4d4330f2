"""Reading a CSV or XLSX file into rows keyed by its header, as people save them: any delimiter
Excel writes, a BOM, defused formulas undone, bounded sizes; problems said in the reader's language.
Registrations are read here, and other features' imports too."""
import csv
import io
import unicodedata
import warnings
from collections.abc import Iterator
from datetime import date, datetime
from typing import BinaryIO

from flask import current_app

from ..forms import clean_text
from ..i18n import _, format_decimal

# A leading = + - @ makes a spreadsheet run a CSV cell as a formula (exports defuse them).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def fold_label(text: str) -> str:
    """A header cell or a label as imports compare them: composed (NFC), without case, byte
    order marks or extra spaces."""
    return " ".join(unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").casefold().split())


def uploaded_rows(field) -> list[dict[str, str]] | None:
    """The rows of the file in a form's upload ``field`` (a validated FileField), or None with
    the reason it cannot be read added to the field's errors: every import page reads its file
    this way, as it streams in."""
    upload = field.data
    try:
        return read_table(upload.filename or "", upload.stream)
    except ImportFileError as problem:
        field.errors.append(str(problem))
        return None


def max_rows() -> int:
    """The most rows an imported file may hold below its header (IMPORT_MAX_ROWS), CSV and XLSX
    alike, for participants, speakers and working groups."""
    return current_app.config["IMPORT_MAX_ROWS"]


def numbered_rows(rows: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """(number as the spreadsheet shows it, row) for each row with something in it: the header
    is row 1, so reports name the row a person sees."""
    return [(number, row) for number, row in enumerate(rows, start=2)
            if any(str(value or "").strip() for value in row.values())]


class ImportFileError(ValueError):
    """The file cannot be read as a table; the message says why, in the user's language."""


def read_table(filename: str, data: bytes | BinaryIO) -> list[dict[str, str]]:
    """Read a CSV or XLSX file (its bytes, or a binary stream) into one dict per row, keyed by
    the header cells as written.

    Blank rows stay in the list (as empty dicts), so a list index maps to the spreadsheet row;
    blank rows at the end are left out. The file is read a row at a time: one holding more than
    :func:`max_rows` rows below its header is refused as soon as the row past the cap is read,
    without reading (or keeping) the rest.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    if extension == "csv":
        table = _csv_rows(stream)
    elif extension == "xlsx":
        table = _xlsx_rows(stream)
    else:
        raise ImportFileError(_("%(filename)s is neither a CSV nor an XLSX file.",
                                filename=filename))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about features of other tools' files
        try:
            return _rows_by_header(filename, table)
        finally:
            table.close()


def _rows_by_header(filename: str, table: Iterator) -> list[dict[str, str]]:
    first = next(table, None)
    if not first or not any(first):
        raise ImportFileError(_("%(filename)s has no header row.", filename=filename))
    headers = [_cell_value(cell) for cell in first]
    twice = next((header for index, header in enumerate(headers)
                  if header and header in headers[:index]), None)
    if twice:
        raise ImportFileError(_("The column “%(column)s” appears twice.", column=twice))
    rows, blanks, most = [], 0, max_rows()
    for cells in table:
        values = [_cell_value(cell) for cell in cells]
        if not any(values):
            blanks += 1  # kept only if a row with values follows
            continue
        if len(rows) + blanks >= most:
            raise ImportFileError(_("The file has more than %(max)s rows below its header: "
                                    "import at most %(max)s at a time.", max=format_decimal(most)))
        rows += [{}] * blanks
        blanks = 0
        row = {header: value for header, value in zip(headers, values) if header}
        extra = values[len(headers):] + [v for h, v in zip(headers, values) if not h]
        if any(extra):
            row[""] = next(value for value in extra if value)
        rows.append(row)
    return rows


# One line of a CSV file, in characters: far more than any row holds, and a bound on what is
# kept in memory while reading one (a field is bounded by the csv module: 131,072).
MAX_LINE = 1_000_000
MAX_COLUMNS = 60  # of an XLSX sheet: one may claim 16,384 (XFD1) to exhaust memory


def _csv_rows(stream: BinaryIO) -> Iterator[list[str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        first = text.readline(MAX_LINE)
        delimiter = ";" if first.count(";") > first.count(",") else ","
        for row in csv.reader(_lines(text, first), delimiter=delimiter):
            yield [_undefuse(cell) for cell in row]
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not in UTF-8: save it as “CSV UTF-8” and try again."))
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(reason)s", reason=str(exc)))
    finally:
        text.detach()  # the caller's stream stays open


def _lines(text: io.TextIOWrapper, first: str) -> Iterator[str]:
    """The lines of ``text`` from ``first`` on, none longer than MAX_LINE characters."""
    line = first
    while line:
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise ImportFileError(_("A line of the file is longer than %(max)s characters.",
                                    max=format_decimal(MAX_LINE)))
        yield line
        line = text.readline(MAX_LINE)


def _xlsx_rows(stream: BinaryIO) -> Iterator[tuple]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
        try:
            yield from book.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
        finally:
            book.close()
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors all mean "unreadable"
        raise ImportFileError(_("The XLSX file cannot be read: %(reason)s", reason=str(exc)))


def _cell_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into Excel
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    return clean_text(unicodedata.normalize("NFC", str(value))).strip()


def _undefuse(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value
